{#- A table beside the model's own (same schema, name '_<suffix>__<model>': the leading underscore keeps it out
    of name patterns of models, e.g. 'stg_%__quarantined_%') where an incremental model keeps
    what its table cannot hold in a column: the file versions it has read and the rules it read them under
    (suffix 'built_file_versions'), or its changes of the current build (a scratch table). -#}
{% macro incremental_side_relation(suffix) -%}
    {{ return(this.incorporate(path={'identifier': '_' ~ suffix ~ '__' ~ this.identifier})) }}
{%- endmacro %}
