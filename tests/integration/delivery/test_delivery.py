"""Delivery adapters against real servers: aiosmtpd (plain, STARTTLS + AUTH, implicit TLS),
a local HTTP server speaking Twilio's Messages endpoint, and the file outbox on disk."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import socket
import ssl
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from trustdesk.auth.delivery import (
    ChannelRouter,
    DeliveryError,
    FileOutbox,
    OutboundMessage,
    SmtpSender,
    TwilioSmsSender,
    mask_destination,
)
from trustdesk.core.clock import FixedClock
from trustdesk.core.errors import InvalidInput

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
SENDER = "no-reply@trustdesk.example"
ZH_SUBJECT = "您的验证码 — Trustdesk"
BODY = "您的验证码是 042917。\nKode verifikasi Anda adalah 042917. Jangan bagikan kode ini.\n"
SID = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-auth-token-for-tests"


def email_to(to: str = "ana.susanti@example.co.id", subject: str = ZH_SUBJECT) -> OutboundMessage:
    return OutboundMessage(channel="email", to=to, subject=subject, text=BODY, purpose="otp")


def body_text(received: EmailMessage) -> str:
    # Lines travel as CRLF on the wire (RFC 5321); compare the text as written.
    return str(received.get_content()).replace("\r\n", "\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- a real SMTP server --------------------------------------------------------------------


@dataclass
class Mailbox:
    """aiosmtpd handler: keeps every envelope; refuses recipients at refused.example."""

    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == b"s3cret-pass"
        if ok:
            self.logins.append(data.login)
        return AuthResult(success=ok, handled=False)  # False: let aiosmtpd answer 535

    def received(self) -> EmailMessage:
        """The one message received, parsed by the standard library."""
        assert len(self.envelopes) == 1
        content = self.envelopes[0].original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made here."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "trustdesk test smtp")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _server_context(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    return context


def _client_context(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(tls_files[0]))


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def plain_sender(port: int, **kwargs: Any) -> SmtpSender:
    return SmtpSender(
        "127.0.0.1",
        port,
        SENDER,
        security="none",
        timeout=5,
        local_hostname="desk.test",
        clock=FixedClock(T0),
        **kwargs,
    )


def test_email_arrives_with_exact_recipient_subject_and_body(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server
    plain_sender(port).send(email_to())

    envelope = mailbox.envelopes[0]
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == ["ana.susanti@example.co.id"]
    received = mailbox.received()
    assert received["From"] == SENDER
    assert received["To"] == "ana.susanti@example.co.id"
    assert received["Subject"] == ZH_SUBJECT
    assert body_text(received) == BODY
    assert received.get_content_charset() == "utf-8"
    assert received["Content-Transfer-Encoding"] == "quoted-printable"
    assert received["Date"] == "Sun, 01 Mar 2026 12:00:00 +0000"
    assert received["Message-ID"].startswith("<") and received["Message-ID"].endswith(
        "@trustdesk.example>"
    )
    assert received["Auto-Submitted"] == "auto-generated"
    # On the wire the Chinese subject is an RFC 2047 encoded-word, never raw 8-bit.
    raw_subject = next(
        line
        for line in (envelope.original_content or b"").split(b"\r\n")
        if line.startswith(b"Subject:")
    )
    assert raw_subject.startswith(b"Subject: =?utf-8?")


def test_each_message_gets_its_own_message_id(smtp_server: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp_server
    sender = plain_sender(port)
    sender.send(email_to(subject="one"))
    sender.send(email_to(subject="two"))
    ids = {
        message_from_bytes(e.original_content or b"", policy=policy.default)["Message-ID"]
        for e in mailbox.envelopes
    }
    assert len(ids) == 2


def test_a_refused_recipient_is_a_delivery_error(smtp_server: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp_server
    with pytest.raises(DeliveryError) as excinfo:
        plain_sender(port).send(email_to(to="nobody@refused.example"))
    assert str(excinfo.value) == "the mail server refused the recipient"
    assert excinfo.value.code == "auth.delivery_failed"
    assert excinfo.value.status == 502
    assert mailbox.envelopes == []


def test_an_unreachable_server_is_a_delivery_error() -> None:
    with pytest.raises(DeliveryError, match="could not be reached"):
        plain_sender(free_port()).send(email_to())


@pytest.fixture
def starttls_server(tls_files: tuple[Path, Path]) -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=_server_context(tls_files),
        require_starttls=True,
        authenticator=mailbox.authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    yield mailbox, port
    controller.stop()


def test_starttls_then_login(
    starttls_server: tuple[Mailbox, int], tls_files: tuple[Path, Path]
) -> None:
    mailbox, port = starttls_server
    sender = SmtpSender(
        "127.0.0.1",
        port,
        SENDER,
        username="desk",
        password="s3cret-pass",
        security="starttls",
        ssl_context=_client_context(tls_files),
        local_hostname="desk.test",
        timeout=5,
    )
    sender.send(email_to())
    assert mailbox.logins == [b"desk"]
    assert mailbox.received()["Subject"] == ZH_SUBJECT


def test_a_wrong_password_is_a_delivery_error(
    starttls_server: tuple[Mailbox, int], tls_files: tuple[Path, Path]
) -> None:
    mailbox, port = starttls_server
    sender = SmtpSender(
        "127.0.0.1",
        port,
        SENDER,
        username="desk",
        password="wrong",
        ssl_context=_client_context(tls_files),
        local_hostname="desk.test",
        timeout=5,
    )
    with pytest.raises(DeliveryError) as excinfo:
        sender.send(email_to())
    assert str(excinfo.value) == "the mail server refused our login"
    assert "wrong" not in str(excinfo.value)
    assert mailbox.envelopes == []


def test_an_untrusted_certificate_is_refused(starttls_server: tuple[Mailbox, int]) -> None:
    _, port = starttls_server
    sender = SmtpSender("127.0.0.1", port, SENDER, local_hostname="desk.test", timeout=5)
    with pytest.raises(DeliveryError) as excinfo:
        sender.send(email_to())  # the default context does not trust our self-signed cert
    assert str(excinfo.value) == "the TLS handshake with the mail server failed"
    assert isinstance(excinfo.value.__cause__, ssl.SSLCertVerificationError)


def test_starttls_is_never_skipped_silently(smtp_server: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp_server  # this server offers no STARTTLS
    sender = SmtpSender("127.0.0.1", port, SENDER, local_hostname="desk.test", timeout=5)
    with pytest.raises(DeliveryError) as excinfo:
        sender.send(email_to())
    assert str(excinfo.value) == "the mail server does not offer STARTTLS or AUTH"
    assert mailbox.envelopes == []


def test_implicit_tls(tls_files: tuple[Path, Path]) -> None:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, ssl_context=_server_context(tls_files)
    )
    controller.start()
    try:
        sender = SmtpSender(
            "127.0.0.1",
            port,
            SENDER,
            security="tls",
            ssl_context=_client_context(tls_files),
            local_hostname="desk.test",
            timeout=5,
        )
        sender.send(email_to())
    finally:
        controller.stop()
    assert body_text(mailbox.received()) == BODY


# --- header injection and validation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field_name"),
    [
        ({"to": "ana@example.com\r\nBcc: all@example.com"}, "to"),
        ({"to": "ana@example.com\n"}, "to"),
        ({"subject": "Code\r\nBcc: all@example.com"}, "subject"),
        ({"subject": "Code\n"}, "subject"),
        ({"to": "ana@example"}, "to"),
        ({"to": "ana@@example.com"}, "to"),
        ({"to": ".ana@example.com"}, "to"),
        ({"to": "ana@-example.com"}, "to"),
        ({"to": "ana@example.123"}, "to"),
        ({"to": "<ana@example.com>"}, "to"),
        ({"to": "ана@example.com"}, "to"),
        ({"to": "a" * 65 + "@example.com"}, "to"),
        ({"subject": "  "}, "subject"),
        ({"text": " \n"}, "text"),
        ({"purpose": "One Time"}, "purpose"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_bad_email_messages_are_refused_before_sending(
    kwargs: dict[str, str], field_name: str
) -> None:
    values = {"channel": "email", "to": "ana@example.com", "subject": "Code", "text": "042917"}
    values |= {"purpose": "otp", **kwargs}
    with pytest.raises(InvalidInput) as excinfo:
        OutboundMessage(**values)  # type: ignore[arg-type]
    assert excinfo.value.field == field_name


@pytest.mark.parametrize(
    "to", ["+62 812 3456 7890", "6281234567890", "+0812345678", "+1234567890123456", "+62812\n"]
)
def test_sms_numbers_must_be_e164(to: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        OutboundMessage(channel="sms", to=to, subject="", text="042917", purpose="otp")
    assert excinfo.value.field == "to"


def test_sms_length_is_bounded() -> None:
    ok = OutboundMessage(
        channel="sms", to="+6281234567890", subject="", text="x" * 1600, purpose="otp"
    )
    assert len(ok.text) == 1600
    with pytest.raises(InvalidInput) as excinfo:
        OutboundMessage(
            channel="sms", to="+6281234567890", subject="", text="x" * 1601, purpose="otp"
        )
    assert excinfo.value.field == "text"


# --- Twilio over a real local HTTP server -----------------------------------------------------


@dataclass
class TwilioStub:
    """The part of Twilio's API we use; answers with ``status`` and ``body``."""

    status: int = 201
    body: bytes = b'{"sid": "SM0123", "status": "queued"}'
    content_type: str = "application/json"
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def twilio() -> Iterator[tuple[TwilioStub, str]]:
    stub = TwilioStub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
            length = int(self.headers["Content-Length"])
            stub.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers["Authorization"],
                    "content_type": self.headers["Content-Type"],
                    "form": parse_qs(self.rfile.read(length).decode("utf-8"), strict_parsing=True),
                }
            )
            self.send_response(stub.status)
            self.send_header("Content-Type", stub.content_type)
            self.send_header("Content-Length", str(len(stub.body)))
            self.end_headers()
            self.wfile.write(stub.body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield stub, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def sms(text: str = "Kode Trustdesk: 042917. 验证码 042917") -> OutboundMessage:
    return OutboundMessage(channel="sms", to="+6281234567890", subject="", text=text, purpose="otp")


def test_twilio_gets_the_exact_form_and_basic_auth(twilio: tuple[TwilioStub, str]) -> None:
    stub, base_url = twilio
    TwilioSmsSender(SID, TOKEN, "+15005550006", base_url=base_url + "/").send(sms())
    assert stub.requests == [
        {
            "path": f"/2010-04-01/Accounts/{SID}/Messages.json",
            "authorization": "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode(),
            "content_type": "application/x-www-form-urlencoded",
            "form": {
                "To": ["+6281234567890"],
                "From": ["+15005550006"],
                "Body": ["Kode Trustdesk: 042917. 验证码 042917"],
            },
        }
    ]


def test_a_twilio_error_keeps_the_code_but_not_the_text(twilio: tuple[TwilioStub, str]) -> None:
    stub, base_url = twilio
    stub.status = 400
    stub.body = json.dumps(
        {
            "code": 21211,
            "message": "The 'To' number +6281234567890 is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400,
        }
    ).encode()
    with pytest.raises(DeliveryError) as excinfo:
        TwilioSmsSender(SID, TOKEN, "TrustDesk", base_url=base_url).send(sms())
    error = excinfo.value
    assert str(error) == "the SMS provider refused the message (HTTP 400, provider error 21211)"
    assert error.provider_code == "21211"
    assert error.code == "auth.delivery_failed"
    assert error.status == 502
    for secret in ("042917", "+6281234567890", "not a valid phone number", TOKEN):
        assert secret not in str(error)
    assert stub.requests[0]["form"]["From"] == ["TrustDesk"]


def test_a_non_json_provider_failure(twilio: tuple[TwilioStub, str]) -> None:
    stub, base_url = twilio
    stub.status, stub.body, stub.content_type = 503, b"<html>busy</html>", "text/html"
    with pytest.raises(DeliveryError) as excinfo:
        TwilioSmsSender(SID, TOKEN, "+15005550006", base_url=base_url).send(sms())
    assert str(excinfo.value) == "the SMS provider refused the message (HTTP 503)"
    assert excinfo.value.provider_code is None


def test_an_unreachable_provider() -> None:
    sender = TwilioSmsSender(
        SID, TOKEN, "+15005550006", base_url=f"http://127.0.0.1:{free_port()}", timeout=2
    )
    with pytest.raises(DeliveryError, match="could not be reached"):
        sender.send(sms())


# --- the file outbox ---------------------------------------------------------------------


def test_outbox_writes_private_json_files(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    outbox = FileOutbox(tmp_path / "outbox", clock=clock)
    outbox.send(email_to())
    clock.advance(seconds=1.5)
    outbox.send(sms())

    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700
    files = sorted((tmp_path / "outbox").iterdir())
    assert [p.name[:33] for p in files] == [
        "20260301T120000.000000Z-email-msg",
        "20260301T120001.500000Z-sms-msg_0",
    ]
    assert all(p.suffix == ".json" for p in files)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)

    record = json.loads(files[0].read_text(encoding="utf-8"))
    assert files[0].name == f"20260301T120000.000000Z-email-{record.pop('id')}.json"
    assert record == {
        "created_at": "2026-03-01T12:00:00+00:00",
        "channel": "email",
        "to": "ana.susanti@example.co.id",
        "subject": ZH_SUBJECT,
        "text": BODY,
        "purpose": "otp",
    }
    assert "您的验证码" in files[0].read_text(encoding="utf-8")  # stored readable, not escaped
    assert outbox.messages() == [email_to(), sms()]


def test_outbox_tightens_an_existing_directory(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    FileOutbox(folder, clock=FixedClock(T0)).send(sms())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.suffix for p in folder.iterdir()] == [".json"]  # no partial file left behind


# --- routing and masking ---------------------------------------------------------------------


def test_router_sends_each_channel_to_its_sender(tmp_path: Path) -> None:
    mail, texts = FileOutbox(tmp_path / "mail"), FileOutbox(tmp_path / "sms")
    router = ChannelRouter({"email": mail, "sms": texts})
    router.send(email_to())
    router.send(sms())
    assert mail.messages() == [email_to()]
    assert texts.messages() == [sms()]


def test_router_without_a_channel_fails_clearly(tmp_path: Path) -> None:
    router = ChannelRouter({"email": FileOutbox(tmp_path)})
    assert router.channels() == frozenset({"email"})
    with pytest.raises(DeliveryError) as excinfo:
        router.send(sms())
    assert str(excinfo.value) == "no sender is configured for the sms channel"
    with pytest.raises(ValueError, match="unknown channels"):
        ChannelRouter({"fax": FileOutbox(tmp_path)})


@pytest.mark.parametrize(
    ("channel", "to", "masked"),
    [
        ("email", "alice@example.com", "a***@example.com"),
        ("email", "a@example.com", "a***@example.com"),
        ("sms", "+62812345689", "+62*******89"),
        ("sms", "+6281234567890", "+62*********90"),
        ("sms", "not-a-number", "***"),
        ("email", "not-an-address", "***"),
        ("fax", "+62812345689", "***"),
    ],
)
def test_mask_destination(channel: str, to: str, masked: str) -> None:
    assert mask_destination(channel, to) == masked
