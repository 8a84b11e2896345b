{#- Which reporting days each source covers, and how the analysis date relates to them. -#}
{%- set activity = [
    ('events', 'stg_events__events', 'event_date'),
    ('orders', 'stg_orders__orders', 'ordered_date'),
    ('tickets', 'stg_support__tickets', 'created_date'),
    ('campaign_touches', 'stg_marketing__campaign_touches', 'sent_date'),
] %}

with

{% for source_name, model, date_column in activity %}
    {{ source_name }} as (
        select * from {{ ref(model) }}
    ),

{% endfor %}
activity_days as (
    {%- for source_name, model, date_column in activity %}
        select
            '{{ source_name }}' as source_name,
            {{ date_column }} as activity_date
        from {{ source_name }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        source_name,
        {{ as_of_date() }} as as_of_date,
        min(activity_date) as first_activity_date,
        max(activity_date) as last_activity_date,
        count(distinct activity_date) as count_activity_days,
        count(*) as count_rows,
        count(case when activity_date > {{ as_of_date() }} then 1 end) as count_rows_after_as_of_date
    from activity_days
    group by source_name
)

select * from final
