"""The Dagster code location: raw ingest, the dbt project and its checks, and the refresh job.

Every step runs in the Dagster process one after another (in_process_executor): all of them use the
one DuckDB file, which admits a single writer, so parallel steps would only wait for each other (or fail
on the file lock), and a process per step would pay Dagster's start-up for nothing. The shared pool
(orchestration.assets.WAREHOUSE_POOL) extends that to separate runs once the instance sets a pool limit
(dagster.yaml: `concurrency: {pools: {default_limit: 1}}`).
"""

from dagster import Definitions, colored_console_logger, in_process_executor

from orchestration.assets.activation_exports import segment_files
from orchestration.assets.customer_value import customer_value_models
from orchestration.assets.dbt import dbt_models, dbt_resource
from orchestration.assets.expectations import expectations
from orchestration.assets.freshness import source_freshness
from orchestration.assets.person_clusters import person_clusters
from orchestration.assets.publication import published_warehouse
from orchestration.assets.raw import raw_sources
from orchestration.jobs import refresh_warehouse
from orchestration.progress import terminal_progress_logger
from orchestration.schedules import daily_refresh
from orchestration.sensors import raw_files_sensor

defs = Definitions(
    assets=[raw_sources, dbt_models, customer_value_models, person_clusters, segment_files, published_warehouse],
    asset_checks=[source_freshness, expectations],
    jobs=[refresh_warehouse],
    schedules=[daily_refresh],
    sensors=[raw_files_sensor],
    resources={"dbt": dbt_resource()},
    executor=in_process_executor,
    loggers={"console": colored_console_logger, "terminal_progress": terminal_progress_logger},
)
