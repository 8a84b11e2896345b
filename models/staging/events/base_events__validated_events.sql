{{ config(materialized='view') }}

{#- Every raw tracking call with the one reason it is rejected (reason_code, null for clean calls): the rule
    it breaks (base_events__parsed_events), else 'duplicate' when an earlier copy of its messageId passed every
    rule (macro events_with_reasons). stg_events__events and stg_events__quarantined_events apply the same
    macro to base_events__parsed_events themselves (to every row on a full build, to the rows of the changed
    messageIds on an incremental one), so nothing reads this view: it shows the decision for every raw row in
    one place, for inspection and for the tests (its unit test is the macro's). -#}

with

parsed_events as (
    select * from {{ ref('base_events__parsed_events') }}
),

final as (
    {{ events_with_reasons('parsed_events') }}
)

select * from final
