{#- The columns of stg_events__events that int_events_attributed carries (all but ip_address: raw personal
    data stays in staging), and the fingerprints that tell int_events_reattributed which stored rows are
    stale. kind 'staging': the carried columns (a change of any of them changes the event's row);
    kind 'identity': what events_identified (macro event_identities) looked up for the event, which decides
    its person and, for a login on a shared identifier, the person of the events near it. -#}
{% macro attributed_event_columns(kind) -%}
    {%- if kind == 'staging' -%}
        {{ return([
            'event_id', 'event_type', 'event_name', 'event_category', 'page_name', 'anonymous_id', 'user_id',
            'previous_id', 'device_id', 'platform', 'os_name', 'app_version', 'page_url', 'page_path',
            'page_referrer', 'page_title', 'campaign_source', 'campaign_medium', 'campaign_name', 'user_agent',
            'locale', 'properties', 'traits', 'trait_email_hash', 'trait_email_domain', 'trait_phone_hash',
            'has_invalid_trait_email', 'has_invalid_trait_phone', 'trait_gender', 'trait_birth_date',
            'trait_city', 'trait_province', 'trait_country', 'trait_wechat_openid', 'trait_wechat_unionid',
            'trait_crm_id', 'trait_member_id', 'event_at', 'sent_at', 'received_at', 'event_date',
            '_raw_row_id', '_load_id', '_loaded_at',
        ]) }}
    {%- elif kind == 'identity' -%}
        {{ return([
            'user_person_id', 'is_user_person_erased', 'anonymous_person_id', 'is_anonymous_person_erased',
            'device_person_id', 'is_device_person_erased', 'is_shared_anonymous_id', 'is_shared_device_id',
        ]) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("attributed_event_columns: kind must be 'staging' or 'identity', got '" ~ kind ~ "'") }}
    {%- endif -%}
{%- endmacro %}
