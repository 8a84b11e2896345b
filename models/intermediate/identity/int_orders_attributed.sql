with

orders as (
    select * from {{ ref('stg_orders__orders') }}
),

identifiers_resolved as (
    select * from {{ ref('int_identifiers_resolved') }}
),

-- The first identifier that resolves decides; a blocked one (absent from int_identifiers_resolved) is skipped.
orders_ruled as (
    select
        orders.*,
        user_ids.person_id as user_person_id,
        members.person_id as member_person_id,
        phones.person_id as phone_person_id,
        case
            when user_ids.person_id is not null then 'user_id'
            when members.person_id is not null then 'member_id'
            when phones.person_id is not null then 'phone'
            when
                orders.user_id is not null
                or orders.member_id is not null
                or orders.phone_hash is not null
                then 'unresolved_identifier'
            else 'no_identifier'
        end as attribution_rule
    from orders
    left join identifiers_resolved as user_ids
        on
            user_ids.identifier_type = 'user_id'
            and orders.user_id = user_ids.identifier_value
    left join identifiers_resolved as members
        on
            members.identifier_type = 'member_id'
            and orders.member_id = members.identifier_value
    left join identifiers_resolved as phones
        on
            phones.identifier_type = 'phone'
            and orders.phone_hash = phones.identifier_value
),

final as (
    select
        order_id,
        ordered_at,
        ordered_date,
        channel,
        store_id,
        user_id,
        member_id,
        phone_hash,
        has_invalid_phone,
        status,
        is_paid,
        is_refunded,
        is_cancelled,
        currency,
        total_amount,
        discount_amount,
        gross_amount,
        coupon_code,
        payment_method,
        _raw_row_id,
        _load_id,
        _loaded_at,
        case attribution_rule
            when 'user_id' then user_person_id
            when 'member_id' then member_person_id
            when 'phone' then phone_person_id
        end as person_id,
        attribution_rule
    from orders_ruled
)

select * from final
