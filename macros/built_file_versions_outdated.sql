{#- True when the model must be rebuilt from all rows: its table of built file versions (macro
    record_built_file_versions) is missing or was written under other rules: another fingerprint of the model
    and every model upstream (macro model_rules_fingerprint). Runs a query at execution time; false at parse
    time. -#}
{% macro built_file_versions_outdated() -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set built = incremental_side_relation('built_file_versions') -%}
    {%- if adapter.get_relation(database=built.database, schema=built.schema, identifier=built.identifier) is none -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set stale = run_query(
        'select count(*) from ' ~ built ~ ' where rules_fingerprint <> ' ~ model_rules_fingerprint(with_ancestors=true)
    ).columns[0].values()[0] -%}
    {{ return(stale > 0) }}
{%- endmacro %}
