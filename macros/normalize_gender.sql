{#- Gender text -> 'male', 'female' or 'unknown' (accepts m/male/man/男 and f/female/woman/女, any case). -#}
{% macro normalize_gender(expression) -%}
    case
        when lower(trim({{ expression }})) in ('m', 'male', 'man', '男', '男性') then 'male'
        when lower(trim({{ expression }})) in ('f', 'female', 'woman', '女', '女性') then 'female'
        else 'unknown'
    end
{%- endmacro %}
