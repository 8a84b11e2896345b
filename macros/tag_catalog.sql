{#- The tag catalog: every tag of the user profile, in the order of dim_person_profiles' columns. Edit the YAML
    between the set/endset markers (pure YAML: orchestration/tag_catalog.py reads it too), then run
    `python -m orchestration.tag_catalog` to regenerate the columns of dim_person_profiles.yml. The fields of an
    entry and the tier semantics are in docs/tags.md; tag_rule_sql validates each entry. Rules are SQL over
    the columns of int_person_features (one row per person); list tags take the top values of
    int_person_feature_lists. Unit tests replace the catalog with var tag_catalog_override (a list of entries)
    or keep only the codes of var tag_codes_under_test. -#}
{% macro tag_catalog() -%}
{%- set catalog_yaml -%}
# --- demographic: CRM profile (the member's latest CRM version up to the analysis date) ---
- tag_code: gender
  name_zh: 性别
  name_en: Gender
  category: demographic
  value_type: enum
  owner: crm_team
  refresh_frequency: weekly
  description: female or male as recorded in the CRM; no value when the CRM has none or says unknown.
  expression: "case when gender in ('female', 'male') then gender end"
- tag_code: age_years
  name_zh: 年龄
  name_en: Age
  category: demographic
  value_type: number
  owner: crm_team
  refresh_frequency: weekly
  description: Age in whole years on the analysis date, from the CRM birth date.
  expression: age_years
- tag_code: age_band
  name_zh: 年龄段
  name_en: Age band
  category: demographic
  value_type: enum
  owner: crm_team
  refresh_frequency: weekly
  description: Age group from age_years (whole years on the analysis date); no value without a CRM birth date.
  tiers:
    - {value: under_18, when: "age_years < 18"}
    - {value: "18_24", when: "age_years < 25"}
    - {value: "25_34", when: "age_years < 35"}
    - {value: "35_44", when: "age_years < 45"}
    - {value: "45_54", when: "age_years < 55"}
    - {value: 55_plus, when: "age_years >= 55"}
- tag_code: province
  name_zh: 省份
  name_en: Province
  category: demographic
  value_type: enum
  owner: crm_team
  refresh_frequency: weekly
  description: Province (or municipality) of the CRM address, as written there (Chinese names).
  expression: province
- tag_code: city
  name_zh: 城市
  name_en: City
  category: demographic
  value_type: enum
  owner: crm_team
  refresh_frequency: weekly
  description: City of the CRM address, as written there (Chinese names).
  expression: city
- tag_code: city_tier
  name_zh: 城市等级
  name_en: City tier
  category: demographic
  value_type: enum
  owner: crm_team
  refresh_frequency: weekly
  description: >-
    Tier of the CRM city by seeds/city_tiers.csv (tier_1, new_tier_1, tier_2, tier_3, tier_4); no value for a
    city the seed does not list.
  expression: city_tier
- tag_code: member_tier
  name_zh: 会员等级
  name_en: Member tier
  category: demographic
  value_type: enum
  owner: crm_team
  refresh_frequency: daily
  description: Loyalty tier in the CRM (bronze, silver, gold, platinum); no value for persons without a CRM record.
  expression: member_tier
- tag_code: member_tenure_band
  name_zh: 入会时长
  name_en: Membership tenure band
  category: demographic
  value_type: enum
  owner: crm_team
  refresh_frequency: weekly
  description: Days from the CRM registration day to the analysis date, in bands; no value without a CRM record.
  tiers:
    - {value: under_3_months, when: "member_tenure_days < 90"}
    - {value: 3_to_12_months, when: "member_tenure_days < 365"}
    - {value: 1_to_2_years, when: "member_tenure_days < 730"}
    - {value: over_2_years, when: "member_tenure_days >= 730"}
- tag_code: is_member
  name_zh: 是否会员
  name_en: Is a member
  category: demographic
  value_type: boolean
  owner: crm_team
  refresh_frequency: daily
  description: True when the person has a CRM record (its latest version updated up to the analysis date is not deleted).
  expression: is_member
- tag_code: is_marketing_opt_in
  name_zh: 同意营销
  name_en: Marketing opt-in
  category: demographic
  value_type: boolean
  owner: crm_team
  refresh_frequency: daily
  description: The CRM marketing consent flag; no value for persons without a CRM record (no consent known).
  expression: is_marketing_opt_in
- tag_code: has_valid_phone
  name_zh: 有有效手机号
  name_en: Has a valid phone
  category: demographic
  value_type: boolean
  owner: crm_team
  refresh_frequency: daily
  description: True when any source holds a well-formed phone number of the person (an identifier of type phone).
  expression: count_phones > 0
- tag_code: has_valid_email
  name_zh: 有有效邮箱
  name_en: Has a valid email
  category: demographic
  value_type: boolean
  owner: crm_team
  refresh_frequency: daily
  description: True when any source holds a well-formed email address of the person (an identifier of type email).
  expression: count_emails > 0
# --- behavior: tracked events and sessions up to the analysis date ---
- tag_code: count_active_days_last_30_days
  name_zh: 近30天活跃天数
  name_en: Active days, last 30 days
  category: behavior
  value_type: number
  owner: growth_team
  refresh_frequency: daily
  description: >-
    Active days (days with an active event or an order) in the 30 days ending on the analysis date, the
    analysis date included (dim_person_lifecycle_stages); 0 without activity.
  max_changed_share: 1.0
  expression: active_days_last_30_days
- tag_code: activity_level
  name_zh: 活跃度
  name_en: Activity level
  category: behavior
  value_type: enum
  owner: growth_team
  refresh_frequency: daily
  description: Active days in the 30 days ending on the analysis date, in bands; inactive for no active day.
  tiers:
    - {value: highly_active, when: "active_days_last_30_days >= 12"}
    - {value: active, when: "active_days_last_30_days >= 4"}
    - {value: occasional, when: "active_days_last_30_days >= 1"}
  else: inactive
- tag_code: count_sessions_last_30_days
  name_zh: 近30天访问次数
  name_en: Sessions, last 30 days
  category: behavior
  value_type: number
  owner: growth_team
  refresh_frequency: daily
  description: Sessions started in the 30 days ending on the analysis date (fct_sessions); 0 without any.
  max_changed_share: 1.0
  expression: count_sessions_last_30_days
- tag_code: avg_session_minutes
  name_zh: 平均访问时长
  name_en: Average session length (minutes)
  category: behavior
  value_type: number
  owner: growth_team
  refresh_frequency: daily
  description: Mean session duration in minutes over the sessions of the last 90 days (analysis date included).
  max_changed_share: 1.0
  expression: avg_session_minutes
- tag_code: session_length_band
  name_zh: 访问时长分层
  name_en: Session length band
  category: behavior
  value_type: enum
  owner: growth_team
  refresh_frequency: daily
  description: avg_session_minutes (sessions of the last 90 days) in bands - short under 1 minute, long from 2; no value without a session.
  tiers:
    - {value: short, when: "avg_session_minutes < 1"}
    - {value: medium, when: "avg_session_minutes < 2"}
    - {value: long, when: "avg_session_minutes >= 2"}
- tag_code: preferred_platform
  name_zh: 偏好端
  name_en: Preferred platform
  category: behavior
  value_type: enum
  owner: growth_team
  refresh_frequency: daily
  description: >-
    The platform (web, ios, android, mini_program) of most sessions in the last 90 days; ties go to the name
    first in alphabetical order.
  expression: preferred_platform
- tag_code: platforms_used
  name_zh: 使用过的端
  name_en: Platforms used
  category: behavior
  value_type: multi_value
  owner: growth_team
  refresh_frequency: daily
  description: Every platform with a session in the last 90 days, most sessions first (ties by name).
  list: platforms
  max_values: 4
- tag_code: is_app_user
  name_zh: App用户
  name_en: App user
  category: behavior
  value_type: boolean
  owner: growth_team
  refresh_frequency: daily
  description: True when the person had a session in the ios or android app in the last 90 days.
  expression: count_app_sessions_last_90_days > 0
- tag_code: active_time_slot
  name_zh: 活跃时段
  name_en: Active time slot
  category: behavior
  value_type: enum
  owner: growth_team
  refresh_frequency: daily
  description: >-
    Time of day of most_active_hour - the hour (reporting time zone) in which most sessions of the last 90
    days started, ties to the earliest hour: morning 06-11, work_hours 11-18, evening 18-23, night_owl 23-06
    (each from the first hour up to, not including, the second).
  tiers:
    - {value: morning, when: "most_active_hour >= 6 and most_active_hour < 11"}
    - {value: work_hours, when: "most_active_hour >= 11 and most_active_hour < 18"}
    - {value: evening, when: "most_active_hour >= 18 and most_active_hour < 23"}
    - {value: night_owl, when: "most_active_hour >= 23 or most_active_hour < 6"}
- tag_code: preferred_channel
  name_zh: 偏好来源渠道
  name_en: Preferred acquisition channel
  category: behavior
  value_type: enum
  owner: growth_team
  refresh_frequency: daily
  description: >-
    The acquisition channel (fct_sessions.channel) of most sessions in the last 90 days other than direct;
    direct when every session was direct; ties go to the name first in alphabetical order.
  expression: preferred_channel
- tag_code: preferred_order_channel
  name_zh: 偏好下单渠道
  name_en: Preferred order channel
  category: behavior
  value_type: enum
  owner: growth_team
  refresh_frequency: daily
  description: The channel (web, app, mini_program, store) of most value orders to date (fct_person_value); buyers only.
  expression: preferred_order_channel
- tag_code: is_weekend_person
  name_zh: 周末活跃型
  name_en: Weekend person
  category: behavior
  value_type: boolean
  owner: growth_team
  refresh_frequency: weekly
  description: >-
    True when at least half of the active days of the last 90 days fall on a Saturday or Sunday (2 in 7 if
    the days were spread evenly); judged only with at least 4 active days in the window.
  expression: "case when count_active_days_last_90_days >= 4 then weekend_active_day_share_last_90_days >= 0.5 end"
- tag_code: has_abandoned_cart_last_30_days
  name_zh: 近30天弃购
  name_en: Abandoned cart, last 30 days
  category: behavior
  value_type: boolean
  owner: growth_team
  refresh_frequency: daily
  description: >-
    True when the person added a product to the cart (Product Added) in the 30 days ending on the analysis
    date and completed no order (Order Completed) at or after their latest such add.
  expression: has_abandoned_cart_last_30_days
- tag_code: is_active_searcher
  name_zh: 搜索活跃
  name_en: Active searcher
  category: behavior
  value_type: boolean
  owner: growth_team
  refresh_frequency: daily
  description: True when the person searched products (Products Searched) at least 3 times in the last 30 days.
  expression: count_searches_last_30_days >= 3
- tag_code: is_campaign_clicker
  name_zh: 营销触达点击者
  name_en: Campaign clicker
  category: behavior
  value_type: boolean
  owner: growth_team
  refresh_frequency: daily
  description: >-
    True when the person clicked an SMS, push, email or WeChat campaign message sent in the last 90 days;
    false when messages were sent and none was clicked; no value when none was sent (holdouts excluded).
  expression: "case when count_campaign_touches_last_90_days > 0 then count_campaign_clicks_last_90_days > 0 end"
- tag_code: count_tickets_last_90_days
  name_zh: 近90天客服工单数
  name_en: Support tickets, last 90 days
  category: behavior
  value_type: number
  owner: service_team
  refresh_frequency: daily
  description: Customer-service tickets opened in the 90 days ending on the analysis date; 0 without any.
  max_changed_share: 1.0
  expression: count_tickets_last_90_days
- tag_code: is_dissatisfied_customer
  name_zh: 不满意客户
  name_en: Dissatisfied customer
  category: behavior
  value_type: boolean
  owner: service_team
  refresh_frequency: daily
  description: >-
    True when the mean satisfaction score (1-5) of the person's rated tickets opened in the last 90 days is
    2 or lower; no value without a rated ticket.
  min_coverage: 0.01
  expression: avg_satisfaction_last_90_days <= 2
# --- interest: what the person browses, searches and buys ---
- tag_code: behavior_value_cluster
  name_zh: 行为价值聚类
  name_en: Behavior and value cluster
  category: behavior
  value_type: enum
  owner: data_science_team
  refresh_frequency: daily
  description: >-
    The person's k-means cluster (cluster_1 = highest mean total_revenue) on the ten standardized behavior
    and value features, from the clustering step (orchestration/person_clusters.py); cluster profiles in
    rpt_person_cluster_profiles.
  expression: cluster_key
- tag_code: top_browsed_categories
  name_zh: 浏览偏好品类
  name_en: Top browsed categories
  category: interest
  value_type: multi_value
  owner: merchandising_team
  refresh_frequency: daily
  description: >-
    Up to 3 product categories with the highest browse score over the last 90 days: 1 per product view, 2 per
    wishlist add or share, 3 per cart add; ties go to the name first in alphabetical order.
  list: browsed_categories
  max_values: 3
- tag_code: top_browsed_brands
  name_zh: 浏览偏好品牌
  name_en: Top browsed brands
  category: interest
  value_type: multi_value
  owner: merchandising_team
  refresh_frequency: daily
  description: Up to 3 brands with the highest browse score over the last 90 days (scored as top_browsed_categories).
  list: browsed_brands
  max_values: 3
- tag_code: top_bought_categories
  name_zh: 购买偏好品类
  name_en: Top bought categories
  category: interest
  value_type: multi_value
  owner: merchandising_team
  refresh_frequency: daily
  description: >-
    Up to 3 product categories with the most spend (allocated net amount of value orders) in the 365 days
    ending on the analysis date; ties go to the name first in alphabetical order.
  list: bought_categories
  max_values: 3
- tag_code: top_bought_brands
  name_zh: 购买偏好品牌
  name_en: Top bought brands
  category: interest
  value_type: multi_value
  owner: merchandising_team
  refresh_frequency: daily
  description: Up to 3 brands with the most spend in value orders of the last 365 days (as top_bought_categories).
  list: bought_brands
  max_values: 3
- tag_code: top_search_terms
  name_zh: 常搜关键词
  name_en: Top search terms
  category: interest
  value_type: multi_value
  owner: merchandising_team
  refresh_frequency: daily
  description: >-
    Up to 3 search queries (trimmed, lower-cased) the person searched most often in the last 90 days; ties
    go to the query first in alphabetical order.
  list: search_terms
  max_values: 3
- tag_code: favourite_category
  name_zh: 最爱品类
  name_en: Favourite category
  category: interest
  value_type: enum
  owner: merchandising_team
  refresh_frequency: daily
  description: The category with the most spend over all value orders to date (fct_person_value); buyers only.
  expression: favourite_category
- tag_code: price_sensitivity
  name_zh: 价格敏感度
  name_en: Price sensitivity
  category: interest
  value_type: enum
  owner: merchandising_team
  refresh_frequency: daily
  description: Share of the person's value orders to date that used a coupon (coupon_order_share), in bands; buyers only.
  tiers:
    - {value: high, when: "coupon_order_share >= 0.5"}
    - {value: medium, when: "coupon_order_share >= 0.2"}
    - {value: low, when: "coupon_order_share < 0.2"}
- tag_code: is_promotion_responder
  name_zh: 促销响应者
  name_en: Promotion responder
  category: interest
  value_type: boolean
  owner: merchandising_team
  refresh_frequency: daily
  description: >-
    True when in the last 90 days the person clicked an in-app promotion (Promotion Clicked) or paid a value
    order with a coupon.
  expression: count_promotion_clicks_last_90_days + count_coupon_orders_last_90_days > 0
- tag_code: preferred_payment_method
  name_zh: 偏好支付方式
  name_en: Preferred payment method
  category: interest
  value_type: enum
  owner: merchandising_team
  refresh_frequency: daily
  description: The payment method of most value orders to date (fct_person_value; ties by name); buyers only.
  expression: preferred_payment_method
# --- value: orders and customer value (fct_person_value) ---
- tag_code: rfm_segment
  name_zh: RFM分群
  name_en: RFM segment
  category: value
  value_type: enum
  owner: customer_value_team
  refresh_frequency: daily
  description: The named RFM segment of fct_person_value (champions, loyal, ..., lost; docs/value.md); buyers only.
  expression: rfm_segment
- tag_code: value_tier
  name_zh: 价值分层
  name_en: Value tier
  category: value
  value_type: enum
  owner: customer_value_team
  refresh_frequency: daily
  description: The value tier of fct_person_value (high_value, at_risk, potential, ordinary; var value_tiers); buyers only.
  expression: value_tier
- tag_code: count_orders
  name_zh: 累计订单数
  name_en: Orders to date
  category: value
  value_type: number
  owner: customer_value_team
  refresh_frequency: daily
  description: Value orders (paid, not refunded or cancelled) up to the analysis date; 0 for persons who never bought.
  expression: count_orders
- tag_code: total_revenue
  name_zh: 累计消费金额
  name_en: Revenue to date
  category: value
  value_type: number
  owner: customer_value_team
  refresh_frequency: daily
  description: Net revenue (CNY, after discounts) of the value orders up to the analysis date; 0 for persons who never bought.
  expression: total_revenue
- tag_code: avg_order_value
  name_zh: 客单价
  name_en: Average order value
  category: value
  value_type: number
  owner: customer_value_team
  refresh_frequency: daily
  description: total_revenue / count_orders (CNY); buyers only.
  expression: avg_order_value
- tag_code: spending_power
  name_zh: 消费能力
  name_en: Spending power
  category: value
  value_type: enum
  owner: customer_value_team
  refresh_frequency: daily
  description: Average order value (CNY) in bands; buyers only.
  tiers:
    - {value: premium, when: "avg_order_value >= 800"}
    - {value: high, when: "avg_order_value >= 500"}
    - {value: medium, when: "avg_order_value >= 250"}
    - {value: low, when: "avg_order_value < 250"}
- tag_code: purchase_frequency_band
  name_zh: 购买频次分层
  name_en: Purchase frequency band
  category: value
  value_type: enum
  owner: customer_value_team
  refresh_frequency: daily
  description: Value orders in the 365 days ending on the analysis date, in bands; no_purchase for none.
  tiers:
    - {value: frequent, when: "count_orders_last_365_days >= 8"}
    - {value: regular, when: "count_orders_last_365_days >= 4"}
    - {value: occasional, when: "count_orders_last_365_days >= 2"}
    - {value: one_time, when: "count_orders_last_365_days = 1"}
  else: no_purchase
- tag_code: is_repeat_buyer
  name_zh: 复购用户
  name_en: Repeat buyer
  category: value
  value_type: boolean
  owner: customer_value_team
  refresh_frequency: daily
  description: True with at least two value orders to date; false for one or none.
  expression: count_orders >= 2
- tag_code: has_refunded_order
  name_zh: 有退款
  name_en: Has a refunded order
  category: value
  value_type: boolean
  owner: customer_value_team
  refresh_frequency: daily
  description: True when at least one of the person's orders up to the analysis date was refunded; false otherwise.
  expression: count_refunded_orders > 0
- tag_code: predicted_clv
  name_zh: 预测客户价值
  name_en: Predicted customer value
  category: value
  value_type: number
  owner: customer_value_team
  refresh_frequency: weekly
  description: >-
    Expected net spend (CNY) over the clv_horizon_days (365) after the analysis date, BG/NBD x Gamma-Gamma
    (fct_person_value); buyers with a fitted model only.
  max_changed_share: 1.0
  expression: predicted_clv
- tag_code: predicted_clv_band
  name_zh: 预测价值分层
  name_en: Predicted value band
  category: value
  value_type: enum
  owner: customer_value_team
  refresh_frequency: weekly
  description: predicted_clv (CNY over the next 365 days) in bands; buyers with a prediction only.
  tiers:
    - {value: very_high, when: "predicted_clv >= 8000"}
    - {value: high, when: "predicted_clv >= 4500"}
    - {value: medium, when: "predicted_clv >= 2000"}
    - {value: low, when: "predicted_clv >= 0"}
- tag_code: probability_alive
  name_zh: 存活概率
  name_en: Probability alive
  category: value
  value_type: number
  owner: customer_value_team
  refresh_frequency: weekly
  description: BG/NBD probability (0-1) that the buyer is still a customer on the analysis date; buyers with a fitted model only.
  keep_history: false
  max_changed_share: 1.0
  expression: probability_alive
- tag_code: days_since_last_order
  name_zh: 距上次购买天数
  name_en: Days since last order
  category: value
  value_type: number
  owner: customer_value_team
  refresh_frequency: daily
  description: Days from the latest value order's day to the analysis date (0 = bought that day); buyers only.
  keep_history: false
  expression: days_since_last_order
# --- lifecycle ---
- tag_code: lifecycle_stage
  name_zh: 生命周期阶段
  name_en: Lifecycle stage
  category: lifecycle
  value_type: enum
  owner: growth_team
  refresh_frequency: daily
  description: >-
    new, active, reactivated, silent or churned as of the analysis date (dim_person_lifecycle_stages,
    docs/behavior.md); no value for persons never active.
  expression: lifecycle_stage
- tag_code: has_churn_warning
  name_zh: 流失预警
  name_en: Churn warning
  category: lifecycle
  value_type: boolean
  owner: growth_team
  refresh_frequency: daily
  description: >-
    The churn-warning flag of dim_person_lifecycle_stages: recent activity well under the person's own
    baseline (docs/behavior.md); no value for persons never active.
  expression: has_churn_warning
- tag_code: days_since_last_visit
  name_zh: 距上次活跃天数
  name_en: Days since last visit
  category: lifecycle
  value_type: number
  owner: growth_team
  refresh_frequency: daily
  description: Days from the latest active day to the analysis date (0 = active that day); no value for persons never active.
  keep_history: false
  expression: days_since_last_visit
- tag_code: customer_tenure_days
  name_zh: 用户生命时长
  name_en: Customer tenure (days)
  category: lifecycle
  value_type: number
  owner: growth_team
  refresh_frequency: daily
  description: Days from the reporting day the person was first seen (any source, dim_persons) to the analysis date.
  keep_history: false
  expression: days_since_first_seen
- tag_code: customer_tenure_band
  name_zh: 用户生命时长分层
  name_en: Customer tenure band
  category: lifecycle
  value_type: enum
  owner: growth_team
  refresh_frequency: daily
  description: Days since the person was first seen (any source), in bands.
  tiers:
    - {value: under_30_days, when: "days_since_first_seen < 30"}
    - {value: 30_to_90_days, when: "days_since_first_seen < 90"}
    - {value: 90_to_365_days, when: "days_since_first_seen < 365"}
    - {value: over_365_days, when: "days_since_first_seen >= 365"}
- tag_code: purchase_stage
  name_zh: 购买阶段
  name_en: Purchase stage
  category: lifecycle
  value_type: enum
  owner: growth_team
  refresh_frequency: daily
  description: >-
    never_bought without a value order; lapsed_buyer when the latest value order is more than 180 days
    before the analysis date (checked before the two below); else first_time_buyer with one value order and
    repeat_buyer with more.
  tiers:
    - {value: never_bought, when: "count_orders = 0"}
    - {value: lapsed_buyer, when: "days_since_last_order > 180"}
    - {value: first_time_buyer, when: "count_orders = 1"}
    - {value: repeat_buyer, when: "count_orders >= 2"}
{%- endset -%}
{%- set override = var('tag_catalog_override', none) -%}
{%- set catalog = override if override is not none else fromyaml(catalog_yaml) -%}
{%- set codes_under_test = var('tag_codes_under_test', none) -%}
{%- if codes_under_test is not none -%}
    {%- set known_codes = catalog | map(attribute='tag_code') | list -%}
    {%- for code in codes_under_test if code not in known_codes -%}
        {{ exceptions.raise_compiler_error("tag_codes_under_test: no tag '" ~ code ~ "' in the catalog") }}
    {%- endfor -%}
    {%- set catalog = catalog | selectattr('tag_code', 'in', codes_under_test) | list -%}
{%- endif -%}
{{ return(catalog) }}
{%- endmacro %}
