"""The digest subscription (double opt-in) and the investors' contact form: the one module that writes user data.

Figures never pass through here (the ETL is their one writer); this module keeps what a subscription or a
message needs and nothing more: the address, the language, which consent text was agreed to and when, when the
address was confirmed, and SHA-256 hashes of the tokens the letters carry. An unsubscribed address is deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import secrets
import smtplib
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Flask, Response, current_app, request
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from dashboard import mail
from dashboard.i18n import normalise_language, page_text
from etl import settings
from etl.schema import ContactMessage, DigestSend, Subscriber

# Bump when a consent text changes: each subscriber and message records the version agreed to.
CONSENT_VERSION = "2026-11"
# A pending address gets at most one confirmation letter in this long (a form sent again does not spam it).
RESEND_AFTER = dt.timedelta(minutes=10)
RATE_WINDOW = dt.timedelta(hours=1)
EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")
MAX_MESSAGE = 5000

TEXT = {
    "consent": {"ru": "Я согласен(на) на обработку моего адреса электронной почты и выбранного языка для "
                      "ежемесячной рассылки Атласа Калужского фармкластера. Храним только адрес, язык, время "
                      "согласия и подтверждения; отписаться можно по ссылке в каждом письме, после чего адрес "
                      "удаляется.",
                "en": "I agree to the processing of my email address and chosen language to receive the Kaluga "
                      "Cluster Atlas monthly digest. Only the address, the language and the times of consent and "
                      "confirmation are kept; every letter has an unsubscribe link, after which the address is "
                      "deleted."},
    "contact_consent": {"ru": "Я согласен(на) на хранение моего сообщения, имени и адреса для ответа на него; "
                              "сообщение может быть переслано ответственному сотруднику по электронной почте.",
                        "en": "I agree that my message, name and address are kept in order to answer it; the message "
                              "may be forwarded by email to the person responsible."},
    "confirm_subject": {"ru": "Подтвердите подписку на бюллетень Атласа Калужского фармкластера",
                        "en": "Confirm your subscription to the Kaluga Cluster Atlas bulletin"},
    "confirm_body": {"ru": "Здравствуйте!\n\nКто-то (надеемся, вы) подписал адрес {email} на ежемесячный бюллетень "
                           "Атласа Калужского фармкластера.\n\nЧтобы подтвердить подписку, откройте ссылку:\n"
                           "{confirm}\n\nЕсли вы не подписывались, ничего не делайте: без подтверждения писем не "
                           "будет. Удалить адрес сразу: {unsubscribe}\n\nВы согласились с текстом:\n«{consent}»\n",
                     "en": "Hello,\n\nSomeone (we hope you) subscribed {email} to the Kaluga Cluster Atlas monthly "
                           "bulletin.\n\nTo confirm the subscription, open this link:\n{confirm}\n\nIf it was not "
                           "you, do nothing: without confirmation no letters are sent. To delete the address now: "
                           "{unsubscribe}\n\nYou agreed to this text:\n“{consent}”\n"},
    "contact_subject": {"ru": "Атлас: сообщение от {name}", "en": "Atlas: message from {name}"},
    "contact_body": {"ru": "Сообщение с формы «Контакт для инвесторов»\n\nИмя: {name}\nАдрес: {email}\n"
                           "Организация: {organisation}\nЯзык: {lang}\nСогласие: {consented} (версия {version})\n\n"
                           "{message}\n",
                     "en": "Message from the investors' contact form\n\nName: {name}\nAddress: {email}\n"
                           "Organisation: {organisation}\nLanguage: {lang}\nConsent: {consented} (version {version})"
                           "\n\n{message}\n"},
    # The pages the letters' links open.
    "confirm_title": {"ru": "Подтверждение подписки", "en": "Confirm the subscription"},
    "confirm_ask": {"ru": "Нажмите кнопку, чтобы подтвердить подписку на ежемесячный бюллетень.",
                    "en": "Press the button to confirm your subscription to the monthly bulletin."},
    "confirm_button": {"ru": "Подтвердить подписку", "en": "Confirm the subscription"},
    "confirmed": {"ru": "Подписка подтверждена: бюллетень будет приходить раз в месяц. Отписаться можно по ссылке в "
                        "каждом письме.",
                  "en": "Subscription confirmed: the bulletin will come once a month. Every letter has an "
                        "unsubscribe link."},
    "already_confirmed": {"ru": "Эта подписка уже подтверждена.", "en": "This subscription is already confirmed."},
    "bad_confirm": {"ru": "Ссылка недействительна: подписка не найдена (возможно, адрес уже удалён). Подпишитесь "
                          "заново на странице подписки.",
                    "en": "This link is not valid: no such subscription (the address may have been deleted). "
                          "Subscribe again on the subscription page."},
    "unsubscribe_title": {"ru": "Отписка от бюллетеня", "en": "Unsubscribe from the bulletin"},
    "unsubscribe_ask": {"ru": "Нажмите кнопку, чтобы отписаться: адрес будет удалён из базы.",
                        "en": "Press the button to unsubscribe: the address will be deleted."},
    "unsubscribe_button": {"ru": "Отписаться", "en": "Unsubscribe"},
    "unsubscribed": {"ru": "Вы отписаны, адрес удалён. Писем больше не будет.",
                     "en": "You are unsubscribed and the address is deleted. No more letters will come."},
    "bad_unsubscribe": {"ru": "Ссылка недействительна или адрес уже удалён: писем по ней больше не будет.",
                        "en": "This link is not valid or the address is already deleted: no letters will come."},
    "back": {"ru": "На главную страницу атласа", "en": "Back to the atlas"},
    "unavailable": {"ru": "База данных сейчас недоступна. Попробуйте позже.",
                    "en": "The database cannot be reached right now. Please try later."},
}
tx = page_text(TEXT)


# --- errors a form shows --------------------------------------------------------------------------------------


class FormError(ValueError):
    """A refusal the form shows as is: `key` names its text (the page translates it), `field` the input."""

    def __init__(self, key: str, field: str | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.field = field


def now_utc() -> dt.datetime:
    """Naive UTC, as every timestamp in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A random URL-safe token and its hash (only the hash is stored)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def clean_email(text: object) -> str:
    """The address as typed, trimmed, with its domain in lower case; FormError("email_invalid") otherwise."""
    email = str(text or "").strip()
    if not email or len(email) > 320 or not EMAIL.match(email):
        raise FormError("email_invalid", "email")
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def public_link(path: str, **params: str) -> str:
    base = settings.get("PUBLIC_URL").rstrip("/")
    return f"{base}{path}?{urlencode(params)}"


def confirm_link(token: str, lang: str) -> str:
    return public_link("/digest/confirm", token=token, lang=lang)


def unsubscribe_link(token: str, lang: str) -> str:
    return public_link("/digest/unsubscribe", token=token, lang=lang)


# --- subscribing ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscribeResult:
    # sent: a confirmation letter went out; throttled: one went out minutes ago; confirmed: already subscribed
    outcome: str


def subscribe(engine: Engine, email: object, lang: str | None, consent: bool,
              now: dt.datetime | None = None) -> SubscribeResult:
    """Record a subscription and send its confirmation letter; nothing is stored without consent, and nothing is
    kept when the letter cannot be sent (the row is written in the transaction the letter is sent in)."""
    if not consent:
        raise FormError("consent_required", "consent")
    email = clean_email(email)
    lang = normalise_language(lang)
    try:
        config = mail.MailSettings.from_env()
    except mail.MailNotConfigured as error:
        raise FormError("mail_unavailable") from error
    now = now or now_utc()
    confirm_token, confirm_hash = new_token()
    unsubscribe_token, unsubscribe_hash = new_token()
    fields = {"lang": lang, "consent_version": CONSENT_VERSION, "consented_at": now,
              "confirm_token_hash": confirm_hash, "unsubscribe_token_hash": unsubscribe_hash}
    try:
        return _subscribe(engine, email, lang, fields, config, confirm_token, unsubscribe_token, now)
    except IntegrityError:  # the same address sent twice at once: the other request's letter is on its way
        return SubscribeResult("throttled")


def _subscribe(engine: Engine, email: str, lang: str, fields: dict, config: mail.MailSettings, confirm_token: str,
               unsubscribe_token: str, now: dt.datetime) -> SubscribeResult:
    with engine.begin() as conn:
        existing = conn.execute(select(Subscriber.id, Subscriber.confirmed_at, Subscriber.consented_at)
                                .where(func.lower(Subscriber.email) == email.lower())).first()
        if existing is not None and existing.confirmed_at is not None:
            return SubscribeResult("confirmed")  # the form says the same as for a new address
        if existing is not None and now - existing.consented_at < RESEND_AFTER:
            return SubscribeResult("throttled")
        if existing is None:
            conn.execute(insert(Subscriber).values(email=email, **fields))
        else:
            conn.execute(update(Subscriber).where(Subscriber.id == existing.id).values(**fields))
        letter = mail.message(email, tx("confirm_subject", lang),
                              tx("confirm_body", lang, email=email, confirm=confirm_link(confirm_token, lang),
                                 unsubscribe=unsubscribe_link(unsubscribe_token, lang), consent=tx("consent", lang)),
                              sender=config.sender, headers=_unsubscribe_headers(unsubscribe_token, lang))
        try:
            mail.send(letter, config)
        except (smtplib.SMTPException, OSError) as error:
            raise FormError("mail_failed") from error  # the transaction rolls back: nothing is kept
    return SubscribeResult("sent")


def _unsubscribe_headers(token: str, lang: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058: mail programs show an unsubscribe button that posts to the link."""
    return {"List-Unsubscribe": f"<{unsubscribe_link(token, lang)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def confirm(engine: Engine, token: str | None, now: dt.datetime | None = None) -> str:
    """"confirmed", "already" (confirmed before) or "unknown" (no such token)."""
    if not token:
        return "unknown"
    digest = hash_token(token)
    with engine.begin() as conn:
        row = conn.execute(select(Subscriber.id, Subscriber.confirmed_at)
                           .where(Subscriber.confirm_token_hash == digest)).first()
        if row is None:
            return "unknown"
        if row.confirmed_at is not None:
            return "already"
        conn.execute(update(Subscriber).where(Subscriber.id == row.id).values(confirmed_at=now or now_utc()))
    return "confirmed"


def unsubscribe(engine: Engine, token: str | None) -> str:
    """Delete the subscriber the token belongs to (a confirmation letter's or a digest letter's):
    "unsubscribed" or "unknown"."""
    if not token:
        return "unknown"
    digest = hash_token(token)
    with engine.begin() as conn:
        subscriber_id = conn.execute(select(Subscriber.id).where(Subscriber.unsubscribe_token_hash == digest)
                                     ).scalar_one_or_none()
        if subscriber_id is None:
            subscriber_id = conn.execute(select(DigestSend.subscriber_id)
                                         .where(DigestSend.unsubscribe_token_hash == digest)).scalar_one_or_none()
        if subscriber_id is None:
            return "unknown"
        conn.execute(delete(DigestSend).where(DigestSend.subscriber_id == subscriber_id))
        conn.execute(delete(Subscriber).where(Subscriber.id == subscriber_id))
    return "unsubscribed"


# --- the contact form -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactResult:
    message_id: int
    forwarded: bool


def ip_hash(address: str | None) -> str:
    return hash_token(f"contact:{address or 'unknown'}")


def contact(engine: Engine, *, name: object, email: object, organisation: object, message: object,
            lang: str | None, consent: bool, address: str | None, now: dt.datetime | None = None) -> ContactResult:
    """Store a message (with consent only), within the per-address rate limit, and forward it when mail and
    CONTACT_TO are set. A forwarding failure is recorded with the message; the message is kept either way."""
    if not consent:
        raise FormError("consent_required", "consent")
    name_text = str(name or "").strip()
    if not name_text or len(name_text) > 200:
        raise FormError("name_required", "name")
    email_text = clean_email(email)
    organisation_text = str(organisation or "").strip()[:300] or None
    body = str(message or "").strip()
    if not body:
        raise FormError("message_required", "message")
    if len(body) > MAX_MESSAGE:
        raise FormError("message_too_long", "message")
    lang = normalise_language(lang)
    now = now or now_utc()
    limit = int(settings.get("CONTACT_RATE_LIMIT"))
    sender = ip_hash(address)
    with engine.begin() as conn:
        recent = conn.execute(select(func.count()).select_from(ContactMessage).where(
            ContactMessage.ip_hash == sender, ContactMessage.created_at > now - RATE_WINDOW)).scalar_one()
        if recent >= limit:
            raise FormError("rate_limited")
        message_id = conn.execute(insert(ContactMessage).values(
            name=name_text, email=email_text, organisation=organisation_text, message=body, lang=lang,
            consent_version=CONSENT_VERSION, consented_at=now, created_at=now, ip_hash=sender)
            .returning(ContactMessage.id)).scalar_one()
    forwarded = _forward(engine, message_id, name_text, email_text, organisation_text, body, lang, now)
    return ContactResult(message_id, forwarded)


def _forward(engine: Engine, message_id: int, name: str, email: str, organisation: str | None, body: str,
             lang: str, now: dt.datetime) -> bool:
    to = settings.get("CONTACT_TO").strip()
    if not to or not mail.configured():
        return False
    config = mail.MailSettings.from_env()
    letter = mail.message(to, tx("contact_subject", lang, name=name),
                          tx("contact_body", lang, name=name, email=email, organisation=organisation or "—",
                             lang=lang, consented=now.isoformat(timespec="seconds") + "Z", version=CONSENT_VERSION,
                             message=body),
                          sender=config.sender, headers={"Reply-To": email})
    try:
        mail.send(letter, config)
    except (smtplib.SMTPException, OSError) as error:
        with engine.begin() as conn:
            conn.execute(update(ContactMessage).where(ContactMessage.id == message_id)
                         .values(forward_error=f"{error.__class__.__name__}: {error}"[:500]))
        return False
    with engine.begin() as conn:
        conn.execute(update(ContactMessage).where(ContactMessage.id == message_id).values(forwarded_at=now_utc()))
    return True


# --- the pages the letters' links open ------------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d2733}}
h1{{font-size:1.4rem}}button{{font:inherit;padding:.5rem 1rem;background:#1f5f8b;color:#fff;border:0;
border-radius:4px;cursor:pointer}}button:focus{{outline:3px solid #f0b429}}.note{{padding:.75rem;border-radius:4px;
background:#eef4f8}}</style></head>
<body><main><h1>{title}</h1>{body}<p><a href="/?lang={lang}">{back}</a></p></main></body></html>"""


def _page(lang: str, title_key: str, body: str, status: int = 200) -> Response:
    text = _PAGE.format(lang=lang, title=html.escape(tx(title_key, lang)), body=body,
                        back=html.escape(tx("back", lang)))
    return Response(text, status=status, mimetype="text/html",
                    headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"})


def _note(text: str, role: str = "status") -> str:
    return f'<p class="note" role="{role}" id="digest-result">{html.escape(text)}</p>'


def _ask(lang: str, action: str, token: str, ask_key: str, button_key: str) -> str:
    # A button, not an action on GET: mail scanners that open links must not confirm or unsubscribe anyone.
    return (f"<p>{html.escape(tx(ask_key, lang))}</p>"
            f'<form method="post" action="{action}?lang={lang}"><input type="hidden" name="token" '
            f'value="{html.escape(token)}"><button type="submit" id="digest-submit">'
            f"{html.escape(tx(button_key, lang))}</button></form>")


def register(server: Flask) -> None:
    """The confirmation and unsubscribe links' pages (no login: the token in the link is the proof)."""
    from dashboard.components import DATABASE_DOWN
    from dashboard.queries import ENGINE_KEY

    def engine() -> Engine:
        return current_app.extensions[ENGINE_KEY]

    def lang() -> str:
        return normalise_language(request.args.get("lang"))

    def token() -> str:
        return (request.form.get("token") or request.args.get("token") or "").strip()

    @server.route("/digest/confirm", methods=["GET", "POST"])
    def digest_confirm():
        language = lang()
        if request.method == "GET":
            if not token():
                return _page(language, "confirm_title", _note(tx("bad_confirm", language), "alert"), 404)
            return _page(language, "confirm_title", _ask(language, "/digest/confirm", token(), "confirm_ask",
                                                         "confirm_button"))
        try:
            outcome = confirm(engine(), token())
        except DATABASE_DOWN:
            return _page(language, "confirm_title", _note(tx("unavailable", language), "alert"), 503)
        key = {"confirmed": "confirmed", "already": "already_confirmed"}.get(outcome, "bad_confirm")
        return _page(language, "confirm_title", _note(tx(key, language), "status" if outcome != "unknown" else "alert"),
                     200 if outcome != "unknown" else 404)

    @server.route("/digest/unsubscribe", methods=["GET", "POST"])
    def digest_unsubscribe():
        language = lang()
        if request.method == "GET":
            if not token():
                return _page(language, "unsubscribe_title", _note(tx("bad_unsubscribe", language), "alert"), 404)
            return _page(language, "unsubscribe_title", _ask(language, "/digest/unsubscribe", token(),
                                                             "unsubscribe_ask", "unsubscribe_button"))
        try:
            outcome = unsubscribe(engine(), token())
        except DATABASE_DOWN:
            return _page(language, "unsubscribe_title", _note(tx("unavailable", language), "alert"), 503)
        # An unknown token is said, but with 200: a mail program's one-click POST must not be retried forever.
        key = "unsubscribed" if outcome == "unsubscribed" else "bad_unsubscribe"
        return _page(language, "unsubscribe_title", _note(tx(key, language)))
