{#- Phone text -> E.164 ('+8613812345678') or null when missing or malformed.
    Accepted separators: spaces, '-', '.', '(', ')'. Any other character makes the number malformed.
    Prefixes: '+CC', '00CC'; a bare national mobile number (var('national_mobile_pattern')) gets
    var('default_phone_country_code'). Numbers in the default country must be mobile numbers;
    other countries need 8-15 digits in all. -#}
{% macro normalize_phone(expression) -%}
    {%- set country = var('default_phone_country_code') -%}
    {%- set mobile = var('national_mobile_pattern', '1[3-9][0-9]{9}') -%}
    {%- set digits -%}{{ regexp_replace_all('trim(' ~ expression ~ ')', '[ .()-]', '') }}{%- endset -%}
    case
        when not {{ matches_pattern('trim(' ~ expression ~ ')', '^[0-9+ .()-]+$') }} then null
        when {{ matches_pattern(digits, '^[+]' ~ country ~ mobile ~ '$') }} then {{ digits }}
        when {{ matches_pattern(digits, '^00' ~ country ~ mobile ~ '$') }} then '+' || substr({{ digits }}, 3)
        when {{ matches_pattern(digits, '^' ~ country ~ mobile ~ '$') }} then '+' || {{ digits }}
        when {{ matches_pattern(digits, '^' ~ mobile ~ '$') }} then '+{{ country }}' || {{ digits }}
        when {{ matches_pattern(digits, '^[+]' ~ country) }} or {{ matches_pattern(digits, '^00' ~ country) }} then null
        when {{ matches_pattern(digits, '^[+][1-9][0-9]{7,14}$') }} then {{ digits }}
        when {{ matches_pattern(digits, '^00[1-9][0-9]{7,14}$') }} then '+' || substr({{ digits }}, 3)
    end
{%- endmacro %}
