"""The user agent's side of Web Push, for tests: a push service on 127.0.0.1 that records
what it is sent, browser subscription keys, and an RFC 8291 / RFC 8188 decryptor written
independently of pywebpush from cryptography primitives (checked on the RFC 8291 section 5
example in tests/integration/webpush).
"""

from __future__ import annotations

import base64
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from trustdesk.auth.webpush import PushSubscription, parse_subscription


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def uncompressed(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def decrypt_push(body: bytes, ua_private: ec.EllipticCurvePrivateKey, auth_secret: bytes) -> bytes:
    """RFC 8291 section 3.4 key derivation over an RFC 8188 aes128gcm body."""
    salt, (record_size,), id_length = body[:16], struct.unpack(">I", body[16:20]), body[20]
    as_public_raw = body[21 : 21 + id_length]
    ciphertext = body[21 + id_length :]
    as_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public_raw)
    ecdh_secret = ua_private.exchange(ec.ECDH(), as_public)
    ua_public_raw = uncompressed(ua_private.public_key())
    key_info = b"WebPush: info\x00" + ua_public_raw + as_public_raw
    ikm = _hkdf(auth_secret, ecdh_secret, key_info, 32)
    cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    base_nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    records = [ciphertext[i : i + record_size] for i in range(0, len(ciphertext), record_size)]
    plaintext = b""
    for seq, record in enumerate(records):
        nonce = (int.from_bytes(base_nonce, "big") ^ seq).to_bytes(12, "big")
        padded = AESGCM(cek).decrypt(nonce, record, None)
        unpadded = padded.rstrip(b"\x00")
        last = seq == len(records) - 1
        assert unpadded[-1:] == (b"\x02" if last else b"\x01"), "bad padding delimiter"
        plaintext += unpadded[:-1]
    return plaintext


@dataclass
class PushService:
    """What the local push service received; ``status`` is what it answers."""

    url: str
    status: int = 201
    requests: list[dict[str, object]] = field(default_factory=list)


@contextmanager
def run_push_service() -> Iterator[PushService]:
    """A push service on 127.0.0.1 (a real HTTP server in a thread) for the block's length."""
    service = PushService(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            service.requests.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
            )
            self.send_response(service.status)
            if 300 <= service.status < 400:  # a redirect to elsewhere, which we must not follow
                self.send_header("Location", service.url + "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Browser:
    """A user agent's push keys and the subscription it hands to the page."""

    private: ec.EllipticCurvePrivateKey
    auth: bytes
    subscription: PushSubscription

    def subscription_json(self) -> dict[str, object]:
        """``PushSubscription.toJSON()`` as a browser gives it to the page."""
        sub = self.subscription
        return {
            "endpoint": sub.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": sub.p256dh, "auth": sub.auth},
        }

    def read(self, body: bytes) -> bytes:
        """Decrypt one push message body meant for this browser."""
        return decrypt_push(body, self.private, self.auth)


def make_browser(endpoint: str) -> Browser:
    private = ec.generate_private_key(ec.SECP256R1())
    auth = bytes(range(16))
    data = {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": b64url(uncompressed(private.public_key())), "auth": b64url(auth)},
    }
    return Browser(private, auth, parse_subscription(data, allow_insecure=True))
