"""Fault injection (`make soak`): SIGKILL `etl load` at random moments, many times, on SQLite and PostgreSQL.

For each backend: a fresh database with the reference tables; one load of a large real extract run to
its end gives the "after" state (a checksum of the observations table) and its duration; it is rolled
back ("before"). Then, round after round, the same load is started in its own process and killed with
SIGKILL at a random moment of that duration: the observations must then be exactly "before" or
"after" (after is rolled back for the next round), and on PostgreSQL, a few seconds after the kill,
no statement of the killed client may still be running on the server (orphaned INSERT/COPY).
Then pairs of concurrent loads: each exits 0 (queued) or 2 with a clear message, never a raw driver error.

Then the load run (tools/loadtest.py: simulated users against gunicorn on PostgreSQL with Redis, an analyst's
load midway), whose row gives the requests served and the stale or half-applied answers.

Prints a summary table: inputs tried, faults injected, requests served, errors, figures lost, stale or
half-applied answers (must be 0). Exit status 1 when any error, lost figure or stale answer was found.

    .venv/bin/python tools/soak.py [--kills 20] [--pg-kills 10] [--pairs 3] [--seed N] [--load-users 50]
                                   [--load-seconds 120]
PostgreSQL is taken from TEST_POSTGRES_URL (skipped when unset), in a schema of its own, dropped after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import Engine, text  # noqa: E402

from etl.db import CLIENT_CHECK_MS, make_engine  # noqa: E402
from etl.paths import EXTRACTS_DIR, REFERENCE_DIR  # noqa: E402

EXTRACT = EXTRACTS_DIR / "rr2024_s03_living_standards"  # real, cited: 129,105 figures
RAW_ERRORS = ("database is locked", "UniqueViolation", "Traceback", "IntegrityError", "deadlock detected")


@dataclass
class Tally:
    backend: str
    inputs: int = 0
    faults: int = 0
    errors: int = 0
    lost: int = 0
    before: int = 0
    after: int = 0
    orphans: int = 0
    requests: int = 0
    stale: int = 0
    notes: list[str] = field(default_factory=list)


def cli(url: str, *argv: str, app: str = "atlas-soak") -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PGAPPNAME": app}
    return subprocess.Popen([sys.executable, "-m", "etl", "--database-url", url, *argv], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run(url: str, *argv: str) -> tuple[int, str]:
    process = cli(url, *argv)
    output, _ = process.communicate()
    return process.returncode, output


def checksum(engine: Engine) -> tuple[str, int]:
    """A digest of every observation (key, value, status) and their count; the load id is left out, since
    each reload of the same file gets a new one."""
    digest, count = hashlib.sha256(), 0
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT indicator_code, region_code, period, edition, value, status "
                                 "FROM observations ORDER BY indicator_code, region_code, period, edition"))
        for row in rows:
            digest.update(repr(tuple(row)).encode())
            count += 1
    return digest.hexdigest(), count


def last_applied(engine: Engine) -> int | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT max(id) FROM loads WHERE status = 'applied' AND file_name = :name"),
                            {"name": EXTRACT.name}).scalar()


def orphans(admin: Engine, app: str) -> list[str]:
    with admin.connect() as conn:
        rows = conn.execute(text("SELECT state, left(query, 60) FROM pg_stat_activity WHERE application_name = :app "
                                 "AND pid <> pg_backend_pid()"), {"app": app}).all()
    return [f"{state}: {query}" for state, query in rows]


def soak(backend: str, url: str, engine: Engine, admin: Engine | None, kills: int, pairs: int,
         rng: random.Random) -> Tally:
    tally = Tally(backend)
    code, output = run(url, "load", str(REFERENCE_DIR))
    if code != 0:
        raise SystemExit(f"{backend}: loading the reference tables failed:\n{output}")
    before = checksum(engine)
    started = time.monotonic()
    code, output = run(url, "load", str(EXTRACT))
    duration = time.monotonic() - started
    tally.inputs += 1
    if code != 0:
        raise SystemExit(f"{backend}: the unkilled load failed:\n{output}")
    after = checksum(engine)
    print(f"{backend}: a whole load of {EXTRACT.name} ({after[1] - before[1]:,} figures) took {duration:.1f} s",
          flush=True)

    def restore() -> None:
        """Roll back every applied load of the extract, newest first (a queued second load adds nothing)."""
        output = ""
        for _ in range(5):
            load_id = last_applied(engine)
            if load_id is None:
                break
            code, output = run(url, "rollback", str(load_id))
            if code != 0:
                break
        if checksum(engine) != before:
            tally.errors += 1
            tally.notes.append(f"rolling back did not restore the state before: {output[-300:]}")

    restore()
    for round_ in range(kills):
        app = f"atlas-soak-{uuid.uuid4().hex[:8]}"
        process = cli(url, "load", str(EXTRACT), app=app)
        try:
            # NOTE: most of a run's first seconds are imports; kills are spread over the whole run anyway.
            started, target = time.monotonic(), rng.uniform(0.2, 1.0) * duration
            while time.monotonic() - started < target and process.poll() is None:
                time.sleep(0.05)
            tally.inputs += 1
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                tally.faults += 1
            else:
                # The load ended before its kill (the machine got faster): aim within that time next round.
                duration = time.monotonic() - started
        finally:
            if process.poll() is None:  # the soak itself was interrupted: leave no load running
                process.kill()
            process.wait()
        if admin is not None:
            time.sleep(2 * CLIENT_CHECK_MS / 1000 + 1)
            left = orphans(admin, app)
            if left:
                tally.orphans += 1
                tally.errors += 1
                tally.notes.append(f"round {round_}: server still runs the killed client's work: {left}")
        state = checksum(engine)
        if state == before:
            tally.before += 1
        elif state == after:
            tally.after += 1
            restore()
        else:
            tally.errors += 1
            tally.lost += abs(state[1] - before[1]) if state[1] < after[1] else 0
            tally.notes.append(f"round {round_}: {state[1]:,} figures: neither before ({before[1]:,}) nor after "
                               f"({after[1]:,})")
            restore()
        print(f"{backend}: kill {round_ + 1}/{kills}: {'before' if state == before else 'after or other'}",
              flush=True)
    for pair in range(pairs):
        processes = [cli(url, "load", str(EXTRACT), app=f"atlas-soak-pair-{pair}") for _ in range(2)]
        results = [(p.wait(), p.stdout.read()) for p in processes]
        tally.inputs += 2
        codes = sorted(code for code, _ in results)
        raw = [raw for _, output in results for raw in RAW_ERRORS if raw in output]
        if codes not in ([0, 0], [0, 2]) or raw:
            tally.errors += 1
            tally.notes.append(f"concurrent pair {pair}: exit codes {codes}, raw errors {raw}")
        state = checksum(engine)
        if state[1] != after[1]:
            tally.errors += 1
            tally.lost += max(after[1] - state[1], 0)
            tally.notes.append(f"concurrent pair {pair}: {state[1]:,} figures, expected {after[1]:,}")
        restore()
        print(f"{backend}: concurrent pair {pair + 1}/{pairs}: exit codes {codes}", flush=True)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs on SQLite")
    parser.add_argument("--pg-kills", type=int, default=10, help="SIGKILLs on PostgreSQL")
    parser.add_argument("--pairs", type=int, default=2, help="pairs of concurrent loads per backend")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--load-users", type=int, default=50, help="simulated users of the load run")
    parser.add_argument("--load-seconds", type=int, default=120, help="length of the load run (0: no load run)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    print(f"seed {seed}", flush=True)
    tallies = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/soak.sqlite"
        engine = make_engine(url)
        try:
            tallies.append(soak("sqlite", url, engine, None, args.kills, args.pairs, rng))
        finally:
            engine.dispose()
    pg = os.environ.get("TEST_POSTGRES_URL")
    if pg and args.pg_kills:
        schema = f"soak_{uuid.uuid4().hex[:12]}"
        admin = make_engine(pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        from sqlalchemy import make_url

        url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
        engine = make_engine(url)
        try:
            tallies.append(soak("postgresql", url, engine, admin, args.pg_kills, args.pairs, rng))
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    else:
        print("PostgreSQL skipped: TEST_POSTGRES_URL is not set", flush=True)
    if pg and args.load_seconds:
        tallies.append(load_run(args.load_users, args.load_seconds, seed))
    print()
    print("| backend | inputs tried | faults injected (SIGKILL) | requests served | errors | figures lost | "
          "killed before commit | load had committed | orphaned server work | stale or half-applied answers |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for t in tallies:
        print(f"| {t.backend} | {t.inputs} | {t.faults} | {t.requests} | {t.errors} | {t.lost} | {t.before} | "
              f"{t.after} | {t.orphans} | {t.stale} |")
    for t in tallies:
        for note in t.notes:
            print(f"{t.backend}: {note}")
    return 1 if any(t.errors or t.lost or t.stale for t in tallies) else 0


def load_run(users: int, seconds: int, seed: int) -> Tally:
    """tools/loadtest.py as a row of the table: the analyst's file is the input, its load the commit."""
    tally = Tally(f"postgresql load run ({users} users, {seconds} s)", inputs=1)
    with tempfile.TemporaryDirectory() as folder:
        summary = Path(folder) / "loadtest.json"
        code = subprocess.call([sys.executable, str(REPO / "tools" / "loadtest.py"), "--users", str(users),
                                "--seconds", str(seconds), "--seed", str(seed), "--json", str(summary)], cwd=REPO)
        if not summary.exists():
            tally.errors += 1
            tally.notes.append(f"tools/loadtest.py exited {code} without a summary")
            return tally
        result = json.loads(summary.read_text())
    tally.requests, tally.errors, tally.lost = result["requests"], result["error_count"], result["figures_lost"]
    tally.stale = result["stale"] + result["half_applied"]
    tally.after = int(bool(result["analyst"].get("committed")))
    tally.notes += [f"load run: {e}" for e in result["errors"] + result["server_errors"]]
    if code != 0 and not (tally.errors or tally.lost or tally.stale):
        tally.errors += 1
        tally.notes.append(f"tools/loadtest.py exited {code}")
    return tally


if __name__ == "__main__":
    raise SystemExit(main())
