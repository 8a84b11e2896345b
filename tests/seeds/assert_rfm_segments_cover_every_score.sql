-- A failure lists an (r_score, fm_score) pair no row of seeds/rfm_segments.csv covers, or a row whose
-- range runs backwards: persons with those scores would get no RFM segment in fct_person_value.
with

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

scores as (
    select 1 as score
    union all
    select 2
    union all
    select 3
    union all
    select 4
    union all
    select 5
),

score_pairs as (
    select
        r_scores.score as r_score,
        fm_scores.score as fm_score
    from scores as r_scores
    cross join scores as fm_scores
),

uncovered_pairs as (
    select
        score_pairs.r_score,
        score_pairs.fm_score,
        'no segment covers this score pair' as problem
    from score_pairs
    left join rfm_segments
        on score_pairs.r_score between rfm_segments.r_score_min and rfm_segments.r_score_max
            and score_pairs.fm_score between rfm_segments.fm_score_min and rfm_segments.fm_score_max
    where rfm_segments.rfm_segment is null
),

backward_ranges as (
    select
        r_score_min as r_score,
        fm_score_min as fm_score,
        'range runs backwards in segment ' || rfm_segment as problem
    from rfm_segments
    where r_score_min > r_score_max or fm_score_min > fm_score_max
),

final as (
    select * from uncovered_pairs
    union all
    select * from backward_ranges
)

select * from final
