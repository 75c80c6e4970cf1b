"""Web Push against a real local HTTP server standing in for the push service.

The RFC 8291 / RFC 8188 decryptor in tests/support/webpush_client.py is our own, built from
cryptography primitives; it is checked first on the RFC 8291 section 5 example, then used to
read what send_push put on the wire; the VAPID JWT is verified with cryptography as well.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.support.webpush_client import (
    PushService,
    b64url,
    b64url_decode,
    decrypt_push,
    make_browser,
    run_push_service,
    uncompressed,
)
from trustdesk.auth.webpush import (
    PushDeliveryError,
    PushSubscription,
    VapidSigner,
    parse_subscription,
    send_push,
)
from trustdesk.core.errors import InvalidInput

SUBJECT = "mailto:security@trustdesk.example"


def test_rfc8291_section5_example_decrypts() -> None:
    """The RFC's keys and message; a wrong value anywhere fails the AES-GCM tag."""
    ua_private = ec.derive_private_key(
        int.from_bytes(b64url_decode("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"), "big"),
        ec.SECP256R1(),
    )
    assert b64url(uncompressed(ua_private.public_key())) == (
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
    )
    message = b64url_decode(
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
        "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
        "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
    )
    assert b64url(message[:16]) == "DGv6ra1nlYgDCS1FRnbzlw"  # the salt
    assert b64url(message[21:86]) == (  # the application server's public key as keyid
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
    )
    plaintext = decrypt_push(message, ua_private, b64url_decode("BTBZMqHH6r4Tts7J_aSIgg"))
    assert plaintext == b"When I grow up, I want to be a watermelon"


# --- a push service on 127.0.0.1 --------------------------------------------------------


@pytest.fixture
def push_service() -> Iterator[PushService]:
    with run_push_service() as service:
        yield service


def verify_vapid(authorization: str) -> tuple[dict[str, object], str]:
    """(claims, k) after checking the ES256 signature of t with key k."""
    match = re.fullmatch(r"vapid t=([\w-]+\.[\w-]+\.[\w-]+),\s*k=([\w-]+)", authorization)
    assert match is not None, authorization
    token, k = match.groups()
    header_b64, claims_b64, signature_b64 = token.split(".")
    assert json.loads(b64url_decode(header_b64)) == {"typ": "JWT", "alg": "ES256"}
    signature = b64url_decode(signature_b64)
    assert len(signature) == 64  # JWS ES256 is raw r || s
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(k))
    public.verify(  # raises InvalidSignature if wrong
        encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:])),
        f"{header_b64}.{claims_b64}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    return json.loads(b64url_decode(claims_b64)), k


def test_send_push_delivers_an_encrypted_vapid_signed_message(push_service: PushService) -> None:
    browser = make_browser(push_service.url + "/wpush/v2/gAAAAABk-sub")
    vapid = VapidSigner.generate()
    payload = json.dumps({"challenge": "ch_01J9ZK", "amount": "0.25 BTC"}).encode()
    before = int(time.time())

    status = send_push(browser.subscription, payload, vapid=vapid, subject=SUBJECT, ttl=120)

    assert status == 201
    [request] = push_service.requests
    headers: dict[str, str] = request["headers"]  # type: ignore[assignment]
    assert request["path"] == "/wpush/v2/gAAAAABk-sub"
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["ttl"] == "120"
    assert headers["urgency"] == "high"
    assert decrypt_push(request["body"], browser.private, browser.auth) == payload  # type: ignore[arg-type]
    claims, k = verify_vapid(headers["authorization"])
    assert k == vapid.public_key_b64url
    assert claims["aud"] == push_service.url
    assert claims["sub"] == SUBJECT
    assert isinstance(claims["exp"], int)
    assert before < claims["exp"] <= int(time.time()) + 24 * 3600  # RFC 8292: at most 24 h


def test_vapid_key_round_trips_through_pem(push_service: PushService) -> None:
    original = VapidSigner.generate()
    restored = VapidSigner.from_private_key_pem(original.private_key_pem().decode())
    assert restored.public_key_b64url == original.public_key_b64url
    assert len(b64url_decode(original.public_key_b64url)) == 65
    browser = make_browser(push_service.url + "/sub")
    send_push(browser.subscription, b"x", vapid=restored, subject=SUBJECT, now=1_700_000_000)
    claims, k = verify_vapid(push_service.requests[0]["headers"]["authorization"])  # type: ignore[index]
    assert k == original.public_key_b64url
    assert claims["exp"] == 1_700_000_000 + 12 * 3600


@pytest.mark.parametrize(
    ("status", "gone"), [(410, True), (404, True), (413, False), (500, False), (307, False)]
)
def test_push_service_refusals_raise(push_service: PushService, status: int, gone: bool) -> None:
    push_service.status = status
    browser = make_browser(push_service.url + "/gone")
    with pytest.raises(PushDeliveryError) as error:
        send_push(browser.subscription, b"hello", vapid=VapidSigner.generate(), subject=SUBJECT)
    assert error.value.code == "auth.push_undeliverable"
    assert error.value.push_status == (None if status == 307 else status)
    assert error.value.subscription_gone is gone
    expected = "TooManyRedirects" if status == 307 else f"answered {status}"
    assert expected in error.value.message
    assert len(push_service.requests) == 1
    assert "/gone" not in error.value.message  # the endpoint path is a capability


def test_unreachable_push_service_raises() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    browser = make_browser(f"http://127.0.0.1:{port}/sub")
    with pytest.raises(PushDeliveryError) as error:
        send_push(browser.subscription, b"x", vapid=VapidSigner.generate(), subject=SUBJECT)
    assert error.value.push_status is None
    assert not error.value.subscription_gone


def test_send_push_refuses_bad_arguments() -> None:
    browser = make_browser("http://127.0.0.1:9/sub")
    vapid = VapidSigner.generate()
    for kwargs in ({"subject": "security@example.com"}, {"subject": SUBJECT, "urgency": "now"}):
        with pytest.raises(InvalidInput):
            send_push(browser.subscription, b"x", vapid=vapid, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        send_push(browser.subscription, b"", vapid=vapid, subject=SUBJECT)


# --- subscriptions ----------------------------------------------------------------------

UA_KEY = b64url(uncompressed(ec.derive_private_key(3, ec.SECP256R1()).public_key()))
AUTH = b64url(b"\x11" * 16)
FCM = "https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bHqjZxM0VImWWqDRN7U0a3AycjUf"


def test_parse_subscription_keeps_the_browser_shape() -> None:
    data = {"endpoint": FCM, "expirationTime": None, "keys": {"p256dh": UA_KEY, "auth": AUTH}}
    subscription = parse_subscription(data)
    assert subscription == PushSubscription(FCM, UA_KEY, AUTH)
    assert subscription.as_info() == {"endpoint": FCM, "keys": {"p256dh": UA_KEY, "auth": AUTH}}
    padded = {"endpoint": FCM, "keys": {"p256dh": UA_KEY + "=", "auth": AUTH + "=="}}
    assert parse_subscription(padded) == subscription


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "subscription"),
        ({"endpoint": FCM}, "subscription.keys"),
        ({"keys": {"p256dh": UA_KEY, "auth": AUTH}}, "subscription.endpoint"),
        ({"endpoint": "http://push.example/x", "keys": {}}, "subscription.endpoint"),
        ({"endpoint": "https://127.0.0.1/x", "keys": {}}, "subscription.endpoint"),
        ({"endpoint": "https://10.0.0.7/x", "keys": {}}, "subscription.endpoint"),
        ({"endpoint": "https://localhost/x", "keys": {}}, "subscription.endpoint"),
        ({"endpoint": "https://u:p@push.example/x", "keys": {}}, "subscription.endpoint"),
        ({"endpoint": "ftp://push.example/x", "keys": {}}, "subscription.endpoint"),
        ({"endpoint": FCM, "keys": {"auth": AUTH}}, "subscription.keys.p256dh"),
        ({"endpoint": FCM, "keys": {"p256dh": "***", "auth": AUTH}}, "subscription.keys.p256dh"),
        (
            {"endpoint": FCM, "keys": {"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": AUTH}},
            "subscription.keys.p256dh",
        ),
        (
            {"endpoint": FCM, "keys": {"p256dh": UA_KEY, "auth": b64url(b"\x11" * 15)}},
            "subscription.keys.auth",
        ),
    ],
)
def test_parse_subscription_rejects(data: object, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_subscription(data, allow_insecure=False)  # type: ignore[arg-type]
    assert error.value.field == field


def test_insecure_endpoints_only_when_allowed() -> None:
    data = {"endpoint": "http://127.0.0.1:8080/sub", "keys": {"p256dh": UA_KEY, "auth": AUTH}}
    with pytest.raises(InvalidInput):
        parse_subscription(data)
    assert parse_subscription(data, allow_insecure=True).endpoint == data["endpoint"]


def test_vapid_pem_must_be_a_p256_key() -> None:
    other_curve = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(InvalidInput):
        VapidSigner.from_private_key_pem(other_curve)
    with pytest.raises(InvalidInput):
        VapidSigner.from_private_key_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END")
