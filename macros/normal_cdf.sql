{#- Standard normal cumulative distribution P(Z <= z), for p-values: neither DuckDB nor Spark has erf.
    Abramowitz & Stegun 26.2.17 (|error| < 7.5e-8): for x = |z|, t = 1 / (1 + 0.2316419 x),
    Q(x) = phi(x) (b1 t + b2 t^2 + b3 t^3 + b4 t^4 + b5 t^5) is the upper tail, and P(z) = 1 - Q(x) for
    z >= 0, Q(x) for z < 0. Plain SQL (exp, sqrt, pi, abs) that both engines run; pass a column, not a
    long expression (it is repeated). Null in, null out. -#}
{% macro normal_cdf(z) -%}
    (case
        when {{ z }} is null then null
        when {{ z }} >= 0 then 1 - {{ _normal_upper_tail(z) }}
        else {{ _normal_upper_tail(z) }}
    end)
{%- endmacro %}

{% macro _normal_upper_tail(z) -%}
    (
        exp(-0.5 * {{ z }} * {{ z }}) / sqrt(2 * pi())
        * (
            (1.0 / (1.0 + 0.2316419 * abs({{ z }}))) * (0.319381530
                + (1.0 / (1.0 + 0.2316419 * abs({{ z }}))) * (-0.356563782
                    + (1.0 / (1.0 + 0.2316419 * abs({{ z }}))) * (1.781477937
                        + (1.0 / (1.0 + 0.2316419 * abs({{ z }}))) * (-1.821255978
                            + (1.0 / (1.0 + 0.2316419 * abs({{ z }}))) * 1.330274429))))
        )
    )
{%- endmacro %}
