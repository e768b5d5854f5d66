"""Kaluga Cluster Atlas dashboard: the read side (Dash Pages over the ETL's database)."""
