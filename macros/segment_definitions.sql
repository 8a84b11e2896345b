{#- The segment definitions: every segment of marts.dim_segments, made of the tags of dim_person_profiles. Edit
    the YAML between the set/endset markers (pure YAML: orchestration/tests/test_segments.py reads it too). An
    entry: key (snake_case, no double underscore), name_zh, name_en, kind (rule | value | cluster), owner,
    is_exportable (true: activation exports write its consented members), description, and either
    - rule: all: [rules] | any: [rules] | not: rule | a condition {tag: <tag_code>, <operator>: <operand>}
      (operators and null semantics: macros/segment_condition_sql.sql; validated and compiled by
      compiled_segments and segment_rule_sql), or
    - per_value: <enum tag_code> (kind value or cluster): one segment per value of the tag, key
      <key>__<value slug>; skip_if_tag_missing: true skips it without error while the tag is not in the
      catalog (for a tag that a later step brings).
    Unit tests replace the list with var segment_definitions_override or keep only the keys of var
    segment_keys_under_test. -#}
{% macro segment_definitions() -%}
{%- set definitions_yaml -%}
# --- rule segments: boolean combinations of tag conditions ---
- key: shanghai_female_sneaker_fans
  name_zh: 上海女性运动鞋高频买家
  name_en: Shanghai women who often buy sports shoes
  kind: rule
  owner: crm_marketing_team
  is_exportable: true
  description: >-
    Women living in Shanghai with sports shoes among their top bought categories of the last 365 days and
    at least 4 value orders in that year - the audience for new sneaker drops.
  rule:
    all:
      - {tag: city, equals: 上海}
      - {tag: gender, equals: female}
      - {tag: top_bought_categories, contains: sports_shoes}
      - {tag: purchase_frequency_band, in: [frequent, regular]}
- key: high_value_churn_risk
  name_zh: 高价值流失预警
  name_en: High-value customers at churn risk
  kind: rule
  owner: customer_value_team
  is_exportable: true
  description: >-
    High-value customers (value tier high_value, or a predicted 365-day value band of high or very_high) whose
    recent activity fell well under their own baseline (churn warning) - retention offers before they go.
  rule:
    all:
      - any:
          - {tag: value_tier, equals: high_value}
          - {tag: predicted_clv_band, in: [high, very_high]}
      - {tag: has_churn_warning, is_true: true}
- key: coupon_hunters
  name_zh: 优惠券猎手
  name_en: Coupon hunters
  kind: rule
  owner: merchandising_team
  is_exportable: true
  description: >-
    Buyers who used a coupon on at least half of their value orders (price sensitivity high) and responded to
    a promotion in the last 90 days - the audience for coupon campaigns, kept out of full-price launches.
  rule:
    all:
      - {tag: price_sensitivity, equals: high}
      - {tag: is_promotion_responder, is_true: true}
- key: new_members_to_nurture
  name_zh: 待培育新会员
  name_en: New members to nurture
  kind: rule
  owner: crm_marketing_team
  is_exportable: true
  description: >-
    CRM members who joined less than 3 months before the analysis date and have not yet bought twice
    (never bought, or one value order) - the welcome journey.
  rule:
    all:
      - {tag: member_tenure_band, equals: under_3_months}
      - {tag: purchase_stage, in: [never_bought, first_time_buyer]}
- key: lapsed_high_spenders
  name_zh: 沉睡高消费客户
  name_en: Lapsed high spenders
  kind: rule
  owner: customer_value_team
  is_exportable: true
  description: >-
    Buyers who spent at least 3,000 CNY to date but whose latest value order is more than 180 days before the
    analysis date - win-back campaigns.
  rule:
    all:
      - {tag: total_revenue, gte: 3000}
      - {tag: days_since_last_order, gt: 180}
- key: mini_program_loyalists
  name_zh: 小程序忠实用户
  name_en: Mini-program loyalists
  kind: rule
  owner: growth_team
  is_exportable: false
  description: >-
    Persons active on at least 8 of the last 30 days, mostly in the WeChat mini program and never in the iOS or
    Android app over the last 90 days - candidates for app-install campaigns and mini-program-only offers.
  rule:
    all:
      - {tag: preferred_platform, equals: mini_program}
      - {tag: count_active_days_last_30_days, gte: 8}
      - not: {tag: platforms_used, contains_any: [ios, android]}
- key: cart_abandoners_without_recent_order
  name_zh: 近期弃购未下单
  name_en: Cart abandoners without a recent order
  kind: rule
  owner: growth_team
  is_exportable: true
  description: >-
    Persons who left a product in the cart in the last 30 days and did not place a value order in that time:
    the not also keeps persons who never bought (a null days_since_last_order never satisfies lte 30).
  rule:
    all:
      - {tag: has_abandoned_cart_last_30_days, is_true: true}
      - not: {tag: days_since_last_order, lte: 30}
- key: young_beauty_enthusiasts
  name_zh: 年轻美妆爱好者
  name_en: Young beauty enthusiasts
  kind: rule
  owner: merchandising_team
  is_exportable: false
  description: >-
    Persons aged 18 to 30 (both included) with beauty among their top browsed (last 90 days) or top bought
    (last 365 days) categories.
  rule:
    all:
      - {tag: age_years, between: [18, 30]}
      - any:
          - {tag: top_browsed_categories, contains: beauty}
          - {tag: top_bought_categories, contains: beauty}
- key: vip_members_engaged
  name_zh: 活跃高等级会员
  name_en: Engaged VIP members
  kind: rule
  owner: crm_team
  is_exportable: false
  description: >-
    Gold and platinum CRM members who are not churned and not silent (persons never active have no lifecycle
    stage and stay in: not of a null condition is true).
  rule:
    all:
      - {tag: member_tier, in: [gold, platinum]}
      - not: {tag: lifecycle_stage, in: [churned, silent]}
- key: dissatisfied_valuable_customers
  name_zh: 不满意的高价值客户
  name_en: Dissatisfied valuable customers
  kind: rule
  owner: service_team
  is_exportable: false
  description: >-
    Customers of the high_value tier, or repeat buyers with a premium or high spending power, whose rated
    support tickets of the last 90 days average 2 or lower - for a service call, not a marketing message.
  rule:
    all:
      - {tag: is_dissatisfied_customer, is_true: true}
      - any:
          - {tag: value_tier, equals: high_value}
          - all:
              - {tag: is_repeat_buyer, is_true: true}
              - {tag: spending_power, in: [premium, high]}
- key: electronics_buyers_cross_sell_fashion
  name_zh: 数码买家时尚交叉销售
  name_en: Electronics buyers browsing fashion
  kind: rule
  owner: merchandising_team
  is_exportable: true
  description: >-
    Persons with electronics among their top bought categories who browse apparel or sports shoes but have
    bought neither in the last 365 days - cross-sell.
  rule:
    all:
      - {tag: top_bought_categories, contains: electronics}
      - {tag: top_browsed_categories, contains_any: [apparel, sports_shoes]}
      - not: {tag: top_bought_categories, contains_any: [apparel, sports_shoes]}
# --- value and cluster segments: one segment per value of a tag ---
- key: rfm
  name_zh: RFM分群
  name_en: RFM segment
  kind: value
  owner: customer_value_team
  is_exportable: false
  description: One segment per named RFM segment of fct_person_value (champions, loyal, ..., lost; docs/value.md).
  per_value: rfm_segment
- key: value_tier
  name_zh: 价值分层
  name_en: Value tier
  kind: value
  owner: customer_value_team
  is_exportable: false
  description: One segment per value tier of fct_person_value (high_value, at_risk, potential, ordinary).
  per_value: value_tier
- key: behavior_value_cluster
  name_zh: 行为价值聚类
  name_en: Behavior-value cluster
  kind: cluster
  owner: customer_value_team
  is_exportable: false
  description: >-
    One segment per k-means cluster of the clustering step (standardized behavior and value features;
    rpt_person_cluster_profiles shows each cluster's profile).
  per_value: behavior_value_cluster
{%- endset -%}
{%- set override = var('segment_definitions_override', none) -%}
{%- set definitions = override if override is not none else fromyaml(definitions_yaml) -%}
{%- set keys_under_test = var('segment_keys_under_test', none) -%}
{%- if keys_under_test is not none -%}
    {%- set known_keys = definitions | map(attribute='key') | list -%}
    {%- for key in keys_under_test if key not in known_keys -%}
        {{ exceptions.raise_compiler_error("segment_keys_under_test: no segment '" ~ key ~ "' in the definitions") }}
    {%- endfor -%}
    {%- set definitions = definitions | selectattr('key', 'in', keys_under_test) | list -%}
{%- endif -%}
{{ return(definitions) }}
{%- endmacro %}
