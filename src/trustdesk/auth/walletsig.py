"""Wallet signatures as a step-up factor: the customer proves control of an address by
signing our challenge text with the wallet that holds it.

Every verifier answers True or False and never raises for a bad signature; only an
unsupported chain, scheme or address kind (or an address that is not valid on the chain)
raises ``InvalidInput``, because that is a request we cannot judge at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import bech32
from base58 import b58decode, b58decode_check, b58encode_check
from Crypto.Hash import RIPEMD160
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from eth_account import Account
from eth_account.messages import SignableMessage, encode_defunct, encode_typed_data
from eth_keys import keys
from eth_keys.datatypes import PublicKey
from eth_keys.exceptions import BadSignature
from eth_utils import ValidationError, keccak

from trustdesk.chains.addresses import Address, normalize_address
from trustdesk.chains.errors import AddressError
from trustdesk.core.errors import InvalidInput

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
# Whatever a malformed signature can make the libraries raise.
_BAD_SIGNATURE = (ValueError, TypeError, BadSignature, ValidationError, InvalidSignature)


class SignatureScheme(StrEnum):
    EIP191 = "eip191"
    EIP712 = "eip712"
    BIP137 = "bip137"
    BIP322 = "bip322"
    TRON = "tron"
    SOLANA = "solana"


_DEFAULTS = {
    "evm": SignatureScheme.EIP191,
    "bitcoin": SignatureScheme.BIP137,
    "litecoin": SignatureScheme.BIP137,
    "tron": SignatureScheme.TRON,
    "solana": SignatureScheme.SOLANA,
}
_SCHEMES: dict[str, frozenset[SignatureScheme]] = {
    "evm": frozenset({SignatureScheme.EIP191, SignatureScheme.EIP712}),
    "bitcoin": frozenset({SignatureScheme.BIP137, SignatureScheme.BIP322}),
    "litecoin": frozenset({SignatureScheme.BIP137}),
    "tron": frozenset({SignatureScheme.TRON}),
    "solana": frozenset({SignatureScheme.SOLANA}),
}


def default_scheme(family: str) -> SignatureScheme:
    """The scheme wallets of an address family use for plain-text messages."""
    try:
        return _DEFAULTS[family]
    except KeyError:
        raise InvalidInput(
            f"no wallet signature scheme for address family {family!r}", field="chain"
        ) from None


def verify_message_signature(
    chain: str,
    address: str,
    message: str,
    signature: str,
    scheme: SignatureScheme | str | None = None,
) -> bool:
    """Whether ``signature`` over ``message`` was made by the key behind ``address``.

    With no scheme, Bitcoin takes BIP-137 or, when the signature is a witness stack
    rather than a 65-byte compact signature, BIP-322 "simple". For EIP-712 the message is
    the typed-data JSON text.
    """
    target = _address(chain, address)
    chosen = _choose(target, signature, scheme)
    if chosen is SignatureScheme.EIP712:
        return verify_typed_data_signature(target.value, _typed_data(message), signature)
    return _VERIFIERS[chosen](target, message, signature)


def resolve_scheme(
    chain: str, address: str, signature: str, scheme: SignatureScheme | str | None = None
) -> SignatureScheme:
    """The scheme ``verify_message_signature`` applies to these inputs (to store with an
    enrolled wallet); InvalidInput for an unknown or unsupported one."""
    return _choose(_address(chain, address), signature, scheme)


def _address(chain: str, address: str) -> Address:
    try:
        return normalize_address(chain, address)
    except AddressError as exc:
        raise InvalidInput(exc.message, field="address") from None


def _choose(
    target: Address, signature: str, scheme: SignatureScheme | str | None
) -> SignatureScheme:
    if scheme is None:
        if target.kind == "p2wpkh" and target.family == "bitcoin" and _compact(signature) is None:
            return SignatureScheme.BIP322
        return default_scheme(target.family)
    try:
        chosen = SignatureScheme(scheme)
    except ValueError:
        raise InvalidInput(f"unknown signature scheme {scheme!r}", field="scheme") from None
    if chosen not in _SCHEMES[target.family]:
        allowed = ", ".join(sorted(_SCHEMES[target.family]))
        raise InvalidInput(
            f"{chosen} signatures are not used for {target.family} addresses; use {allowed}",
            field="scheme",
        )
    return chosen


# --- EVM: EIP-191 personal_sign and EIP-712 typed data ---------------------------------


def _verify_eip191(target: Address, message: str, signature: str) -> bool:
    return _recovers(encode_defunct(text=message), target.value, signature)


def stepup_typed_data(
    *,
    chain_id: int,
    challenge_id: str,
    digest: str,
    account_id: str,
    amount: str,
    asset: str,
    destination: str,
    issued_at: int,
) -> dict[str, Any]:
    """The EIP-712 document a wallet shows and signs to approve one withdrawal."""
    for name, value in (("chain_id", chain_id), ("issued_at", issued_at)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(f"{name} must be a non-negative integer", field=name)
    strings = {
        "challengeId": challenge_id,
        "digest": digest,
        "accountId": account_id,
        "amount": amount,
        "asset": asset,
        "destination": destination,
    }
    for name, text in strings.items():
        if not isinstance(text, str) or not text:
            raise InvalidInput(f"{name} must be a non-empty string", field=name)
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
            ],
            "StepUp": [
                *({"name": name, "type": "string"} for name in strings),
                {"name": "issuedAt", "type": "uint256"},
            ],
        },
        "primaryType": "StepUp",
        "domain": {"name": "trustdesk", "version": "1", "chainId": chain_id},
        "message": {**strings, "issuedAt": issued_at},
    }


def verify_typed_data_signature(address: str, typed_data: dict[str, Any], signature: str) -> bool:
    """Whether an EIP-712 (eth_signTypedData_v4) signature over ``typed_data`` is by
    ``address``; typed data that cannot be encoded is InvalidInput."""
    target = _address("ethereum", address)
    try:
        signable = encode_typed_data(full_message=typed_data)
    except (ValueError, TypeError, KeyError, ValidationError) as exc:
        raise InvalidInput(f"typed data cannot be encoded: {exc}", field="typed_data") from None
    return _recovers(signable, target.value, signature)


def _typed_data(message: str) -> dict[str, Any]:
    try:
        data = json.loads(message)
    except ValueError:
        raise InvalidInput("an EIP-712 message must be typed-data JSON", field="message") from None
    if not isinstance(data, dict):
        raise InvalidInput("an EIP-712 message must be a JSON object", field="message")
    return data


def _recovers(signable: SignableMessage, address: str, signature: str) -> bool:
    vrs = _vrs(signature)
    if vrs is None:
        return False
    try:
        recovered = Account.recover_message(signable, vrs=vrs)
    except _BAD_SIGNATURE:
        return False
    return recovered.lower() == address


def _vrs(signature: str) -> tuple[int, int, int] | None:
    """(v as 27/28, r, s) from 65 bytes of hex; wallets and Ledger write v as 27/28 or 0/1."""
    raw = _hex(signature)
    if raw is None or len(raw) != 65 or raw[64] not in (0, 1, 27, 28):
        return None
    return 27 + raw[64] % 27, int.from_bytes(raw[:32]), int.from_bytes(raw[32:64])


def _hex(text: str) -> bytes | None:
    text = text.strip()
    if text[:2] in ("0x", "0X"):
        text = text[2:]
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


# --- Bitcoin and Litecoin: BIP-137 compact signatures ----------------------------------

_MAGIC = {
    "bitcoin": b"\x18Bitcoin Signed Message:\n",
    "litecoin": b"\x19Litecoin Signed Message:\n",
}
# BIP-137 header = 27 + 4 * group + recovery id; the group names the address type
# (group 0 is P2PKH with an uncompressed key, the others use compressed keys).
_HEADER_KINDS = ("p2pkh", "p2pkh", "p2sh", "p2wpkh")


def _verify_bip137(target: Address, message: str, signature: str) -> bool:
    kind, hashed = _utxo_hash(target)
    compact = _compact(signature)
    if compact is None:
        return False
    group, recid = divmod(compact[0] - 27, 4)
    digest = _sha256d(_MAGIC[target.family] + _varint_bytes(message.encode()))
    point = _recover_secp256k1(digest, recid, compact[1:])
    if point is None:
        return False
    if group == 0:
        return kind == "p2pkh" and hashed == _hash160(b"\x04" + point.to_bytes())
    # Electrum and Sparrow's default sign segwit addresses with the compressed P2PKH
    # header (group 1); the recovered key is the same key, so the proof of control holds.
    if group != 1 and _HEADER_KINDS[group] != kind:
        return False
    pubkey = point.to_compressed_bytes()
    if kind == "p2sh":
        return hashed == _hash160(b"\x00\x14" + _hash160(pubkey))
    return hashed == _hash160(pubkey)


def _compact(signature: str) -> bytes | None:
    """A 65-byte BIP-137 signature with a known header, else None."""
    raw = _b64(signature)
    if raw is None or len(raw) != 65 or not 27 <= raw[0] <= 42:
        return None
    return raw


def _utxo_hash(target: Address) -> tuple[str, bytes]:
    """(p2pkh | p2sh | p2wpkh, the 20-byte hash the address commits to)."""
    if target.kind in ("p2pkh", "p2sh"):
        return target.kind, b58decode_check(target.value)[1:]
    if target.kind == "p2wpkh":
        return "p2wpkh", _witness_program(target)
    raise InvalidInput(
        f"BIP-137 message signatures cover single-key addresses (P2PKH, P2SH-P2WPKH, "
        f"P2WPKH), not {target.kind} addresses",
        field="address",
    )


def _recover_secp256k1(digest: bytes, recid: int, rs: bytes) -> PublicKey | None:
    r, s = int.from_bytes(rs[:32]), int.from_bytes(rs[32:64])
    if recid > 1:  # r >= n: about 2^-127 likely; eth_keys cannot recover it
        return None
    try:
        return keys.Signature(vrs=(recid, r, s)).recover_public_key_from_msg_hash(digest)
    except _BAD_SIGNATURE:
        return None


# --- Bitcoin: BIP-322 "simple" for P2WPKH -----------------------------------------------


def bip322_message_hash(message: str) -> bytes:
    """The BIP-340 tagged hash (tag "BIP0322-signed-message") of the message."""
    tag = hashlib.sha256(b"BIP0322-signed-message").digest()
    return hashlib.sha256(tag + tag + message.encode()).digest()


def bip322_to_spend(message: str, script_pubkey: bytes) -> bytes:
    """The serialized virtual ``to_spend`` transaction (it has no witness)."""
    script_sig = b"\x00\x20" + bip322_message_hash(message)
    return (
        b"\x00\x00\x00\x00\x01"  # version 0, one input
        + b"\x00" * 32
        + b"\xff\xff\xff\xff"  # prevout 000..000:0xFFFFFFFF
        + _varint_bytes(script_sig)
        + b"\x00\x00\x00\x00\x01"  # sequence 0, one output
        + b"\x00" * 8
        + _varint_bytes(script_pubkey)
        + b"\x00\x00\x00\x00"  # value 0, lock time 0
    )


def bip322_to_sign(to_spend_txid: bytes) -> bytes:
    """The serialized ``to_sign`` transaction without its witness (what its txid hashes)."""
    return (
        b"\x00\x00\x00\x00\x01"
        + to_spend_txid
        + b"\x00\x00\x00\x00\x00"  # prevout index 0, empty scriptSig
        + b"\x00\x00\x00\x00\x01"  # sequence 0, one output
        + b"\x00" * 8
        + b"\x01\x6a"  # value 0, OP_RETURN
        + b"\x00\x00\x00\x00"
    )


def _verify_bip322(target: Address, message: str, signature: str) -> bool:
    if target.kind != "p2wpkh":
        raise InvalidInput(
            "BIP-322 signatures are verified for P2WPKH (bc1q) addresses only",
            field="address",
        )
    witness = _witness_stack(signature)
    if witness is None or len(witness) != 2 or len(witness[1]) != 33:
        return False
    der, pubkey = witness[0][:-1], witness[1]
    program = _witness_program(target)
    if witness[0][-1:] != b"\x01" or _hash160(pubkey) != program:  # SIGHASH_ALL only
        return False
    script_pubkey = b"\x00\x14" + program
    txid = _sha256d(bip322_to_spend(message, script_pubkey))
    return _ecdsa_low_s(pubkey, der, _bip143_sighash(txid, program))


def _bip143_sighash(to_spend_txid: bytes, program: bytes) -> bytes:
    """The segwit v0 digest of ``to_sign``'s only input (BIP-143, SIGHASH_ALL, amount 0)."""
    outpoint = to_spend_txid + b"\x00\x00\x00\x00"
    sequence = b"\x00\x00\x00\x00"
    script_code = b"\x19\x76\xa9\x14" + program + b"\x88\xac"
    preimage = (
        b"\x00\x00\x00\x00"
        + _sha256d(outpoint)
        + _sha256d(sequence)
        + outpoint
        + script_code
        + b"\x00" * 8
        + sequence
        + _sha256d(b"\x00" * 8 + b"\x01\x6a")
        + b"\x00\x00\x00\x00"
        + b"\x01\x00\x00\x00"
    )
    return _sha256d(preimage)


def _ecdsa_low_s(pubkey: bytes, der: bytes, digest: bytes) -> bool:
    """BIP-322 requires strict DER and low S, as Bitcoin's standardness rules do."""
    try:
        r, s = decode_dss_signature(der)
        if encode_dss_signature(r, s) != der or s > SECP256K1_N // 2:
            return False
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), pubkey)
        key.verify(der, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    except _BAD_SIGNATURE:
        return False
    return True


def _witness_stack(signature: str) -> list[bytes] | None:
    text = signature.strip()
    if text.startswith("smp"):  # the newer BIP-322 text marks simple signatures so
        text = text[3:]
    raw = _b64(text)
    if not raw:
        return None
    items: list[bytes] = []
    count, pos = _read_varint(raw, 0)
    for _ in range(count):
        size, pos = _read_varint(raw, pos)
        if pos + size > len(raw):
            return None
        items.append(raw[pos : pos + size])
        pos += size
    return items if pos == len(raw) else None


def _read_varint(raw: bytes, pos: int) -> tuple[int, int]:
    """(value, next position); past-the-end reads give a size the caller rejects."""
    if pos >= len(raw):
        return len(raw) + 1, pos
    first = raw[pos]
    width = {0xFD: 2, 0xFE: 4, 0xFF: 8}.get(first, 0)
    if width == 0:
        return first, pos + 1
    return int.from_bytes(raw[pos + 1 : pos + 1 + width], "little"), pos + 1 + width


def _varint_bytes(data: bytes) -> bytes:
    n = len(data)
    if n < 0xFD:
        prefix = n.to_bytes(1)
    elif n <= 0xFFFF:
        prefix = b"\xfd" + n.to_bytes(2, "little")
    elif n <= 0xFFFFFFFF:
        prefix = b"\xfe" + n.to_bytes(4, "little")
    else:
        prefix = b"\xff" + n.to_bytes(8, "little")
    return prefix + data


def _witness_program(target: Address) -> bytes:
    hrp = target.value[: target.value.rfind("1")]
    _, program = bech32.decode(hrp, target.value)
    return bytes(program or b"")


# --- TRON (TronWeb signMessageV2) and Solana --------------------------------------------


def tron_message_hash(message: str) -> bytes:
    data = message.encode()
    return keccak(b"\x19TRON Signed Message:\n" + str(len(data)).encode() + data)


def _verify_tron(target: Address, message: str, signature: str) -> bool:
    raw = _hex(signature)
    if raw is None or len(raw) != 65 or raw[64] not in (0, 1, 27, 28):
        return False
    point = _recover_secp256k1(tron_message_hash(message), raw[64] % 27, raw[:64])
    if point is None:
        return False
    address = b58encode_check(b"\x41" + keccak(point.to_bytes())[-20:]).decode()
    return address == target.value


def _verify_solana(target: Address, message: str, signature: str) -> bool:
    try:
        raw = b58decode(signature.strip())
        key = Ed25519PublicKey.from_public_bytes(b58decode(target.value))
        if len(raw) != 64:
            return False
        key.verify(raw, message.encode())
    except _BAD_SIGNATURE:
        return False
    return True


_VERIFIERS: dict[SignatureScheme, Callable[[Address, str, str], bool]] = {
    SignatureScheme.EIP191: _verify_eip191,
    SignatureScheme.BIP137: _verify_bip137,
    SignatureScheme.BIP322: _verify_bip322,
    SignatureScheme.TRON: _verify_tron,
    SignatureScheme.SOLANA: _verify_solana,
}


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _hash160(data: bytes) -> bytes:
    return RIPEMD160.new(hashlib.sha256(data).digest()).digest()
