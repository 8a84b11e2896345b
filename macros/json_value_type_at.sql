{#- JSON type of one top-level value of a JSON object: 'string', 'integer', 'number' (with a fraction or
    exponent), 'boolean', 'object', 'array', 'null', or null when the key is absent. `key_expression` is a
    SQL expression (e.g. a column holding a property name). -#}
{% macro json_value_type_at(expression, key_expression) -%}
    {{ return(adapter.dispatch('json_value_type_at')(expression, key_expression)) }}
{%- endmacro %}

{% macro duckdb__json_value_type_at(expression, key_expression) -%}
    case json_type({{ expression }}, '$."' || {{ key_expression }} || '"')
        when 'VARCHAR' then 'string'
        when 'BIGINT' then 'integer'
        when 'UBIGINT' then 'integer'
        when 'HUGEINT' then 'integer'
        when 'DOUBLE' then 'number'
        when 'BOOLEAN' then 'boolean'
        when 'OBJECT' then 'object'
        when 'ARRAY' then 'array'
        when 'NULL' then 'null'
    end
{%- endmacro %}

{#- Spark has no JSON type function: read the first character of the value's token in the text. -#}
{% macro default__json_value_type_at(expression, key_expression) -%}
    case left(regexp_extract({{ expression }}, concat('"', {{ key_expression }}, '"\\s*:\\s*([^,}\\]]*)'), 1), 1)
        when '"' then 'string'
        when '{' then 'object'
        when '[' then 'array'
        when 't' then 'boolean'
        when 'f' then 'boolean'
        when 'n' then 'null'
        when '' then null
        else case
            when regexp_extract({{ expression }}, concat('"', {{ key_expression }}, '"\\s*:\\s*(-?[0-9]+)\\s*[,}]'), 1) <> ''
                then 'integer'
            else 'number'
        end
    end
{%- endmacro %}
