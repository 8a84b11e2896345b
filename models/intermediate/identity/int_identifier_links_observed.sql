{%- set slots = identifier_slots() %}

with

combinations as (
    {{ identifier_combinations() }}
),

-- the record's strongest identifier is the hub of its star of links
hubs as (
    select
        *,
        case
            {%- for slot in slots %}
                when {{ slot.column }} is not null then '{{ slot.type }}'
            {%- endfor %}
        end as hub_type,
        coalesce(
            {%- for slot in slots %}
                {{ slot.column }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as hub_value
    from combinations
),

spokes as (
    {%- for slot in slots %}
        select
            source_name,
            hub_type,
            hub_value,
            '{{ slot.type }}' as spoke_type,
            {{ slot.column }} as spoke_value,
            first_seen_at,
            last_seen_at,
            count_observations
        from hubs
        where
            {{ slot.column }} is not null
            and not (hub_type = '{{ slot.type }}' and hub_value = {{ slot.column }})
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- a pair is stored once, its lower identifier key on side a
ordered_pairs as (
    select
        source_name,
        first_seen_at,
        last_seen_at,
        count_observations,
        case when is_hub_first then hub_type else spoke_type end as identifier_a_type,
        case when is_hub_first then hub_value else spoke_value end as identifier_a_value,
        case when is_hub_first then spoke_type else hub_type end as identifier_b_type,
        case when is_hub_first then spoke_value else hub_value end as identifier_b_value
    from (
        select
            *,
            {{ dbt.concat(['hub_type', "':'", 'hub_value']) }}
            < {{ dbt.concat(['spoke_type', "':'", 'spoke_value']) }} as is_hub_first
        from spokes
    ) as sided_spokes
),

final as (
    select
        identifier_a_type,
        identifier_a_value,
        identifier_b_type,
        identifier_b_value,
        source_name,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        cast(sum(count_observations) as {{ dbt.type_bigint() }}) as count_observations
    from ordered_pairs
    group by identifier_a_type, identifier_a_value, identifier_b_type, identifier_b_value, source_name
)

select * from final
