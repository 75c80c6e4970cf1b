"""Channel adapters that deliver one-time codes and notices: SMTP, Twilio SMS, a file outbox.

Every message is validated when it is built (address or E.164 number, no CR/LF in headers),
so no adapter can be talked into header injection. Errors never carry the message text,
which may hold a code, nor a provider's free-text answer, which may echo it.
"""

from __future__ import annotations

import json
import os
import re
import smtplib
import ssl
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Literal, Protocol

import httpx

from trustdesk.core.clock import Clock, SystemClock
from trustdesk.core.errors import DomainError, InvalidInput
from trustdesk.core.ids import new_id

Channel = Literal["email", "sms"]
CHANNELS: frozenset[str] = frozenset({"email", "sms"})
SMS_MAX_CHARS = 1600  # Twilio's limit for one message body

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>(?:{_LABEL}\.)+{_LABEL})")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# An alphanumeric SMS "From" (up to 11 characters, at least one letter), used in many countries.
_SENDER_ID = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")
_PURPOSE = re.compile(r"[a-z][a-z0-9_.-]{0,63}")


class DeliveryError(DomainError):
    """A channel could not deliver; ``provider_code`` is the provider's error code, if any."""

    code = "auth.delivery_failed"
    status = 502
    title = "Delivery failed"

    def __init__(self, message: str, *, provider_code: str | None = None) -> None:
        super().__init__(message)
        self.provider_code = provider_code


def validate_email(address: str, *, field: str = "to") -> str:
    """An ASCII address ``local@domain.tld``; internationalized addresses are refused."""
    match = _EMAIL.fullmatch(address)
    if (
        match is None
        or len(address) > 254
        or len(match["local"]) > 64
        or match["domain"].rsplit(".", 1)[1].isdigit()
    ):
        raise InvalidInput("not a valid email address", field=field)
    return address


def validate_e164(number: str, *, field: str = "to") -> str:
    """A phone number in E.164 form: ``+`` then up to 15 digits, no spaces."""
    if _E164.fullmatch(number) is None:
        raise InvalidInput(
            "a phone number must be in international form, like +6281234567890", field=field
        )
    return number


@dataclass(frozen=True)
class OutboundMessage:
    channel: Channel
    to: str
    subject: str
    text: str
    purpose: str  # a short tag such as "otp" or "notice", for routing and audit

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise InvalidInput("channel must be 'email' or 'sms'", field="channel")
        if self.channel == "email":
            validate_email(self.to)
        else:
            validate_e164(self.to)
        if _has_control(self.subject):
            raise InvalidInput("the subject must be one line of text", field="subject")
        if self.channel == "email" and not self.subject.strip():
            raise InvalidInput("an email needs a subject", field="subject")
        if not self.text.strip():
            raise InvalidInput("the message text is empty", field="text")
        if self.channel == "sms" and len(self.text) > SMS_MAX_CHARS:
            raise InvalidInput(f"an SMS holds at most {SMS_MAX_CHARS} characters", field="text")
        if _PURPOSE.fullmatch(self.purpose) is None:
            raise InvalidInput("purpose must be a short lowercase tag", field="purpose")


class Sender(Protocol):
    def send(self, message: OutboundMessage) -> None: ...


class SmtpSender:
    """Email over SMTP with the standard library; ``security`` is "tls" (implicit TLS,
    usually port 465), "starttls" (usually 587) or "none" (a local relay only)."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        security: Literal["none", "starttls", "tls"] = "starttls",
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        if security not in {"none", "starttls", "tls"}:
            raise ValueError("security must be 'none', 'starttls' or 'tls'")
        if (username is None) != (password is None):
            raise ValueError("give both an SMTP username and password, or neither")
        self.host, self.port = host, port
        self.sender = validate_email(sender, field="sender")
        self.security = security
        self.timeout = timeout
        self._username, self._password = username, password
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._local_hostname = local_hostname
        self._clock = clock or SystemClock()

    def compose(self, message: OutboundMessage) -> EmailMessage:
        """The RFC 5322 message; non-ASCII subjects and bodies are encoded as UTF-8."""
        if message.channel != "email":
            raise ValueError("SmtpSender only delivers email")
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = format_datetime(self._clock.now().astimezone(UTC))
        email["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[1])
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        # Quoted-printable is 7-bit clean (no reliance on 8BITMIME) and keeps ASCII readable.
        email.set_content(message.text, cte="quoted-printable")
        return email

    def send(self, message: OutboundMessage) -> None:
        email = self.compose(message)
        try:
            with self._connect() as smtp:
                if self.security == "starttls":
                    smtp.starttls(context=self._ssl_context)
                if self._username is not None and self._password is not None:
                    smtp.login(self._username, self._password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError("the mail server refused the recipient") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError("the mail server refused our login") from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"the mail server refused the message (SMTP {exc.smtp_code})",
                provider_code=str(exc.smtp_code),
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError("the mail server does not offer STARTTLS or AUTH") from exc
        except ssl.SSLError as exc:  # before OSError, which it extends
            raise DeliveryError("the TLS handshake with the mail server failed") from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise DeliveryError("the mail server could not be reached") from exc
        except smtplib.SMTPException as exc:
            raise DeliveryError("the conversation with the mail server failed") from exc

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self._local_hostname,
                timeout=self.timeout,
                context=self._ssl_context,
            )
        return smtplib.SMTP(
            self.host, self.port, local_hostname=self._local_hostname, timeout=self.timeout
        )


class TwilioSmsSender:
    """SMS through Twilio's Messages API (form POST, HTTP basic auth with SID and token)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        base_url: str = "https://api.twilio.com",
        timeout: float = 10.0,
    ) -> None:
        if not account_sid.isascii() or not account_sid.isalnum():
            raise ValueError("a Twilio account SID is letters and digits only")
        if _E164.fullmatch(from_number) is None and _SENDER_ID.fullmatch(from_number) is None:
            raise ValueError("the SMS sender must be an E.164 number or an alphanumeric ID")
        self.account_sid = account_sid
        self.from_number = from_number
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.timeout = timeout
        self._auth = httpx.BasicAuth(account_sid, auth_token)

    def send(self, message: OutboundMessage) -> None:
        if message.channel != "sms":
            raise ValueError("TwilioSmsSender only delivers SMS")
        form = {"To": message.to, "From": self.from_number, "Body": message.text}
        try:
            with httpx.Client(timeout=self.timeout) as client:
                response = client.post(self.url, data=form, auth=self._auth)
        except httpx.HTTPError as exc:
            raise DeliveryError("the SMS provider could not be reached") from exc
        if not response.is_success:
            code = _twilio_error_code(response)
            detail = f", provider error {code}" if code else ""
            raise DeliveryError(
                f"the SMS provider refused the message (HTTP {response.status_code}{detail})",
                provider_code=code,
            )


class FileOutbox:
    """Development outbox: each message becomes ``<utc-time>-<channel>-<id>.json``.

    The directory is kept at 0700 and files are 0600: messages hold live codes.
    """

    def __init__(self, directory: Path, *, clock: Clock | None = None) -> None:
        self.directory = Path(directory)
        self._clock = clock or SystemClock()

    def send(self, message: OutboundMessage) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.directory.chmod(0o700)  # mkdir's mode is cut by the umask and skipped if it exists
        now = self._clock.now().astimezone(UTC)
        message_id = new_id("msg")
        name = f"{now.strftime('%Y%m%dT%H%M%S.%fZ')}-{message.channel}-{message_id}"
        record = {"id": message_id, "created_at": now.isoformat(), **asdict(message)}
        data = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
        # Write aside, then rename, so a reader never sees half a message.
        partial = self.directory / f".{name}.tmp"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(partial, self.directory / f"{name}.json")

    def messages(self) -> list[OutboundMessage]:
        """Every message in the outbox, oldest first."""
        if not self.directory.exists():
            return []
        found = []
        for path in sorted(self.directory.glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            found.append(
                OutboundMessage(
                    channel=record["channel"],
                    to=record["to"],
                    subject=record["subject"],
                    text=record["text"],
                    purpose=record["purpose"],
                )
            )
        return found


class ChannelRouter:
    """Sends each message through the sender configured for its channel."""

    def __init__(self, senders: Mapping[str, Sender]) -> None:
        unknown = set(senders) - CHANNELS
        if unknown:
            raise ValueError(f"unknown channels: {sorted(unknown)}")
        self._senders = dict(senders)

    def channels(self) -> frozenset[str]:
        return frozenset(self._senders)

    def send(self, message: OutboundMessage) -> None:
        sender = self._senders.get(message.channel)
        if sender is None:
            raise DeliveryError(f"no sender is configured for the {message.channel} channel")
        sender.send(message)


def mask_destination(channel: str, to: str) -> str:
    """A recognisable but partial destination for responses and audit: "a***@example.com",
    "+62*******89". Anything that does not parse is fully masked."""
    if channel == "email" and _EMAIL.fullmatch(to):
        local, domain = to.rsplit("@", 1)
        return f"{local[0]}***@{domain}"
    if channel == "sms" and _E164.fullmatch(to):
        return f"{to[:3]}{'*' * (len(to) - 5)}{to[-2:]}"
    return "***"


def _has_control(text: str) -> bool:
    # CR and LF are the injection risk; other control characters have no place in a header.
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def _twilio_error_code(response: httpx.Response) -> str | None:
    """Twilio answers errors as JSON with a numeric ``code``; keep only that."""
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return str(code) if isinstance(code, int) and not isinstance(code, bool) else None
