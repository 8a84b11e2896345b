"""The assets of the warehouse: raw ingest, the dbt project, and the source-freshness checks.

Everything here reads or writes the one DuckDB file, which allows a single writer and locks readers
out while it writes, so every asset and check runs in the same concurrency pool.
"""

WAREHOUSE_POOL = "duckdb_warehouse"
