{#- How each source's rows got (or missed) their person_id: the figures BI needs before trusting a
    person-level number built on events, orders, tickets or campaign touches. -#}
{%- set attributed_sources = [
    ('events', 'int_events_attributed'),
    ('orders', 'int_orders_attributed'),
    ('tickets', 'int_tickets_attributed'),
    ('campaign_touches', 'int_campaign_touches_attributed'),
] %}

with

{% for source_name, model in attributed_sources %}
    {{ source_name }} as (
        select * from {{ ref(model) }}
    ),

{% endfor %}
attributed_rows as (
    {%- for source_name, model in attributed_sources %}
        select
            '{{ source_name }}' as source_name,
            attribution_rule,
            person_id
        from {{ source_name }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

rows_per_rule as (
    select
        source_name,
        attribution_rule,
        {{ dbt.bool_or('person_id is not null') }} as is_attributed,
        count(*) as count_rows,
        count(distinct person_id) as count_persons
    from attributed_rows
    group by source_name, attribution_rule
),

final as (
    select
        source_name,
        attribution_rule,
        is_attributed,
        count_rows,
        cast(sum(count_rows) over (partition by source_name) as bigint) as count_source_rows,
        count_rows * cast(1 as double) / sum(count_rows) over (partition by source_name) as share_of_source_rows,
        count_persons
    from rows_per_rule
)

select * from final
