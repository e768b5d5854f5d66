"""Every setting the product reads from the environment, declared once as data."""

from __future__ import annotations

import os
from dataclasses import dataclass

from etl.paths import DATA_DIR


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", f"sqlite:///{DATA_DIR / 'atlas.sqlite'}",
            "SQLAlchemy URL of the database (SQLite by default; postgresql+psycopg://... in production)."),
    Setting("CACHE_REDIS_URL", "", "Redis URL for the shared query/figure cache; empty = in-process cache."),
    Setting("CACHE_TIMEOUT", "600", "Seconds a cached query result or figure is kept (entries are keyed on the data "
            "version, so a load or rollback shows at once whatever this is)."),
    Setting("CACHE_ENTRIES", "2000", "Most entries the in-process cache holds (least recently used evicted first)."),
    Setting("DATABASE_STATEMENT_TIMEOUT", "10", "Seconds a dashboard query may run before it is cancelled and the "
            "page shows its error state (PostgreSQL statement_timeout; SQLite interrupts the statement)."),
    Setting("DATABASE_BUSY_TIMEOUT", "3", "Seconds a dashboard read waits for a locked SQLite database before it "
            "fails (the ETL waits its driver's default)."),
    Setting("DASH_DEBUG", "0", "1 turns on Dash debug mode (dev tools, hot reload)."),
    Setting("HOST", "127.0.0.1", "Address `make run` serves on."),
    Setting("PORT", "8050", "Port `make run` serves on."),
    Setting("WEB_CONCURRENCY", "2", "Gunicorn worker processes in `make serve`."),
    Setting("ATLAS_SHARED_DATA", "", "Folder of raw source files for `make data` (default ../shared/data)."),
    Setting("TEST_POSTGRES_URL", "", "PostgreSQL URL the test suite also runs the database tests on."),
    Setting("SMTP_HOST", "", "Mail server the digest and the contact form send through; empty = no mail is sent "
            "(the subscription form then says it is unavailable)."),
    Setting("SMTP_PORT", "587", "Port of the mail server."),
    Setting("SMTP_USER", "", "Login at the mail server; empty = no login."),
    Setting("SMTP_PASSWORD", "", "Password at the mail server."),
    Setting("SMTP_FROM", "", "Sender address of every letter (required when SMTP_HOST is set)."),
    Setting("SMTP_STARTTLS", "1", "1 upgrades the mail connection with STARTTLS; 0 sends in plain text "
            "(a local relay)."),
    Setting("PUBLIC_URL", "http://127.0.0.1:8050", "The atlas's public address, for the confirmation and "
            "unsubscribe links in letters."),
    Setting("CONTACT_TO", "", "Address the investors' contact form forwards messages to; empty = messages are only "
            "stored."),
    Setting("CONTACT_RATE_LIMIT", "5", "Most contact-form messages one network address may send in an hour."),
    Setting("SECRET_KEY", "", "Key that signs the analysts' session cookies; set a long random value in production "
            "(empty = a random key per process: sessions end at a restart and differ between workers)."),
    Setting("SESSION_COOKIE_SECURE", "auto", "Send the session cookie over HTTPS only: 1, 0, or auto (secure unless "
            "the request is plain http to localhost/127.0.0.1)."),
    Setting("MAX_REQUEST_MB", "2", "Largest request body anyone may send, in megabytes (larger ones get 413); "
            "signed-in analysts may send up to ADMIN_UPLOAD_MAX_MB."),
    Setting("ADMIN_UPLOAD_MAX_MB", "100", "Largest file an analyst may upload at /admin/data, in megabytes."),
    Setting("ADMIN_UPLOAD_DIR", "", "Folder uploaded files are kept in (so `etl verify` can re-read them); empty = "
            "data/uploads in the checkout."),
    Setting("ADMIN_LOGIN_ATTEMPTS", "5", "Failed sign-ins allowed per network address and name within "
            "ADMIN_LOGIN_WINDOW; further attempts are refused."),
    Setting("ADMIN_LOGIN_WINDOW", "900", "Seconds over which failed sign-ins are counted."),
    Setting("DEFER_BUNDLES", "1", "1 loads AG Grid's script only on pages that draw a grid; 0 puts it in every "
            "page, as Dash does by default."),
)


def get(name: str) -> str:
    """The setting's value from the environment, or its declared default."""
    for setting in SETTINGS:
        if setting.name == name:
            return os.environ.get(name) or setting.default
    raise KeyError(f"unknown setting {name!r}")
