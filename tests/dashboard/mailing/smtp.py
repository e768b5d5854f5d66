"""A real SMTP server on loopback for the mail tests (aiosmtpd), and the settings that point the atlas at it."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """What the server received; `refuse` maps an address to an SMTP reply that refuses its letter."""

    letters: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_DATA(self, server, session, envelope) -> str:
        for address in envelope.rcpt_tos:
            if address in self.refuse:
                return self.refuse[address]
        self.letters.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.letters if m["To"] == address]

    def clear(self) -> None:
        self.letters.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """An aiosmtpd server on 127.0.0.1, with SMTP_* and PUBLIC_URL pointing at it (no TLS, no login)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_FROM", "atlas@atlas.test")
    monkeypatch.setenv("SMTP_STARTTLS", "0")
    monkeypatch.setenv("SMTP_USER", "")
    monkeypatch.setenv("PUBLIC_URL", "http://atlas.test")
    try:
        yield inbox
    finally:
        controller.stop()


def body(letter: EmailMessage) -> str:
    return letter.get_body(preferencelist=("plain",)).get_content()


def link(letter: EmailMessage, path: str) -> str:
    """The path and query of the first link to `path` in a letter's text ("/digest/confirm?token=...")."""
    match = re.search(r"http://atlas\.test(" + re.escape(path) + r"\?[^\s]+)", body(letter))
    assert match, f"no {path} link in the letter"
    return match.group(1)


def attachments(letter: EmailMessage) -> list[tuple[str, bytes]]:
    return [(part.get_filename(), part.get_content()) for part in letter.iter_attachments()]
