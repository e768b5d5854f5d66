"""The read model's tests run over the SYNTHETIC fixture database, on SQLite and PostgreSQL."""

from tests.dashboard.model.fixtures import model_engine  # noqa: F401 (a fixture)
