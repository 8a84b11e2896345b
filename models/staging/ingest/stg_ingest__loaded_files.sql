with

loaded_files as (
    select * from {{ source('ingest', '_loaded_files') }}
),

final as (
    select
        source as source_name,
        file_path,
        raw_root,
        file_size,
        load_id,
        loaded_at,
        row_count as count_rows,
        rejected_row_count as count_reader_rejected_rows,
        encoding,
        coalesce(unsplit_bytes, 0) as count_unsplit_bytes
    from loaded_files
)

select * from final
