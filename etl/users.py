"""Analyst accounts: scrypt password hashes, sign-in checks and the sign-in rate limit.

Only the hash is stored (`scrypt$n$r$p$salt$hash`, hex). The rate limit counts failed attempts per
network address and name in the database, so every worker (and every restart) sees the same count.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select

from etl import settings
from etl.errors import EtlError
from etl.schema import Analyst, LoginAttempt

# scrypt cost: n=2**14, r=8, p=1 (OWASP's minimum for scrypt) takes ~50 ms and 16 MB per check.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
NAME_PATTERN = re.compile(r"[A-Za-z0-9._-]{2,100}")
MIN_PASSWORD = 10


class AccountError(EtlError):
    """An account cannot be created (bad name, short password, name taken)."""


def hash_password(password: str) -> str:
    """A salted scrypt hash of `password`, with its parameters."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """True when `password` matches the stored hash (compared in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                               dklen=len(bytes.fromhex(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found.hex(), digest)


def add_analyst(engine: Engine, name: str, password: str) -> int:
    """Create an account; AccountError names what is wrong."""
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError(f"name {name!r}: use 2-100 letters, digits, '.', '_' or '-'")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    with engine.begin() as conn:
        if conn.execute(select(Analyst.id).where(Analyst.name == name)).first() is not None:
            raise AccountError(f"an analyst named {name!r} exists already")
        result = conn.execute(insert(Analyst).values(name=name, password_hash=hash_password(password),
                                                     created_at=_now()))
        return result.inserted_primary_key[0]


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the analyst's name, or why not."""

    name: str | None
    refused: str | None = None  # "limited" (too many failures) or "wrong" (name or password)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def attempts_allowed() -> tuple[int, timedelta]:
    """Failed attempts allowed per address and name, and the window they are counted in."""
    return int(settings.get("ADMIN_LOGIN_ATTEMPTS")), timedelta(seconds=int(settings.get("ADMIN_LOGIN_WINDOW")))


def sign_in(engine: Engine, name: str, password: str, address: str) -> SignIn:
    """Check a name and password, counting failures per (address, name).

    Rule: after ADMIN_LOGIN_ATTEMPTS failed attempts for the same address and name within
    ADMIN_LOGIN_WINDOW seconds, every attempt is refused without checking the password until the
    oldest of them leaves the window. The password is then not even compared, so guessing stops.
    """
    name = name.strip()[:100]
    limit, window = attempts_allowed()
    now = _now()
    with engine.begin() as conn:
        conn.execute(delete(LoginAttempt).where(LoginAttempt.at < now - window))
        failures = conn.execute(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.address == address, LoginAttempt.name == name, LoginAttempt.succeeded.is_(False),
            LoginAttempt.at >= now - window)).scalar()
        if failures >= limit:
            return SignIn(None, "limited")
        stored = conn.execute(select(Analyst.password_hash).where(Analyst.name == name)).scalar()
        # NOTE: an unknown name costs one scrypt too, so timing does not tell which names exist.
        ok = check_password(password, stored or _DUMMY_HASH) and stored is not None
        conn.execute(insert(LoginAttempt).values(address=address[:64], name=name, at=now, succeeded=ok))
    return SignIn(name if ok else None, None if ok else "wrong")


def analyst_exists(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(Analyst.id).where(Analyst.name == name)).first() is not None


# A well-formed hash no password matches (its digest is not scrypt's output for any input we know).
_DUMMY_HASH = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${'00' * 16}${'00' * 32}"

__all__ = ["AccountError", "SignIn", "add_analyst", "analyst_exists", "check_password", "hash_password", "sign_in"]
