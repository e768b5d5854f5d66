"""Sending letters through the configured SMTP server (SMTP_* settings); one place builds and sends them."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from etl import settings

TIMEOUT_SECONDS = 30


class MailNotConfigured(RuntimeError):
    """SMTP_HOST or SMTP_FROM is not set: no letter can be sent."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    user: str
    password: str
    sender: str
    starttls: bool

    @classmethod
    def from_env(cls) -> MailSettings:
        """The SMTP_* settings; MailNotConfigured when the server or the sender is missing."""
        host, sender = settings.get("SMTP_HOST").strip(), settings.get("SMTP_FROM").strip()
        if not host or not sender:
            raise MailNotConfigured("mail is not configured (SMTP_HOST and SMTP_FROM are needed)")
        try:
            port = int(settings.get("SMTP_PORT"))
        except ValueError as error:
            raise MailNotConfigured(f"SMTP_PORT is not a port number: {settings.get('SMTP_PORT')!r}") from error
        return cls(host, port, settings.get("SMTP_USER"), settings.get("SMTP_PASSWORD"), sender,
                   settings.get("SMTP_STARTTLS").strip() not in ("0", "false", "no", ""))


def configured() -> bool:
    try:
        MailSettings.from_env()
    except MailNotConfigured:
        return False
    return True


def message(to: str, subject: str, text: str, *, sender: str, headers: dict[str, str] | None = None,
            attachment: tuple[str, bytes, str] | None = None) -> EmailMessage:
    """A plain-text letter (UTF-8), with an optional attachment (filename, bytes, MIME type)."""
    letter = EmailMessage()
    letter["From"] = sender
    letter["To"] = to
    letter["Subject"] = subject
    letter["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    for name, value in (headers or {}).items():
        letter[name] = value
    letter.set_content(text)
    if attachment:
        name, data, mime = attachment
        maintype, _, subtype = mime.partition("/")
        letter.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return letter


@contextmanager
def connection(config: MailSettings | None = None) -> Iterator[smtplib.SMTP]:
    """One SMTP session (STARTTLS and login as configured), closed at the end."""
    config = config or MailSettings.from_env()
    with smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS) as smtp:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.user:
            smtp.login(config.user, config.password)
        yield smtp


def send(letter: EmailMessage, config: MailSettings | None = None) -> None:
    """Send one letter in its own session."""
    with connection(config) as smtp:
        smtp.send_message(letter)


def sender_address(config: MailSettings, name: str) -> str:
    return formataddr((name, config.sender)) if "<" not in config.sender else config.sender
