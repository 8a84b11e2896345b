"""pytest suite of the Dagster code location, its ingest step and the demo data generator."""
