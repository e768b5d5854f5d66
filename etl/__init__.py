"""Kaluga Cluster Atlas ETL: parse sources into tidy frames and load them, with provenance."""
