"""Device-bound keys: a phone registers a public key once, then approves each push
challenge by signing the challenge bytes with the private half, which never leaves
its secure hardware (Secure Enclave and Android Keystore give P-256; software keys
often Ed25519).

High-S P-256 signatures are accepted: the platform keystores do not normalise S, and
malleability gives an attacker nothing here because each challenge is single-use.
"""

from __future__ import annotations

import base64
import binascii
from enum import StrEnum

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from trustdesk.core.errors import InvalidInput

P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# Edwards25519 (RFC 8032 section 5.1): field prime and curve constant d.
_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P


class DeviceKeyAlgorithm(StrEnum):
    ED25519 = "ed25519"
    P256 = "p256"


def parse_public_key(algorithm: str, public_key_b64: str) -> bytes:
    """The key in canonical raw form: Ed25519 32 bytes, P-256 SEC1 uncompressed 65 bytes.

    Accepts base64 or base64url (padding optional) of the raw key, a compressed P-256
    point, or a DER SubjectPublicKeyInfo (what Android Keystore and WebCrypto export).
    """
    kind = _algorithm(algorithm)
    raw = _b64(public_key_b64)
    if raw is None:
        raise InvalidInput("the public key is not base64", field="public_key")
    if _is_spki(kind, raw):
        raw = _raw_from_spki(kind, raw)
    if kind is DeviceKeyAlgorithm.ED25519:
        if len(raw) != 32 or not _is_ed25519_point(raw):
            raise InvalidInput(
                "not an Ed25519 public key (32 bytes encoding a point of large order)",
                field="public_key",
            )
        return raw
    if len(raw) not in (33, 65):
        raise InvalidInput(
            "a P-256 public key is a 65-byte uncompressed or 33-byte compressed point",
            field="public_key",
        )
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise InvalidInput("the P-256 public key is not on the curve", field="public_key") from None
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def verify_device_signature(
    algorithm: str, public_key: bytes, message: bytes, signature_b64: str
) -> bool:
    """Whether the device key signed ``message``; P-256 is ECDSA with SHA-256, signature
    DER or raw r||s (64 bytes). Any malformed input is simply False."""
    try:
        kind = DeviceKeyAlgorithm(algorithm)
    except ValueError:
        return False
    signature = _b64(signature_b64)
    if signature is None:
        return False
    try:
        if kind is DeviceKeyAlgorithm.ED25519:
            Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
            return True
        der = _p256_der(signature)
        if der is None:
            return False
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)
        key.verify(der, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def _p256_der(signature: bytes) -> bytes | None:
    if len(signature) != 64:
        return signature  # DER (or garbage, which verify rejects)
    r, s = int.from_bytes(signature[:32]), int.from_bytes(signature[32:])
    if not (0 < r < P256_N and 0 < s < P256_N):
        return None
    return encode_dss_signature(r, s)


def _algorithm(algorithm: str) -> DeviceKeyAlgorithm:
    try:
        return DeviceKeyAlgorithm(algorithm)
    except ValueError:
        supported = ", ".join(DeviceKeyAlgorithm)
        raise InvalidInput(
            f"unsupported device key algorithm {algorithm!r}; supported: {supported}",
            field="algorithm",
        ) from None


def _is_spki(kind: DeviceKeyAlgorithm, raw: bytes) -> bool:
    """A DER SEQUENCE rather than a raw key (raw P-256 starts 02, 03 or 04)."""
    if kind is DeviceKeyAlgorithm.ED25519 and len(raw) == 32:
        return False
    return raw[:1] == b"\x30"


def _raw_from_spki(kind: DeviceKeyAlgorithm, der: bytes) -> bytes:
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidInput("the public key DER cannot be read", field="public_key") from None
    if kind is DeviceKeyAlgorithm.ED25519 and isinstance(key, Ed25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if (
        kind is DeviceKeyAlgorithm.P256
        and isinstance(key, ec.EllipticCurvePublicKey)
        and isinstance(key.curve, ec.SECP256R1)
    ):
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    raise InvalidInput(f"the DER public key is not an {kind} key", field="public_key")


def _is_ed25519_point(raw: bytes) -> bool:
    """RFC 8032 point decoding (section 5.1.3), plus a refusal of the eight small-order
    points, with which one signature can verify for many messages."""
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    if y >= _P:
        return False
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    if v * x * x % _P == (-u) % _P:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    if v * x * x % _P != u:
        return False
    if x == 0 and raw[31] >> 7:
        return False
    for _ in range(3):  # [8]P is the identity exactly for the small-order points
        x, y = _double(x, y)
    return (x, y) != (0, 1)


def _double(x: int, y: int) -> tuple[int, int]:
    """Affine doubling on -x^2 + y^2 = 1 + d x^2 y^2; the denominators never vanish
    because d is not a square."""
    xx, yy = x * x % _P, y * y % _P
    x3 = 2 * x * y * pow(yy - xx, _P - 2, _P)
    y3 = (yy + xx) * pow(2 + xx - yy, _P - 2, _P)
    return x3 % _P, y3 % _P


def _b64(text: str) -> bytes | None:
    """Standard or URL-safe base64, padding optional."""
    if not isinstance(text, str):
        return None
    cleaned = text.strip().replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
