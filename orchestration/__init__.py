"""Dagster code location of the user-profile warehouse, with its ingest step and demo data generator."""
