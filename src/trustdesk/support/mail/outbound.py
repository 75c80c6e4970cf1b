"""Replies from the desk: compose them threaded into the customer's mail, send over SMTP.

The subject gets one "Re: " and one ``[#TD-XXXXXX]`` token (however many the customer's
mail client stacked up), so the next reply finds its ticket; In-Reply-To and References
thread the reply in the customer's client; a bot reply says so (RFC 3834
``Auto-Submitted: auto-replied``) so that other robots do not answer it.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Literal

from trustdesk.core.errors import DomainError, InvalidInput
from trustdesk.settings import Settings

MAX_REFERENCES = 20  # the thread root plus the most recent; enough for any client to thread
_REPLY_PREFIX = re.compile(
    r"^\s*((re|aw|sv|antw|balas|回复|回覆|答复)(\s*\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE
)
_TICKET_TOKEN = re.compile(r"\s*\[#\s*TD-[0-9A-Z]{6}\s*\]\s*", re.IGNORECASE)
_REF = re.compile(r"TD-[0-9A-Z]{6}")
_MSG_ID = re.compile(r"<[^<>\s]{1,995}>")


class MailSendError(DomainError):
    code = "mail.send_failed"
    status = 502
    title = "Mail not sent"

    def __init__(self, message: str, *, smtp_code: int | None = None) -> None:
        super().__init__(message)
        self.smtp_code = smtp_code


def reply_subject(original: str, ticket_ref: str) -> str:
    """``Re: <original> [#TD-XXXXXX]``: one prefix, one token, whatever came in."""
    if _REF.fullmatch(ticket_ref) is None:
        raise InvalidInput("a ticket reference looks like TD-XXXXXX", field="ticket_ref")
    core = _TICKET_TOKEN.sub(" ", original)
    core = _REPLY_PREFIX.sub("", core)
    core = " ".join(core.split())
    return f"Re: {core} [#{ticket_ref}]" if core else f"Re: [#{ticket_ref}]"


def thread_references(references: Sequence[str], in_reply_to: str | None) -> list[str]:
    """The previous references plus the replied-to id, without repeats, trimmed to the
    thread root and the most recent ones."""
    ids = [r for r in dict.fromkeys([*references, *([in_reply_to] if in_reply_to else [])])]
    if any(_MSG_ID.fullmatch(i) is None for i in ids):
        raise InvalidInput("message ids look like <local@domain>", field="references")
    if in_reply_to is not None:  # the replied-to id goes last even if it came earlier
        ids = [i for i in ids if i != in_reply_to] + [in_reply_to]
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return ids


def compose_reply(
    *,
    desk_address: str,
    to: str,
    subject: str,
    ticket_ref: str,
    body: str,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    desk_name: str | None = None,
    to_name: str | None = None,
    bot: bool = False,
    now: datetime | None = None,
) -> EmailMessage:
    """A reply to the customer's last mail (``in_reply_to``, its ``references``)."""
    message = EmailMessage(policy=SMTP)
    sender = _address(desk_address, desk_name, "desk_address")
    message["From"] = sender
    message["To"] = _address(to, to_name, "to")
    message["Subject"] = reply_subject(subject, ticket_ref)
    message["Date"] = format_datetime((now or datetime.now(UTC)).astimezone(UTC))
    message["Message-ID"] = make_msgid(domain=sender.domain)
    refs = thread_references(references, in_reply_to)
    if in_reply_to is not None:
        message["In-Reply-To"] = in_reply_to
    if refs:
        message["References"] = " ".join(refs)
    if bot:
        message["Auto-Submitted"] = "auto-replied"
    if not body.strip():
        raise InvalidInput("the reply is empty", field="body")
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


def _address(addr_spec: str, name: str | None, field_name: str) -> Address:
    try:
        return Address(display_name=name or "", addr_spec=addr_spec)
    except (ValueError, IndexError) as exc:
        raise InvalidInput("not a usable e-mail address", field=field_name) from exc


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """The same relay the desk's other mail uses (TRUSTDESK_SMTP_*); None if unset."""
        if not settings.smtp_host:
            return None
        password = settings.smtp_password
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=password.get_secret_value() if password else None,
        )


def send_mail(message: EmailMessage, smtp: SmtpConfig) -> None:
    """Hand the message to the relay; a refusal raises MailSendError with the SMTP code."""
    context = smtp.ssl_context or ssl.create_default_context()
    try:
        client = (
            smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
            if smtp.security == "tls"
            else smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        )
        with client:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if smtp.username is not None and smtp.password is not None:
                client.login(smtp.username, smtp.password)
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailSendError("the mail server refused the recipient") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise MailSendError("the mail server refused our login", smtp_code=exc.smtp_code) from exc
    except smtplib.SMTPResponseException as exc:
        raise MailSendError(
            f"the mail server refused the message (SMTP {exc.smtp_code})", smtp_code=exc.smtp_code
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise MailSendError("the mail server does not offer STARTTLS or AUTH") from exc
    except ssl.SSLError as exc:  # before OSError, which it extends
        raise MailSendError("the TLS handshake with the mail server failed") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise MailSendError(f"the mail server could not be reached ({type(exc).__name__})") from exc
