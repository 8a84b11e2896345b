{#- A text value as a key part: trimmed, lower-cased, every run of characters other than a-z, 0-9 and CJK ideographs
    (U+4E00-U+9FFF) replaced by one '_', no '_' at either end ('At Risk!' -> 'at_risk', '上海' stays). Used for the
    keys of per_value segments (<key>__<value slug>); two values with the same slug would share a key. -#}
{% macro value_slug(expression) -%}
    {{ regexp_replace_all(regexp_replace_all('lower(trim(' ~ expression ~ '))', '[^0-9a-z一-鿿]+', '_'), '^_+|_+$', '') }}
{%- endmacro %}
