{#- Post-hook of an incremental model that reads every row of `parsed_relation` (a table with _file_path and
    _load_id): records the file versions this build read and the rules it read them under (macro
    model_rules_fingerprint of the model and every model upstream), which the next
    build compares with the current ones; drops the build's scratch tables. Written after the insert, so a
    failed build leaves the old record and the next build redoes the same changes. Nothing where the model is
    a plain table (incremental_materialization 'table'). -#}
{% macro record_built_file_versions(parsed_relation) -%}
    {%- if model.config.materialized == 'incremental' -%}
        create or replace table {{ incremental_side_relation('built_file_versions') }} as
        select distinct
            _file_path,
            _load_id,
            {{ model_rules_fingerprint(with_ancestors=true) }} as rules_fingerprint
        from {{ parsed_relation }};
        drop table if exists {{ incremental_side_relation('changed_file_versions') }};
        drop table if exists {{ incremental_side_relation('changed_event_ids') }}
    {%- endif -%}
{%- endmacro %}
