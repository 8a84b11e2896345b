{#- For each raw source folder: its dbt source (source_system), its clean staging model (every clean row kept, CDC versions included) and
    its quarantine model. The row accounting and its tests read this list; add a source here when you add
    one to the raw contract. -#}
{% macro source_staging_models() -%}
    {{ return([
        {'source_name': 'events', 'source_system': 'events', 'clean_model': 'stg_events__events', 'quarantine_model': 'stg_events__quarantined_events'},
        {'source_name': 'orders', 'source_system': 'orders', 'clean_model': 'stg_orders__orders', 'quarantine_model': 'stg_orders__quarantined_orders'},
        {'source_name': 'order_items', 'source_system': 'orders', 'clean_model': 'stg_orders__order_items', 'quarantine_model': 'stg_orders__quarantined_order_items'},
        {'source_name': 'products', 'source_system': 'products', 'clean_model': 'stg_products__products', 'quarantine_model': 'stg_products__quarantined_products'},
        {'source_name': 'customers', 'source_system': 'crm', 'clean_model': 'stg_crm__customer_versions', 'quarantine_model': 'stg_crm__quarantined_customers'},
        {'source_name': 'tickets', 'source_system': 'support', 'clean_model': 'stg_support__tickets', 'quarantine_model': 'stg_support__quarantined_tickets'},
        {'source_name': 'campaign_touches', 'source_system': 'marketing', 'clean_model': 'stg_marketing__campaign_touches', 'quarantine_model': 'stg_marketing__quarantined_campaign_touches'},
        {'source_name': 'erasure_requests', 'source_system': 'privacy', 'clean_model': 'stg_privacy__erasure_requests', 'quarantine_model': 'stg_privacy__quarantined_erasure_requests'},
    ]) }}
{%- endmacro %}
