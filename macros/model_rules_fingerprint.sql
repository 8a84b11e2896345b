{#- A SQL literal hash of everything that decides what an incremental model writes for a given input row:
    the model's SQL, the SQL of every macro it calls (four levels deep), the checksum of every seed it reads,
    and the value of every var that SQL names (`var('name'...)`, found in the text). An incremental model stores it on every row; rows whose
    stored fingerprint differs from the current one were written under other rules and are rebuilt, so an
    edited rule, macro, seed or var never leaves old results behind (no --full-refresh to remember).
    with_ancestors: also the SQL, macros and seeds of every model upstream (for a model that stores what views
    and incremental models before it decide, e.g. stg_events__events).
    In a unit test and at parse time it is a constant. -#}
{% macro model_rules_fingerprint(with_ancestors=false) -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return("'unit test'") }}
    {%- endif -%}
    {%- set parts = [model.raw_code] -%}
    {#- with_ancestors reads the node as parsed (the graph): dbt adds the macros a compilation calls to the
        running node, so its list differs between the model's compilation and its hooks -#}
    {%- set node = graph.nodes[model.unique_id] if with_ancestors else model -%}
    {%- set macro_ids = node.depends_on.macros | list -%}
    {%- set node_ids = node.depends_on.nodes | list -%}
    {%- if with_ancestors -%}
        {%- set seen_models = [] -%}
        {%- for depth in range(8) -%}
            {%- for node_id in node_ids | list if node_id.startswith('model.') and node_id not in seen_models -%}
                {%- do seen_models.append(node_id) -%}
                {%- set upstream = graph.nodes[node_id] -%}
                {%- do parts.append(node_id ~ ':' ~ upstream.raw_code) -%}
                {%- for macro_id in upstream.depends_on.macros if macro_id not in macro_ids -%}
                    {%- do macro_ids.append(macro_id) -%}
                {%- endfor -%}
                {%- for parent_id in upstream.depends_on.nodes if parent_id not in node_ids -%}
                    {%- do node_ids.append(parent_id) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for depth in range(4) -%}
        {%- for macro_id in macro_ids | list -%}
            {%- for called_id in (graph.macros[macro_id].depends_on.macros if macro_id in graph.macros else []) -%}
                {%- if called_id not in macro_ids -%}
                    {%- do macro_ids.append(called_id) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for macro_id in macro_ids | sort -%}
        {%- do parts.append(macro_id ~ ':' ~ (graph.macros[macro_id].macro_sql if macro_id in graph.macros else '')) -%}
    {%- endfor -%}
    {%- for node_id in node_ids | sort -%}
        {%- if node_id.startswith('seed.') -%}
            {%- do parts.append(node_id ~ '=' ~ graph.nodes[node_id].checksum.checksum) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set var_names = modules.re.findall("var\\(\\s*['\"]([A-Za-z0-9_]+)['\"]", parts | join('\n')) -%}
    {%- for name in var_names | unique | sort -%}
        {%- do parts.append(name ~ '=' ~ (var(name, none) | string)) -%}
    {%- endfor -%}
    {{ return("'" ~ local_md5(parts | join('\n')) ~ "'") }}
{%- endmacro %}
