"""Analyst accounts: scrypt hashes, sign-in, the rate limit, and `python -m etl user add`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from etl import users
from etl.cli import EXIT_OK, EXIT_REJECTED, main
from etl.db import make_engine
from etl.schema import Analyst

PASSWORD = "SYNTHETIC-pass-phrase"


def test_hash_is_salted_scrypt_and_checks() -> None:
    first, second = users.hash_password(PASSWORD), users.hash_password(PASSWORD)
    assert first.startswith("scrypt$") and first != second  # a fresh salt each time
    assert PASSWORD not in first
    assert users.check_password(PASSWORD, first) and users.check_password(PASSWORD, second)
    assert not users.check_password(PASSWORD + "x", first)
    assert not users.check_password(PASSWORD, "not a hash")


def test_accounts_refuse_short_passwords_bad_names_and_duplicates(engine: Engine) -> None:
    users.add_analyst(engine, "anna", PASSWORD)
    with pytest.raises(users.AccountError, match="at least 10"):
        users.add_analyst(engine, "boris", "short")
    with pytest.raises(users.AccountError, match="use 2-100 letters"):
        users.add_analyst(engine, "a b", PASSWORD)
    with pytest.raises(users.AccountError, match="exists already"):
        users.add_analyst(engine, "anna", PASSWORD)
    with engine.connect() as conn:
        stored = conn.execute(select(Analyst.password_hash).where(Analyst.name == "anna")).scalar()
    assert stored != PASSWORD and users.check_password(PASSWORD, stored)


def test_sign_in_and_its_rate_limit(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """After ADMIN_LOGIN_ATTEMPTS failures for one address and name every attempt there is refused."""
    monkeypatch.setenv("ADMIN_LOGIN_ATTEMPTS", "3")
    users.add_analyst(engine, "anna", PASSWORD)
    assert users.sign_in(engine, "anna", PASSWORD, "10.0.0.1") == users.SignIn("anna")
    assert users.sign_in(engine, "anna", "wrong", "10.0.0.1") == users.SignIn(None, "wrong")
    assert users.sign_in(engine, "nobody", PASSWORD, "10.0.0.1") == users.SignIn(None, "wrong")
    users.sign_in(engine, "anna", "wrong", "10.0.0.1")
    users.sign_in(engine, "anna", "wrong", "10.0.0.1")
    assert users.sign_in(engine, "anna", PASSWORD, "10.0.0.1") == users.SignIn(None, "limited")
    # Another address, or another name from this address, is counted apart.
    assert users.sign_in(engine, "anna", PASSWORD, "10.0.0.2") == users.SignIn("anna")
    assert users.sign_in(engine, "nobody", "x", "10.0.0.1") == users.SignIn(None, "wrong")


def test_cli_user_add_asks_twice_and_stores_only_the_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture) -> None:
    url = f"sqlite:///{tmp_path}/u.sqlite"
    answers = iter([PASSWORD, PASSWORD + "typo"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["--database-url", url, "user", "add", "anna"]) == EXIT_REJECTED
    assert "the passwords differ" in capsys.readouterr().err
    answers = iter([PASSWORD, PASSWORD])
    assert main(["--database-url", url, "user", "add", "anna"]) == EXIT_OK
    assert "analyst anna created" in capsys.readouterr().err
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(Analyst.password_hash)).scalars().all()
    finally:
        engine.dispose()
    assert len(stored) == 1 and PASSWORD not in stored[0] and users.check_password(PASSWORD, stored[0])
    answers = iter(["short", "short"])
    assert main(["--database-url", url, "user", "add", "boris"]) == EXIT_REJECTED
    assert "at least 10 characters" in capsys.readouterr().err
