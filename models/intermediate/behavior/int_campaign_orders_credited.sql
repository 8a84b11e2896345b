{#- One row per purchase (status in var campaign_purchase_statuses, up to the analysis date) credited to a
    campaign: last-touch attribution - the latest sent touch of the person (never a holdout record) at or
    before the order and less than var campaign_attribution_window_days before it; ties on sent_at go to
    the greater touch_id. Each order is credited to at most one touch, so revenue is not counted twice
    across campaigns. Revenue is the order total when the order stayed paid, 0 when it was refunded. -#}
{%- set window_days = var('campaign_attribution_window_days') | int %}
{%- set purchase_statuses = "'" ~ var('campaign_purchase_statuses') | join("', '") ~ "'" %}

with

campaign_touches_attributed as (
    select * from {{ ref('int_campaign_touches_attributed') }}
),

orders as (
    select * from {{ ref('int_orders_attributed') }}
),

sent_touches as (
    select
        campaign_touches_attributed.touch_id,
        campaign_touches_attributed.campaign_id,
        campaign_touches_attributed.person_id,
        campaign_touches_attributed.sent_at
    from campaign_touches_attributed
    where
        campaign_touches_attributed.person_id is not null
        and not campaign_touches_attributed.is_holdout
        and campaign_touches_attributed.sent_date <= {{ as_of_date() }}
),

purchases as (
    select
        order_id,
        person_id,
        ordered_at,
        ordered_date,
        channel,
        status,
        total_amount,
        case when is_paid then total_amount else 0 end as revenue
    from orders
    where
        person_id is not null
        and status in ({{ purchase_statuses }})
        and ordered_date <= {{ as_of_date() }}
),

candidate_touches as (
    select
        purchases.order_id,
        purchases.person_id,
        purchases.ordered_at,
        purchases.ordered_date,
        purchases.channel,
        purchases.status,
        purchases.total_amount,
        purchases.revenue,
        sent_touches.touch_id,
        sent_touches.campaign_id,
        sent_touches.sent_at,
        row_number() over (
            partition by purchases.order_id order by sent_touches.sent_at desc, sent_touches.touch_id desc
        ) as touch_rank
    from purchases
    inner join sent_touches
        on
            purchases.person_id = sent_touches.person_id
            and purchases.ordered_at >= sent_touches.sent_at
            and purchases.ordered_at < {{ dbt.dateadd('day', window_days, 'sent_touches.sent_at') }}
),

final as (
    select
        order_id,
        person_id,
        ordered_at,
        ordered_date,
        channel,
        status,
        total_amount,
        revenue,
        touch_id,
        campaign_id,
        sent_at
    from candidate_touches
    where touch_rank = 1
)

select * from final
