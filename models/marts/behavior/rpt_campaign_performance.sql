{#- One row per campaign: delivery (touches sent, opened, clicked), who bought within var
    campaign_attribution_window_days of their touch (int_campaign_recipients_converted) against the holdout
    over the same window from the assignment time, the absolute purchase-rate uplift with an unpooled
    normal (Wald) interval (z = var confidence_interval_z), and last-touch attributed orders and revenue
    (int_campaign_orders_credited). Holdout columns are null for a campaign without a holdout. Testers
    (dim_persons.is_linked_to_blocked_identifier) count in the touches only. Rates and statistics are
    rounded to 6 decimals. -#}
{%- set z = var('confidence_interval_z') %}
{%- set window_days = var('campaign_attribution_window_days') | int %}

with

campaign_touches_attributed as (
    select * from {{ ref('int_campaign_touches_attributed') }}
),

campaign_recipients as (
    select * from {{ ref('int_campaign_recipients_converted') }}
),

orders_credited as (
    select * from {{ ref('int_campaign_orders_credited') }}
),

persons as (
    select * from {{ ref('dim_persons') }}
),

-- Testers (persons linked to a blocked identifier such as a test account) are left out of the persons and orders.
testers as (
    select person_id from persons
    where is_linked_to_blocked_identifier
),

recipients as (
    select campaign_recipients.*
    from campaign_recipients
    left join testers
        on campaign_recipients.person_id = testers.person_id
    where testers.person_id is null
),

touches as (
    select
        campaign_touches_attributed.campaign_id,
        campaign_touches_attributed.campaign_name,
        campaign_touches_attributed.channel,
        campaign_touches_attributed.sent_at,
        campaign_touches_attributed.sent_date,
        campaign_touches_attributed.is_opened,
        campaign_touches_attributed.is_clicked,
        campaign_touches_attributed.is_holdout
    from campaign_touches_attributed
    where campaign_touches_attributed.sent_date <= {{ as_of_date() }}
),

campaigns as (
    select
        campaign_id,
        max_by(campaign_name, sent_at) as campaign_name,
        max_by(channel, sent_at) as channel,
        -- A campaign with a holdout but no sent touch yet starts on its assignment day.
        coalesce(min(case when not is_holdout then sent_date end), min(sent_date)) as first_sent_date,
        sum(case when not is_holdout then 1 else 0 end) as count_touches_sent,
        sum(case when not is_holdout and is_opened then 1 else 0 end) as count_touches_opened,
        sum(case when not is_holdout and is_clicked then 1 else 0 end) as count_touches_clicked,
        max(sent_at) as last_sent_at
    from touches
    group by campaign_id
),

audiences as (
    select
        campaign_id,
        sum(case when not is_holdout then 1 else 0 end) as persons_touched,
        sum(case when not is_holdout and has_purchased then 1 else 0 end) as persons_ordering,
        {{ sum_money('case when not is_holdout then revenue else 0 end') }} as touched_revenue,
        sum(case when is_holdout then 1 else 0 end) as holdout_persons,
        sum(case when is_holdout and has_purchased then 1 else 0 end) as holdout_persons_ordering,
        {{ sum_money('case when is_holdout then revenue else 0 end') }} as holdout_revenue
    from recipients
    group by campaign_id
),

credits as (
    select
        orders_credited.campaign_id,
        count(*) as count_attributed_orders,
        {{ sum_money('orders_credited.revenue') }} as attributed_revenue
    from orders_credited
    left join testers
        on orders_credited.person_id = testers.person_id
    where testers.person_id is null
    group by orders_credited.campaign_id
),

rates as (
    select
        campaigns.*,
        coalesce(audiences.persons_touched, 0) as persons_touched,
        coalesce(audiences.persons_ordering, 0) as persons_ordering,
        cast(audiences.persons_ordering as double) / nullif(audiences.persons_touched, 0) as purchase_rate,
        audiences.touched_revenue / nullif(audiences.persons_touched, 0) as revenue_per_person,
        coalesce(credits.count_attributed_orders, 0) as count_attributed_orders,
        coalesce(credits.attributed_revenue, 0) as attributed_revenue,
        nullif(audiences.holdout_persons, 0) as holdout_persons,
        case when audiences.holdout_persons > 0 then audiences.holdout_persons_ordering end as holdout_persons_ordering,
        cast(audiences.holdout_persons_ordering as double) / nullif(audiences.holdout_persons, 0) as holdout_purchase_rate,
        audiences.holdout_revenue / nullif(audiences.holdout_persons, 0) as holdout_revenue_per_person
    from campaigns
    left join audiences
        on campaigns.campaign_id = audiences.campaign_id
    left join credits
        on campaigns.campaign_id = credits.campaign_id
),

uplifts as (
    select
        *,
        purchase_rate - holdout_purchase_rate as uplift,
        sqrt(
            purchase_rate * (1 - purchase_rate) / nullif(persons_touched, 0)
            + holdout_purchase_rate * (1 - holdout_purchase_rate) / holdout_persons
        ) as uplift_standard_error
    from rates
),

final as (
    select
        campaign_id,
        campaign_name,
        channel,
        first_sent_date,
        cast(count_touches_sent as {{ dbt.type_bigint() }}) as count_touches_sent,
        cast(count_touches_opened as {{ dbt.type_bigint() }}) as count_touches_opened,
        cast(count_touches_clicked as {{ dbt.type_bigint() }}) as count_touches_clicked,
        cast(round(cast(count_touches_opened as double) / nullif(count_touches_sent, 0), 6) as double) as open_rate,
        cast(round(cast(count_touches_clicked as double) / nullif(count_touches_sent, 0), 6) as double)
            as click_rate,
        cast(persons_touched as {{ dbt.type_bigint() }}) as persons_touched,
        cast(persons_ordering as {{ dbt.type_bigint() }}) as persons_ordering,
        cast(round(purchase_rate, 6) as double) as purchase_rate,
        cast(round(revenue_per_person, 6) as double) as revenue_per_person,
        cast(count_attributed_orders as {{ dbt.type_bigint() }}) as count_attributed_orders,
        cast(round(attributed_revenue, 6) as double) as attributed_revenue,
        cast(holdout_persons as {{ dbt.type_bigint() }}) as holdout_persons,
        cast(holdout_persons_ordering as {{ dbt.type_bigint() }}) as holdout_persons_ordering,
        cast(round(holdout_purchase_rate, 6) as double) as holdout_purchase_rate,
        cast(round(holdout_revenue_per_person, 6) as double) as holdout_revenue_per_person,
        cast(round(uplift, 6) as double) as uplift,
        cast(round(uplift - {{ z }} * uplift_standard_error, 6) as double) as uplift_ci_lower,
        cast(round(uplift + {{ z }} * uplift_standard_error, 6) as double) as uplift_ci_upper,
        cast(round(uplift * persons_touched, 6) as double) as incremental_persons,
        -- The last touch's window has ended by the end of the analysis day (one day late when it ends at midnight).
        {{ to_reporting_date(dbt.dateadd('day', window_days, 'last_sent_at')) }} <= {{ as_of_date() }}
            as is_window_complete
    from uplifts
)

select * from final
