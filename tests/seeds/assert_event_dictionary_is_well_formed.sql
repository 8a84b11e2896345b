-- A failure means the event dictionary seed has a required_properties entry that is not 'name:type'
-- with a known type (string, number, integer, boolean), or an event with more required properties than
-- the validation has slots for (macro event_dictionary_property_slots): such an event would not be
-- checked as written, so the seed must be fixed (or the slot count raised).
{%- set slots = event_dictionary_property_slots() %}

with

event_dictionary as (
    select * from {{ ref('event_dictionary') }}
),

entries as (
    {%- for slot in range(1, slots + 2) %}
        select
            event_name,
            {{ slot }} as slot,
            trim({{ dbt.split_part("coalesce(required_properties, '')", "';'", slot) }}) as entry
        from event_dictionary
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    event_name,
    entry,
    case
        when slot > {{ slots }} then 'more than {{ slots }} required properties'
        else 'not name:type with a known type'
    end as problem
from entries
where
    entry <> ''
    and (
        slot > {{ slots }}
        or not {{ matches_pattern('entry', '^[A-Za-z_][A-Za-z0-9_.]*:(string|number|integer|boolean)$') }}
    )
