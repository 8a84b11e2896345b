"""Adding a rule tag is one catalog entry (its rule one SQL expression) plus the generated contract.

The README procedure, followed on a copy of the project and of the demo warehouse: append an entry to
macros/tag_catalog.sql, regenerate dim_person_profiles.yml with orchestration.tag_catalog, rebuild the tag
models with dbt. The new tag must then be in the catalog mart, the long and the wide tables, with the values
its expression gives when recounted here from int_person_features.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from orchestration.tag_catalog import read_catalog, write_generated_files
from orchestration.tests.dbt_worker import run_dbt
from orchestration.tests.refresh_helpers import copy_project

NEW_TAG = """- tag_code: is_shanghai_big_spender
  name_zh: 上海高消费客户
  name_en: Shanghai big spender
  category: value
  value_type: boolean
  owner: test_team
  refresh_frequency: daily
  description: CRM city 上海 and total_revenue of at least 5000; no value without a CRM city.
  expression: "case when city is not null then city = '上海' and total_revenue >= 5000 end"
"""
def add_catalog_entry(catalog_path: Path, entry: str) -> None:
    """Append entry to the catalog's YAML list (just before its end marker)."""
    text = catalog_path.read_text(encoding="utf-8")
    marker = "{%- endset -%}"
    assert text.count(marker) == 1
    catalog_path.write_text(text.replace(marker, entry + marker), encoding="utf-8")


def test_a_new_catalog_entry_becomes_a_tag_everywhere(demo_warehouse, tmp_path):
    project = copy_project(tmp_path / "project")
    catalog_path = project / "macros" / "tag_catalog.sql"
    add_catalog_entry(catalog_path, NEW_TAG)
    assert read_catalog(catalog_path)[-1]["tag_code"] == "is_shanghai_big_spender"
    changed = write_generated_files(
        catalog_path, project / "models" / "marts" / "tags" / "dim_person_profiles.yml", docs_path=None
    )
    assert changed, "the contract of dim_person_profiles did not get the new column"

    warehouse = tmp_path / "profile.duckdb"
    shutil.copy2(demo_warehouse.path, warehouse)
    environment = {
        **os.environ, "WAREHOUSE_PATH": str(warehouse), "PII_HASH_SALT": demo_warehouse.salt,
        "DBT_PROFILES_DIR": str(project), "DUCKDB_TEMP_DIRECTORY": str(tmp_path / "spill"),
    }
    build = run_dbt(
        ["build", "--select", "int_person_tags_evaluated+", "--exclude", "resource_type:unit_test",
         "--project-dir", str(project)],
        cwd=project, env=environment,
    )
    assert build.returncode == 0, build.stdout[-4000:]

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        expected = dict(connection.execute(
            "select case when city = '上海' and total_revenue >= 5000 then 'true' else 'false' end, count(*) "
            "from intermediate.int_person_features where city is not null group by 1"
        ).fetchall())
        long_counts = dict(connection.execute(
            "select tag_value, count(*) from marts.fct_person_tags "
            "where tag_code = 'is_shanghai_big_spender' group by 1"
        ).fetchall())
        wide_counts = dict(connection.execute(
            "select cast(is_shanghai_big_spender as varchar), count(*) from marts.dim_person_profiles "
            "where is_shanghai_big_spender is not null group by 1"
        ).fetchall())
        catalog_row = connection.execute(
            "select category, value_type, count_persons_tagged from marts.dim_tag_catalog "
            "where tag_code = 'is_shanghai_big_spender'"
        ).fetchall()
    assert expected.get("true", 0) > 0 and expected.get("false", 0) > 0, expected
    assert long_counts == expected
    assert wide_counts == expected
    assert catalog_row == [("value", "boolean", sum(expected.values()))]
