{#- Keyed SHA-256 (hex) of an already-normalized personal value; null stays null.
    The key is var('pii_hash_salt') (environment PII_HASH_SALT), never committed. -#}
{% macro hash_pii(expression) -%}
    {%- if execute and (var('pii_hash_salt') | length) == 0 -%}
        {{ exceptions.raise_compiler_error("PII_HASH_SALT is empty: set it in the environment (make run creates one under warehouse/).") }}
    {%- endif -%}
    {{ return(adapter.dispatch('hash_pii')(expression)) }}
{%- endmacro %}

{% macro duckdb__hash_pii(expression) -%}
    case when {{ expression }} is not null then sha256('{{ var("pii_hash_salt") }}' || '|' || {{ expression }}) end
{%- endmacro %}

{% macro default__hash_pii(expression) -%}
    case when {{ expression }} is not null then sha2(concat('{{ var("pii_hash_salt") }}', '|', {{ expression }}), 256) end
{%- endmacro %}
