{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='merge',
        unique_key=['person_id', 'tag_code', 'tag_value', 'valid_from'],
        full_refresh=false,
        on_schema_change='fail',
        pre_hook="{{ history_date_guard(this, as_of_date()) }}",
        post_hook="{{ history_cleanup(this, ref('int_persons_erased')) }}",
    )
}}

{#- One row per person, tag and value per validity period, dated by the analysis date (history_changes).
    Only tags whose catalog entry keeps history (keep_history, default true). Never fully refreshed: the
    history cannot be rebuilt from today's inputs. -#}
-- depends_on: {{ ref('int_persons_erased') }}
{%- set kept_tag_codes = [] %}
{%- for tag in tag_catalog() %}
    {%- if tag.get('keep_history', true) %}
        {%- do kept_tag_codes.append("'" ~ tag.tag_code ~ "'") %}
    {%- endif %}
{%- endfor %}

with

person_tags as (
    select * from {{ ref('fct_person_tags') }}
),

{% if is_incremental() -%}
previous_history as (
    select * from {{ this }}
),

{% endif -%}
kept_person_tags as (
    select
        person_id,
        tag_code,
        tag_value,
        tag_number
    from person_tags
    where {{ 'tag_code in (' ~ kept_tag_codes | join(', ') ~ ')' if kept_tag_codes else '1 = 0' }}
),

history_changes as (
    {{ history_changes(
        'kept_person_tags',
        'previous_history' if is_incremental() else none,
        ['person_id', 'tag_code', 'tag_value'],
        ['tag_number'],
        as_of_date(),
    ) }}
),

final as (
    select
        person_id,
        tag_code,
        tag_value,
        tag_number,
        valid_from,
        valid_to,
        is_current
    from history_changes
)

select * from final
