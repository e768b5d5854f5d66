"""The monthly digest: `python -m dashboard.digest send --month YYYY-MM` mails the bulletin to every confirmed
subscriber, at most once per subscriber and month.

Each letter is claimed first (a `digest_sends` row, unique on subscriber and month, committed before the letter
goes), then marked sent once the server accepted it. A run stopped half way is resumed by running it again:
sent letters are skipped, letters the server refused ("failed") are tried again, and a letter whose claim has no
outcome (the process died while sending it) is not sent again, since it may have gone; it is reported.
"""

from __future__ import annotations

import argparse
import smtplib
import sys
from dataclasses import dataclass, field

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from dashboard import bulletin, mail
from dashboard.i18n import page_text
from dashboard.model.bulletin import BadMonth, parse_month
from dashboard.subscriptions import new_token, now_utc, unsubscribe_link
from etl import settings
from etl.schema import DigestSend, Subscriber

TEXT = {
    "subject": {"ru": "Бюллетень Атласа Калужского фармкластера: {month}",
                "en": "Kaluga Cluster Atlas bulletin: {month}"},
    "body": {"ru": "Здравствуйте!\n\nВо вложении — бюллетень Атласа Калужского фармкластера за {month}: ключевые "
                   "показатели Калужской области, инвестиции и продукция кластера, события месяца и источники всех "
                   "цифр.\n\nАтлас: {atlas}\n\nОтписаться (адрес будет удалён): {unsubscribe}\n",
             "en": "Hello,\n\nAttached is the Kaluga Cluster Atlas bulletin for {month}: Kaluga region's key figures, "
                   "the cluster's investment and products, the month's events and the sources of every figure."
                   "\n\nThe atlas: {atlas}\n\nUnsubscribe (the address will be deleted): {unsubscribe}\n"},
}
tx = page_text(TEXT)
# Errors that mean the server or the connection is gone: the run stops, the next run resumes.
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError)


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    already_sent: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # address, error
    unknown: list[str] = field(default_factory=list)  # claimed by a run that stopped while sending
    stopped: str | None = None  # why the run stopped early (the server went away)


def _claim(engine: Engine, subscriber_id: int, month: str, token_hash: str) -> str:
    """Claim the letter: "claimed", or the existing row's status ("sent", "pending") when it cannot be claimed."""
    now = now_utc()
    with engine.begin() as conn:
        row = conn.execute(select(DigestSend.id, DigestSend.status).where(
            DigestSend.subscriber_id == subscriber_id, DigestSend.month == month)).first()
        if row is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(DigestSend).values(subscriber_id=subscriber_id, month=month, status="pending",
                                                           unsubscribe_token_hash=token_hash, claimed_at=now))
            except IntegrityError:
                return "pending"  # another run claimed it in between
            return "claimed"
        if row.status != "failed":
            return row.status
        # Tried before and refused by the server: claim it again (only if still failed, so two runs cannot both).
        claimed = conn.execute(update(DigestSend).where(DigestSend.id == row.id, DigestSend.status == "failed")
                               .values(status="pending", unsubscribe_token_hash=token_hash, claimed_at=now,
                                       error=None)).rowcount
        return "claimed" if claimed == 1 else "pending"


def _finish(engine: Engine, subscriber_id: int, month: str, error: str | None) -> None:
    values = {"status": "failed", "error": error[:500]} if error else {"status": "sent", "sent_at": now_utc()}
    with engine.begin() as conn:
        conn.execute(update(DigestSend).where(DigestSend.subscriber_id == subscriber_id,
                                              DigestSend.month == month).values(**values))


def send_month(engine: Engine, month: str, config: mail.MailSettings | None = None) -> SendReport:
    """Send the bulletin for `month` to every confirmed subscriber who has not had it (BadMonth, bulletin.NoData,
    mail.MailNotConfigured before anything is sent)."""
    parse_month(month)
    config = config or mail.MailSettings.from_env()
    with engine.connect() as conn:
        subscribers = conn.execute(select(Subscriber.id, Subscriber.email, Subscriber.lang)
                                   .where(Subscriber.confirmed_at.is_not(None)).order_by(Subscriber.id)).all()
    pdfs: dict[str, bytes] = {}
    report = SendReport()
    if not subscribers:
        return report
    # Built before the first letter: a month without figures sends nothing.
    for lang in sorted({s.lang for s in subscribers}):
        pdfs[lang] = bulletin.build(engine, month, lang)
    with mail.connection(config) as smtp:
        for subscriber in subscribers:
            token, token_hash = new_token()
            state = _claim(engine, subscriber.id, month, token_hash)
            if state == "sent":
                report.already_sent += 1
                continue
            if state == "pending":
                report.unknown.append(subscriber.email)
                continue
            lang = subscriber.lang
            title = bulletin.month_title(month, lang)
            link = unsubscribe_link(token, lang)
            letter = mail.message(
                subscriber.email, tx("subject", lang, month=title),
                tx("body", lang, month=title, atlas=mail_public_url(lang), unsubscribe=link),
                sender=config.sender,
                headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
                attachment=(bulletin.filename(month, lang), pdfs[lang], "application/pdf"))
            try:
                smtp.send_message(letter)
            except (*CONNECTION_ERRORS, smtplib.SMTPException) as error:
                _finish(engine, subscriber.id, month, f"{error.__class__.__name__}: {error}")
                report.failed.append((subscriber.email, str(error)))
                # 421: the server is closing the session; otherwise only this address was refused.
                if isinstance(error, CONNECTION_ERRORS) or getattr(error, "smtp_code", None) == 421:
                    report.stopped = f"{error.__class__.__name__}: {error}"
                    break
                continue
            _finish(engine, subscriber.id, month, None)
            report.sent.append(subscriber.email)
    return report


def mail_public_url(lang: str) -> str:
    return f"{settings.get('PUBLIC_URL').rstrip('/')}/bulletin?lang={lang}"


def main(argv: list[str] | None = None) -> int:
    """Exit 0 every letter sent (or sent before); 1 some letters failed or the server went away (run again to
    resume); 2 bad input, a month without figures, or mail not configured (nothing sent)."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.digest",
                                     description="Send the monthly bulletin to the confirmed subscribers.")
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("send", help="send the bulletin of a month (resumable; never twice per subscriber)")
    send.add_argument("--month", required=True, help="the month, YYYY-MM")
    send.add_argument("--database-url", help="database (default: DATABASE_URL)")
    args = parser.parse_args(argv)
    from etl.db import make_engine

    try:
        report = send_month(make_engine(args.database_url), args.month.strip())
    except (BadMonth, bulletin.NoData, mail.MailNotConfigured) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"error: the database cannot be used: {error.__class__.__name__}: {str(error).splitlines()[0]}",
              file=sys.stderr)
        return 1
    except (smtplib.SMTPException, OSError) as error:
        print(f"error: the mail server cannot be reached: {error.__class__.__name__}: {error}", file=sys.stderr)
        return 1
    print(f"{args.month}: {len(report.sent)} sent, {report.already_sent} sent before, {len(report.failed)} failed, "
          f"{len(report.unknown)} of unknown outcome (not resent)")
    for address, error in report.failed:
        print(f"  failed: {address}: {error}")
    for address in report.unknown:
        print(f"  unknown outcome (a run stopped while sending; not resent): {address}")
    if report.stopped:
        print(f"stopped: {report.stopped}; run again to resume", file=sys.stderr)
    return 1 if report.failed or report.stopped else 0


if __name__ == "__main__":
    sys.exit(main())
