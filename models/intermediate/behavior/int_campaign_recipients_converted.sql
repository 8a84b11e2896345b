{#- One row per campaign and person in its audience: touched (sent at least one message) or held out (only
    control-group records). A person with both in one campaign counts as touched (the message reached them).
    The person purchases when a paid order (status in var campaign_purchase_statuses, online or store) is
    placed at or after one of their touches of the campaign (for the holdout: the assignment time, the
    record's sent_at) and less than var campaign_attribution_window_days after it: the definition of
    truth/campaigns.json. Every order in the window counts here, whichever campaign also touched the person;
    int_campaign_orders_credited gives each order to one touch. Touches and orders after the analysis date
    are left out. -#}
{%- set window_days = var('campaign_attribution_window_days') | int %}
{%- set purchase_statuses = "'" ~ var('campaign_purchase_statuses') | join("', '") ~ "'" %}

with

campaign_touches_attributed as (
    select * from {{ ref('int_campaign_touches_attributed') }}
),

orders as (
    select * from {{ ref('int_orders_attributed') }}
),

person_touches as (
    select
        campaign_touches_attributed.campaign_id,
        campaign_touches_attributed.person_id,
        campaign_touches_attributed.touch_id,
        campaign_touches_attributed.sent_at,
        campaign_touches_attributed.is_holdout
    from campaign_touches_attributed
    where
        campaign_touches_attributed.person_id is not null
        and campaign_touches_attributed.sent_date <= {{ as_of_date() }}
),

recipients as (
    select
        campaign_id,
        person_id,
        not {{ dbt.bool_or('not is_holdout') }} as is_holdout
    from person_touches
    group by campaign_id, person_id
),

-- The touches that open a purchase window: a touched person's sent touches, a held-out person's records.
window_starts as (
    select
        person_touches.campaign_id,
        person_touches.person_id,
        person_touches.sent_at
    from person_touches
    inner join recipients
        on
            person_touches.campaign_id = recipients.campaign_id
            and person_touches.person_id = recipients.person_id
            and person_touches.is_holdout = recipients.is_holdout
),

purchases as (
    select
        order_id,
        person_id,
        ordered_at,
        case when is_paid then total_amount else 0 end as revenue
    from orders
    where
        person_id is not null
        and status in ({{ purchase_statuses }})
        and ordered_date <= {{ as_of_date() }}
),

-- An order inside two windows of the same campaign (two touches) counts once.
window_purchases as (
    select distinct
        window_starts.campaign_id,
        window_starts.person_id,
        purchases.order_id,
        purchases.revenue
    from window_starts
    inner join purchases
        on
            window_starts.person_id = purchases.person_id
            and window_starts.sent_at <= purchases.ordered_at
            and purchases.ordered_at < {{ dbt.dateadd('day', window_days, 'window_starts.sent_at') }}
),

recipient_windows as (
    select
        campaign_id,
        person_id,
        min(sent_at) as first_sent_at,
        max(sent_at) as last_sent_at
    from window_starts
    group by campaign_id, person_id
),

recipient_purchases as (
    select
        campaign_id,
        person_id,
        count(*) as count_orders,
        {{ sum_money('revenue') }} as revenue
    from window_purchases
    group by campaign_id, person_id
),

final as (
    select
        recipients.campaign_id,
        recipients.person_id,
        recipients.is_holdout,
        recipient_windows.first_sent_at,
        {{ dbt.dateadd('day', window_days, 'recipient_windows.last_sent_at') }} as window_ends_at,
        coalesce(recipient_purchases.count_orders, 0) as count_orders,
        coalesce(recipient_purchases.count_orders, 0) > 0 as has_purchased,
        cast(coalesce(recipient_purchases.revenue, 0) as double) as revenue
    from recipients
    inner join recipient_windows
        on
            recipients.campaign_id = recipient_windows.campaign_id
            and recipients.person_id = recipient_windows.person_id
    left join recipient_purchases
        on
            recipients.campaign_id = recipient_purchases.campaign_id
            and recipients.person_id = recipient_purchases.person_id
)

select * from final
