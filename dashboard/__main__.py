"""`python -m dashboard`: serve the app with Dash's development server (gunicorn for production)."""

import argparse

from dashboard.app import create_app, debug_enabled
from etl import settings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboard")
    parser.add_argument("--host", default=settings.get("HOST"))
    parser.add_argument("--port", type=int, default=int(settings.get("PORT")))
    args = parser.parse_args()
    create_app().run(host=args.host, port=args.port, debug=debug_enabled())


if __name__ == "__main__":
    main()
