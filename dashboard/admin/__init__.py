"""The analysts' side of the atlas: sign-in, data refresh with a preview, history and rollback (pages in
dashboard/pages/admin_*.py; the public changelog is dashboard/pages/changes.py)."""

from __future__ import annotations

from flask import Flask

from dashboard.admin import auth


def register(server: Flask) -> None:
    """Session cookies, the sign-in routes and the guard that refuses anonymous requests to /admin."""
    auth.configure(server)
