"""The analysis ("as of") day: how it is written on the command line and how it reaches dbt."""

import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

AS_OF_DATE_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}")


def validate_as_of_date(text: str | None) -> str:
    """The analysis day as 'YYYY-MM-DD', '' when it is not pinned; ValueError for anything else."""
    text = (text or "").strip()
    if not text:
        return ""
    if AS_OF_DATE_FORMAT.fullmatch(text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise ValueError(f"as-of date {text!r} is not a calendar day written YYYY-MM-DD")


def dbt_vars_arguments(as_of_date: str | None, other_vars: Mapping[str, Any] | None = None) -> list[str]:
    """The `--vars` arguments of a dbt command: the analysis day when pinned, and any other rule parameter.

    None when there is nothing to pass: dbt_project.yml then reads AS_OF, and an empty day means the latest
    reporting day in the clean data.
    """
    dbt_vars = dict(other_vars or {})
    as_of_date = validate_as_of_date(as_of_date or dbt_vars.get("as_of_date"))
    dbt_vars.pop("as_of_date", None)
    if as_of_date:
        dbt_vars["as_of_date"] = as_of_date
    return ["--vars", json.dumps(dbt_vars, sort_keys=True)] if dbt_vars else []
