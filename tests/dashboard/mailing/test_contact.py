"""The investors' contact form's store: consent, validation, the per-address rate limit, forwarding through a real
SMTP server on loopback (aiosmtpd), and a forwarding failure that keeps the message. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from dashboard import subscriptions
from dashboard.subscriptions import FormError
from etl.schema import ContactMessage
from tests.dashboard.mailing.smtp import body, free_port

FORM = {"name": "Ivan Petrov", "email": "ivan@investor.test", "organisation": "=HYPERLINK(\"x\")",
        "message": "Which sites are free in Vorsino?", "lang": "en"}


def stored(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(ContactMessage).order_by(ContactMessage.id)).all()


def test_nothing_is_stored_without_consent_or_a_valid_form(engine) -> None:
    with pytest.raises(FormError) as refused:
        subscriptions.contact(engine, **FORM, consent=False, address="10.0.0.1")
    assert refused.value.key == "consent_required"
    for changes, key in (({"name": " "}, "name_required"), ({"email": "ivan"}, "email_invalid"),
                         ({"message": ""}, "message_required"), ({"message": "x" * 5001}, "message_too_long")):
        with pytest.raises(FormError) as refused:
            subscriptions.contact(engine, **{**FORM, **changes}, consent=True, address="10.0.0.1")
        assert refused.value.key == key
    assert stored(engine) == []


def test_message_is_stored_and_forwarded_to_contact_to(engine, smtp_server, monkeypatch) -> None:
    monkeypatch.setenv("CONTACT_TO", "team@atlas.test")
    result = subscriptions.contact(engine, **FORM, consent=True, address="10.0.0.1")
    assert result.forwarded
    row, = stored(engine)
    assert (row.id, row.name, row.email, row.message, row.lang) == (result.message_id, "Ivan Petrov",
                                                                    "ivan@investor.test", FORM["message"], "en")
    assert row.consented_at is not None and row.forwarded_at is not None and row.forward_error is None
    assert row.ip_hash == subscriptions.ip_hash("10.0.0.1") and "10.0.0.1" not in row.ip_hash
    letter, = smtp_server.letters
    assert letter["To"] == "team@atlas.test" and letter["Reply-To"] == "ivan@investor.test"
    assert letter["Subject"] == "Atlas: message from Ivan Petrov"
    assert FORM["message"] in body(letter) and "Organisation: =HYPERLINK" in body(letter)


def test_without_contact_to_the_message_is_only_stored(engine, smtp_server, monkeypatch) -> None:
    monkeypatch.setenv("CONTACT_TO", "")
    assert not subscriptions.contact(engine, **FORM, consent=True, address="10.0.0.1").forwarded
    assert len(stored(engine)) == 1 and smtp_server.letters == []


def test_a_forwarding_failure_keeps_the_message_with_its_error(engine, monkeypatch) -> None:
    monkeypatch.setenv("CONTACT_TO", "team@atlas.test")
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nothing listens there
    monkeypatch.setenv("SMTP_FROM", "atlas@atlas.test")
    monkeypatch.setenv("SMTP_STARTTLS", "0")
    assert not subscriptions.contact(engine, **FORM, consent=True, address="10.0.0.1").forwarded
    row, = stored(engine)
    assert row.forwarded_at is None and "ConnectionRefused" in row.forward_error


def test_rate_limit_per_address_and_hour(engine, monkeypatch) -> None:
    monkeypatch.setenv("CONTACT_RATE_LIMIT", "2")
    monkeypatch.setenv("CONTACT_TO", "")
    start = dt.datetime(2026, 5, 1, 12, 0)
    for minute in (0, 10):
        subscriptions.contact(engine, **FORM, consent=True, address="10.0.0.1",
                              now=start + dt.timedelta(minutes=minute))
    with pytest.raises(FormError) as limited:
        subscriptions.contact(engine, **FORM, consent=True, address="10.0.0.1", now=start + dt.timedelta(minutes=20))
    assert limited.value.key == "rate_limited"
    # Another address is not limited; the first one is again an hour after its messages.
    subscriptions.contact(engine, **FORM, consent=True, address="10.0.0.2", now=start + dt.timedelta(minutes=20))
    subscriptions.contact(engine, **FORM, consent=True, address="10.0.0.1", now=start + dt.timedelta(minutes=61))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ContactMessage)).scalar_one() == 4
