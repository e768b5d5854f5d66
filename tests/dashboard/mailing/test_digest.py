"""The digest end to end against a real SMTP server on loopback (aiosmtpd): subscribe with consent, confirm by the
letter's link, send the bulletin, never twice, unsubscribe by any letter's link, resume after a failure mid-run.
On SQLite and PostgreSQL, over SYNTHETIC bulletin figures (tests/dashboard/bulletin_fixtures.py)."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader
from sqlalchemy import func, insert, select

from dashboard import digest, subscriptions
from dashboard.app import create_app
from dashboard.subscriptions import FormError, hash_token
from etl.schema import DigestSend, Subscriber
from tests.dashboard.mailing.bulletin_fixtures import MONTH
from tests.dashboard.mailing.smtp import attachments, link


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def subscribers(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        return {r.email: r for r in conn.execute(select(Subscriber)).all()}


def sends(engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        rows = conn.execute(select(Subscriber.email, DigestSend.month, DigestSend.status)
                            .join(Subscriber, Subscriber.id == DigestSend.subscriber_id)).all()
    return {(email, month): status for email, month, status in rows}


@pytest.fixture
def client(bulletin_engine):
    """The real app over the synthetic database; its routes answer the letters' links."""
    return create_app(bulletin_engine, {"CACHE_TYPE": "SimpleCache"}).server.test_client()


def follow(client, path: str, expect: str) -> None:
    """Open a letter's link (a page with a button), then press the button (POST), as a reader would."""
    page = client.get(path)
    assert page.status_code == 200 and b'method="post"' in page.data
    token = parse_qs(urlsplit(path).query)["token"][0]
    lang = parse_qs(urlsplit(path).query)["lang"][0]
    done = client.post(f"{urlsplit(path).path}?lang={lang}", data={"token": token})
    assert expect in done.get_data(as_text=True)


def subscribe_and_confirm(engine, client, inbox, address: str, lang: str = "en") -> None:
    subscriptions.subscribe(engine, address, lang, consent=True)
    letter = inbox.to(address)[-1]
    expected = {"en": "Subscription confirmed", "ru": "Подписка подтверждена"}[lang]
    follow(client, link(letter, "/digest/confirm"), expected)


def test_nothing_is_stored_without_consent_or_with_a_bad_address(bulletin_engine, smtp_server) -> None:
    with pytest.raises(FormError) as refused:
        subscriptions.subscribe(bulletin_engine, "a@example.test", "en", consent=False)
    assert refused.value.key == "consent_required"
    with pytest.raises(FormError) as bad:
        subscriptions.subscribe(bulletin_engine, "not an address", "en", consent=True)
    assert bad.value.key == "email_invalid"
    assert count(bulletin_engine, Subscriber) == 0 and smtp_server.letters == []


def test_no_mail_configured_means_nothing_stored(bulletin_engine, monkeypatch) -> None:
    monkeypatch.setenv("SMTP_HOST", "")
    with pytest.raises(FormError) as refused:
        subscriptions.subscribe(bulletin_engine, "a@example.test", "en", consent=True)
    assert refused.value.key == "mail_unavailable" and count(bulletin_engine, Subscriber) == 0


def test_a_letter_that_cannot_be_sent_leaves_nothing_stored(bulletin_engine, smtp_server) -> None:
    smtp_server.refuse["a@example.test"] = "554 no such mailbox"
    with pytest.raises(FormError) as failed:
        subscriptions.subscribe(bulletin_engine, "a@example.test", "en", consent=True)
    assert failed.value.key == "mail_failed" and count(bulletin_engine, Subscriber) == 0


def test_subscribe_confirm_send_once_unsubscribe(bulletin_engine, client, smtp_server) -> None:
    engine, inbox = bulletin_engine, smtp_server
    subscribe_and_confirm(engine, client, inbox, "anna@example.test", "ru")
    subscribe_and_confirm(engine, client, inbox, "bob@example.test", "en")
    subscriptions.subscribe(engine, "carol@example.test", "en", consent=True)  # never confirmed
    rows = subscribers(engine)
    # Only what is needed, tokens as hashes: the letter's token is not in the database.
    confirm_token = parse_qs(urlsplit(link(inbox.to("bob@example.test")[0], "/digest/confirm")).query)["token"][0]
    assert rows["bob@example.test"].confirm_token_hash == hash_token(confirm_token) != confirm_token
    assert rows["bob@example.test"].confirmed_at is not None and rows["carol@example.test"].confirmed_at is None
    assert rows["anna@example.test"].lang == "ru" and rows["anna@example.test"].consent_version
    # A confirmation link followed again says so; a made-up one is refused.
    follow(client, link(inbox.to("bob@example.test")[0], "/digest/confirm"), "already confirmed")
    assert client.post("/digest/confirm?lang=en", data={"token": "made-up"}).status_code == 404

    inbox.clear()
    report = digest.send_month(engine, MONTH)
    assert sorted(report.sent) == ["anna@example.test", "bob@example.test"] and not report.failed
    assert sorted(m["To"] for m in inbox.letters) == ["anna@example.test", "bob@example.test"]
    letter = inbox.to("bob@example.test")[0]
    assert letter["Subject"] == "Kaluga Cluster Atlas bulletin: December 2015"
    (name, pdf), = attachments(letter)
    assert name == "kaluga-bulletin-2015-12-en.pdf" and pdf.startswith(b"%PDF")
    assert "35,000" in PdfReader(io.BytesIO(pdf)).pages[1].extract_text()
    assert "http://atlas.test/digest/unsubscribe?" in letter["List-Unsubscribe"]
    assert inbox.to("anna@example.test")[0]["Subject"] == "Бюллетень Атласа Калужского фармкластера: декабрь 2015"
    assert sends(engine) == {("anna@example.test", MONTH): "sent", ("bob@example.test", MONTH): "sent"}

    # Run again: nobody gets the month twice.
    inbox.clear()
    again = digest.send_month(engine, MONTH)
    assert again.sent == [] and again.already_sent == 2 and inbox.letters == []

    # Unsubscribe with the digest letter's link, no login: the address is deleted and gets nothing more.
    follow(client, link(letter, "/digest/unsubscribe"), "You are unsubscribed")
    assert "bob@example.test" not in subscribers(engine)
    follow(client, link(letter, "/digest/unsubscribe"), "not valid or the address is already deleted")
    inbox.clear()
    report = digest.send_month(engine, "2015-11")
    assert report.sent == ["anna@example.test"] and [m["To"] for m in inbox.letters] == ["anna@example.test"]


def test_one_click_unsubscribe_from_the_confirmation_letter(bulletin_engine, client, smtp_server) -> None:
    subscriptions.subscribe(bulletin_engine, "dora@example.test", "en", consent=True)
    letter = smtp_server.to("dora@example.test")[0]
    header = letter["List-Unsubscribe"].strip("<>")
    assert header.startswith("http://atlas.test/digest/unsubscribe?")
    # What a mail program sends (RFC 8058): a POST to the header's address with this body.
    path = header.removeprefix("http://atlas.test")
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and "You are unsubscribed" in answer.get_data(as_text=True)
    assert count(bulletin_engine, Subscriber) == 0


def test_a_second_form_within_minutes_sends_no_second_letter(bulletin_engine, smtp_server) -> None:
    assert subscriptions.subscribe(bulletin_engine, "eve@example.test", "en", True).outcome == "sent"
    assert subscriptions.subscribe(bulletin_engine, "EVE@example.test", "en", True).outcome == "throttled"
    assert len(smtp_server.letters) == 1 and count(bulletin_engine, Subscriber) == 1
    later = subscriptions.now_utc() + dt.timedelta(minutes=11)
    assert subscriptions.subscribe(bulletin_engine, "eve@example.test", "ru", True, now=later).outcome == "sent"
    assert len(smtp_server.letters) == 2 and subscribers(bulletin_engine)["eve@example.test"].lang == "ru"


def test_resumes_after_a_failure_mid_run(bulletin_engine, client, smtp_server) -> None:
    engine, inbox = bulletin_engine, smtp_server
    for address in ("a1@example.test", "a2@example.test", "a3@example.test", "a4@example.test"):
        subscribe_and_confirm(engine, client, inbox, address)
    inbox.clear()
    # The server refuses a2's letter, then closes the connection on a3's (421): the run stops there.
    inbox.refuse = {"a2@example.test": "554 mailbox unavailable", "a3@example.test": "421 closing"}
    first = digest.send_month(engine, MONTH)
    assert first.sent == ["a1@example.test"] and [a for a, _ in first.failed] == ["a2@example.test",
                                                                                    "a3@example.test"]
    assert first.stopped
    assert sends(engine) == {("a1@example.test", MONTH): "sent", ("a2@example.test", MONTH): "failed",
                             ("a3@example.test", MONTH): "failed"}
    # The server is back: the next run sends the failed and the untried letters, and a1's not again.
    inbox.refuse = {}
    inbox.clear()
    second = digest.send_month(engine, MONTH)
    assert sorted(second.sent) == ["a2@example.test", "a3@example.test", "a4@example.test"]
    assert second.already_sent == 1 and sorted(m["To"] for m in inbox.letters) == sorted(second.sent)


def test_a_letter_of_unknown_outcome_is_not_resent(bulletin_engine, client, smtp_server) -> None:
    subscribe_and_confirm(bulletin_engine, client, smtp_server, "p@example.test")
    with bulletin_engine.begin() as conn:
        subscriber_id = conn.execute(select(Subscriber.id)).scalar_one()
        # A run that died while sending: its claim has no outcome.
        conn.execute(insert(DigestSend).values(subscriber_id=subscriber_id, month=MONTH, status="pending",
                                               claimed_at=dt.datetime(2026, 1, 1)))
    smtp_server.clear()
    report = digest.send_month(bulletin_engine, MONTH)
    assert report.unknown == ["p@example.test"] and report.sent == [] and smtp_server.letters == []


def test_cli(bulletin_engine, client, smtp_server, monkeypatch, capsys) -> None:
    url = bulletin_engine.url.render_as_string(hide_password=False)
    subscribe_and_confirm(bulletin_engine, client, smtp_server, "cli@example.test")
    smtp_server.clear()
    if bulletin_engine.dialect.name == "postgresql":
        # The test's own schema (tests.fixtures.backend_engine): the CLI's engine gets it the same way.
        pytest.skip("the CLI is run against SQLite; send_month is tested on PostgreSQL above")
    assert digest.main(["send", "--month", MONTH, "--database-url", url]) == 0
    assert "1 sent, 0 sent before, 0 failed" in capsys.readouterr().out
    assert digest.main(["send", "--month", MONTH, "--database-url", url]) == 0
    assert "0 sent, 1 sent before" in capsys.readouterr().out
    assert len(smtp_server.letters) == 1
    assert digest.main(["send", "--month", "2015-13", "--database-url", url]) == 2
    assert digest.main(["send", "--month", "2016-01", "--database-url", url]) == 2  # no figures: nothing sent
    monkeypatch.setenv("SMTP_HOST", "")
    assert digest.main(["send", "--month", "2015-11", "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert "not a month" in err and "no monthly figures" in err and "mail is not configured" in err
    assert "Traceback" not in err and len(smtp_server.letters) == 1


def test_an_address_already_confirmed_gets_no_new_letter(bulletin_engine, client, smtp_server) -> None:
    subscribe_and_confirm(bulletin_engine, client, smtp_server, "kept@example.test")
    smtp_server.clear()
    later = subscriptions.now_utc() + dt.timedelta(hours=1)
    assert subscriptions.subscribe(bulletin_engine, "kept@example.test", "en", True, now=later).outcome == "confirmed"
    assert smtp_server.letters == [] and subscribers(bulletin_engine)["kept@example.test"].confirmed_at is not None


def test_no_subscribers_no_connection(bulletin_engine, monkeypatch) -> None:
    from tests.dashboard.mailing.smtp import free_port

    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nothing listens: a connection would fail
    monkeypatch.setenv("SMTP_FROM", "atlas@atlas.test")
    report = digest.send_month(bulletin_engine, MONTH)
    assert report.sent == [] and report.failed == [] and report.stopped is None
