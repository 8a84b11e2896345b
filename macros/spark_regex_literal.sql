{#- A regular expression written for RE2 (DuckDB) as the body of a Spark SQL string literal for Java regex:
    POSIX classes ([:space:] ...) become Java's \p{...}, and backslashes are doubled because Spark's string
    literals read backslash escapes (DuckDB's do not). Used by the Spark variants of the regexp macros. -#}
{% macro spark_regex_literal(pattern) -%}
    {%- set posix_classes = {
        '[:space:]': '\\p{Space}', '[:alpha:]': '\\p{Alpha}', '[:digit:]': '\\p{Digit}',
        '[:alnum:]': '\\p{Alnum}', '[:punct:]': '\\p{Punct}', '[:upper:]': '\\p{Upper}', '[:lower:]': '\\p{Lower}',
    } %}
    {%- set java_pattern = namespace(text=pattern) %}
    {%- for posix_class, java_class in posix_classes.items() %}
        {%- set java_pattern.text = java_pattern.text | replace(posix_class, java_class) %}
    {%- endfor %}
    {{- java_pattern.text | replace('\\', '\\\\') -}}
{%- endmacro %}
