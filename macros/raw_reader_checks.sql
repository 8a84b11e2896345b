{#- The reader's own rejections, first in every base model's checks: the ingest (orchestration/raw_lines.py)
    starts `_parse_error` with a reason code where a line, not its content, is at fault. Returns a list of
    (condition, reason_code) pairs for first_failing_reason, ahead of the source's own checks:
    first_failing_reason(raw_reader_checks() + [...]). Any other reader error stays malformed_record. -#}
{% macro raw_reader_checks() -%}
    {%- set checks = [] -%}
    {%- for reason_code in ['invalid_encoding', 'oversized_record', 'truncated_file', 'unreadable_file'] -%}
        {%- do checks.append(("_parse_error like '" ~ reason_code ~ ": %'", reason_code)) -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}
