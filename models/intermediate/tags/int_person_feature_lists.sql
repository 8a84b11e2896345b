{#- One row per person, list and value: the ranked value lists that multi-value tags (and preferred_platform)
    take their top values from. Each list scores its values per person; value_rank 1 is the highest score,
    ties go to the value first in alphabetical order. Windows end on the analysis date, which is included:
    - browsed_categories / browsed_brands: product events of the last 90 days,
      weighted by intent (view 1, wishlist add or share 2, cart add 3);
    - search_terms: Products Searched queries (trimmed, lower-cased) of the same window, one point each;
    - platforms: sessions of the same window per platform;
    - bought_categories / bought_brands: allocated net amount of value-order lines of the last 365 days. -#}
{%- set browse_weights = {
    'Product Viewed': 1,
    'Product Added to Wishlist': 2,
    'Product Shared': 2,
    'Product Added': 3,
} %}
with

events as (
    select * from {{ ref('int_events_sessionized') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

order_items as (
    select * from {{ ref('fct_order_items') }}
),

analysis_dates as (
    select
        {{ as_of_date() }} as as_of_date,
        cast({{ dbt.dateadd('day', -89, as_of_date()) }} as date) as last_90_days_start_date,
        cast({{ dbt.dateadd('day', -364, as_of_date()) }} as date) as last_365_days_start_date
),

window_events as (
    select
        events.person_id,
        events.event_name,
        events.properties
    from events
    cross join analysis_dates
    where
        events.event_date between analysis_dates.last_90_days_start_date and analysis_dates.as_of_date
        and events.event_name in (
            {%- for event_name in browse_weights %}
                '{{ event_name }}',
            {%- endfor %}
            'Products Searched'
        )
),

browse_events as (
    select
        person_id,
        {{ clean_text(json_text('properties', 'category')) }} as category,
        {{ clean_text(json_text('properties', 'brand')) }} as brand,
        case event_name
            {%- for event_name, weight in browse_weights.items() %}
                when '{{ event_name }}' then {{ weight }}.0
            {%- endfor %}
        end as browse_score
    from window_events
    where event_name <> 'Products Searched'
),

scored_values as (
    select
        person_id,
        'browsed_categories' as list_name,
        category as list_value,
        sum(browse_score) as score
    from browse_events
    where category is not null
    group by person_id, category

    union all

    select
        person_id,
        'browsed_brands' as list_name,
        brand as list_value,
        sum(browse_score) as score
    from browse_events
    where brand is not null
    group by person_id, brand

    union all

    select
        person_id,
        'search_terms' as list_name,
        lower({{ clean_text(json_text('properties', 'query')) }}) as list_value,
        count(*) * cast(1 as double) as score
    from window_events
    where event_name = 'Products Searched' and {{ clean_text(json_text('properties', 'query')) }} is not null
    group by person_id, lower({{ clean_text(json_text('properties', 'query')) }})

    union all

    select
        sessions.person_id,
        'platforms' as list_name,
        sessions.platform as list_value,
        count(*) * cast(1 as double) as score
    from sessions
    cross join analysis_dates
    where
        sessions.session_date between analysis_dates.last_90_days_start_date and analysis_dates.as_of_date
        and sessions.person_id is not null
        and sessions.platform is not null
    group by sessions.person_id, sessions.platform

    union all

    select
        order_items.person_id,
        'bought_categories' as list_name,
        order_items.category as list_value,
        {{ sum_money('order_items.allocated_net_amount') }} as score
    from order_items
    cross join analysis_dates
    where
        order_items.is_value_order
        and order_items.person_id is not null
        and order_items.category is not null
        and order_items.ordered_date between analysis_dates.last_365_days_start_date and analysis_dates.as_of_date
    group by order_items.person_id, order_items.category

    union all

    select
        order_items.person_id,
        'bought_brands' as list_name,
        order_items.brand as list_value,
        {{ sum_money('order_items.allocated_net_amount') }} as score
    from order_items
    cross join analysis_dates
    where
        order_items.is_value_order
        and order_items.person_id is not null
        and order_items.brand is not null
        and order_items.ordered_date between analysis_dates.last_365_days_start_date and analysis_dates.as_of_date
    group by order_items.person_id, order_items.brand
),

final as (
    select
        person_id,
        list_name,
        list_value,
        cast(
            row_number() over (partition by person_id, list_name order by score desc, list_value asc)
            as {{ dbt.type_bigint() }}
        ) as value_rank,
        cast(score as double) as score
    from scored_values
)

select * from final
