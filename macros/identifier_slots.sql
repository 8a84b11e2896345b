{#- The identifier columns of identifier_combinations(), strongest first, each with its identifier type.
    The order is the strength order: a record's links form a star around its first non-null slot. The last
    two hold an alias call's previousId, typed as it was seen (macro identifier_combinations). -#}
{% macro identifier_slots() -%}
    {{ return([
        {'column': 'user_id', 'type': 'user_id'},
        {'column': 'crm_id', 'type': 'crm_id'},
        {'column': 'member_id', 'type': 'member_id'},
        {'column': 'phone', 'type': 'phone'},
        {'column': 'email', 'type': 'email'},
        {'column': 'wechat_unionid', 'type': 'wechat_unionid'},
        {'column': 'wechat_openid', 'type': 'wechat_openid'},
        {'column': 'device_id', 'type': 'device_id'},
        {'column': 'anonymous_id', 'type': 'anonymous_id'},
        {'column': 'previous_user_id', 'type': 'user_id'},
        {'column': 'previous_anonymous_id', 'type': 'anonymous_id'},
    ]) }}
{%- endmacro %}
