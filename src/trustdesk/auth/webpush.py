"""Push challenges to a customer's device as Web Push messages: the payload encrypted for
the subscription (RFC 8291, aes128gcm) and the request signed with our VAPID key
(RFC 8292), so the push service carries bytes it cannot read.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import time
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02, VapidException
from pywebpush import WebPusher, WebPushException

from trustdesk.core.errors import DomainError, InvalidInput

# RFC 8292 section 2: the token must not be valid for more than 24 hours.
MAX_VAPID_LIFETIME = 24 * 3600
URGENCIES = frozenset({"very-low", "low", "normal", "high"})
_SUBJECT = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://[^\s/]+(/\S*)?)$")


class PushDeliveryError(DomainError):
    """The push service did not take the message; ``subscription_gone`` means the
    device unsubscribed (404/410) and the subscription should be deleted."""

    code = "auth.push_undeliverable"
    status = 502
    title = "Push message not delivered"

    def __init__(
        self, message: str, *, push_status: int | None = None, subscription_gone: bool = False
    ) -> None:
        super().__init__(message)
        self.push_status = push_status
        self.subscription_gone = subscription_gone


@dataclass(frozen=True)
class PushSubscription:
    """A browser PushSubscription; the keys are unpadded base64url, as browsers give them."""

    endpoint: str
    p256dh: str
    auth: str

    def as_info(self) -> dict[str, Any]:
        """The ``subscription_info`` shape pywebpush and ``PushSubscription.toJSON()`` use."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def parse_subscription(data: dict[str, Any], *, allow_insecure: bool = False) -> PushSubscription:
    """Validate ``PushSubscription.toJSON()`` output. The endpoint must be https to a
    public host; ``allow_insecure`` (tests and local development only) also lets
    plain http and loopback or private hosts through."""
    if not isinstance(data, dict):
        raise InvalidInput("a push subscription is a JSON object", field="subscription")
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise InvalidInput("the push subscription has no keys", field="subscription.keys")
    endpoint = _endpoint(data.get("endpoint"), allow_insecure)
    p256dh = _b64url_field(keys.get("p256dh"), "p256dh")
    auth = _b64url_field(keys.get("auth"), "auth")
    try:
        if len(p256dh) != 65:
            raise ValueError("not an uncompressed point")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError:
        raise InvalidInput(
            "keys.p256dh is not an uncompressed P-256 public key (65 bytes, on the curve)",
            field="subscription.keys.p256dh",
        ) from None
    if len(auth) != 16:
        raise InvalidInput("keys.auth must be a 16-byte secret", field="subscription.keys.auth")
    return PushSubscription(endpoint, _b64url(p256dh), _b64url(auth))


MAX_ENDPOINT_LENGTH = 2048


def _endpoint(value: object, allow_insecure: bool) -> str:
    field = "subscription.endpoint"
    if not isinstance(value, str) or not value:
        raise InvalidInput("the push subscription has no endpoint", field=field)
    if len(value) > MAX_ENDPOINT_LENGTH:
        raise InvalidInput(
            f"the push endpoint is longer than {MAX_ENDPOINT_LENGTH} characters", field=field
        )
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a bad port
        host.encode("idna")  # a label over 63 characters fails here, not at send time
    except (ValueError, UnicodeError):
        raise InvalidInput("the push endpoint is not a URL", field=field) from None
    if not host or parts.username is not None or parts.password is not None:
        raise InvalidInput(
            "the push endpoint must name a host and carry no credentials", field=field
        )
    if allow_insecure:
        if parts.scheme not in ("https", "http"):
            raise InvalidInput("the push endpoint must be an http(s) URL", field=field)
        return value
    if parts.scheme != "https":
        raise InvalidInput("the push endpoint must use https", field=field)
    # The endpoint comes from the customer's browser and we POST to it: refuse hosts
    # that would point our server at itself or its network.
    if host == "localhost" or host.endswith(".localhost") or _private_ip(host):
        raise InvalidInput("the push endpoint must be a public push service", field=field)
    return value


def _private_ip(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


class VapidSigner:
    """Our application server key (RFC 8292), a P-256 key pair."""

    def __init__(self, vapid: Vapid02) -> None:
        self._vapid = vapid

    @classmethod
    def generate(cls) -> VapidSigner:
        vapid = Vapid02()
        vapid.generate_keys()
        return cls(vapid)

    @classmethod
    def from_private_key_pem(cls, pem: str | bytes) -> VapidSigner:
        data = pem.encode() if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            raise InvalidInput("the VAPID private key PEM cannot be read", field="vapid") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(
            key.curve, ec.SECP256R1
        ):
            raise InvalidInput("the VAPID key must be a P-256 (prime256v1) key", field="vapid")
        return cls(Vapid02(private_key=key))

    def private_key_pem(self) -> bytes:
        """PKCS#8 PEM, for storing a generated key as a secret."""
        return bytes(self._vapid.private_pem())

    @property
    def public_key_b64url(self) -> str:
        """The ``applicationServerKey`` browsers subscribe with."""
        raw = self._vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return _b64url(raw)

    def authorization(self, endpoint: str, subject: str, expires_at: int) -> str:
        """The ``Authorization: vapid t=<JWT>, k=<key>`` value for one push service."""
        parts = urlsplit(endpoint)
        claims = {"aud": f"{parts.scheme}://{parts.netloc}", "exp": expires_at, "sub": subject}
        try:
            return str(self._vapid.sign(claims)["Authorization"])
        except VapidException as exc:
            raise InvalidInput(f"VAPID claims rejected: {exc}", field="subject") from None


def send_push(
    subscription: PushSubscription,
    payload: bytes,
    *,
    vapid: VapidSigner,
    subject: str,
    ttl: int = 300,
    timeout: float = 5.0,
    urgency: str = "high",
    now: float | None = None,
) -> int:
    """Encrypt ``payload`` for the subscription and hand it to its push service; the
    HTTP status (201 Created normally) or PushDeliveryError. ``subject`` is our contact,
    ``mailto:`` or ``https:``, as RFC 8292 asks."""
    if not _SUBJECT.match(subject):
        raise InvalidInput("the VAPID subject must be a mailto: or https: URI", field="subject")
    if urgency not in URGENCIES:
        raise InvalidInput(f"urgency must be one of {sorted(URGENCIES)}", field="urgency")
    if not payload:
        raise InvalidInput("a push payload cannot be empty", field="payload")
    issued = int(time.time() if now is None else now)
    headers = {
        "Authorization": vapid.authorization(
            subscription.endpoint, subject, issued + MAX_VAPID_LIFETIME // 2
        ),
        "Urgency": urgency,
    }
    host = urlsplit(subscription.endpoint).netloc
    with requests.Session() as session:
        session.max_redirects = 0  # a push service answers; it does not redirect
        try:
            response = WebPusher(subscription.as_info(), requests_session=session).send(
                payload, headers, ttl=ttl, content_encoding="aes128gcm", timeout=timeout
            )
        except (requests.RequestException, WebPushException) as exc:
            raise PushDeliveryError(
                f"the push service at {host} could not be reached ({type(exc).__name__})"
            ) from None
    return _checked(cast(requests.Response, response), host)  # str only for curl=True


def _checked(response: requests.Response, host: str) -> int:
    status = response.status_code
    if 200 <= status < 300:
        return status
    if status in (404, 410):
        raise PushDeliveryError(
            f"the push service at {host} answered {status}: the subscription has expired "
            "or was removed; register the device again",
            push_status=status,
            subscription_gone=True,
        )
    reason = {
        400: "it rejected the request",
        401: "it rejected our VAPID authorization",
        403: "it rejected our VAPID key for this subscription",
        413: "the payload is too large",
        429: "it is rate limiting us",
    }.get(status, "it failed")
    raise PushDeliveryError(
        f"the push service at {host} answered {status}: {reason}", push_status=status
    )


def _b64url_field(value: object, name: str) -> bytes:
    field = f"subscription.keys.{name}"
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"keys.{name} is missing", field=field)
    text = value.replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"keys.{name} is not base64url", field=field) from None


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
