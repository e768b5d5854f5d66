"""Fixtures of the bulletin, digest and contact tests: the SYNTHETIC bulletin database and a loopback SMTP server."""

from tests.dashboard.mailing.bulletin_fixtures import bulletin_engine  # noqa: F401 (a fixture)
from tests.dashboard.mailing.smtp import smtp_server  # noqa: F401 (a fixture)
