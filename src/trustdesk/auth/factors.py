"""One strategy per factor type behind one interface: enrol, activate, prompt, send, verify.

A strategy reads and writes its own factor row; the flow around it (challenges, failure
counting, lock-outs, rate limits, tokens, audit) lives in ``flows``. Every ``verify`` returns
a plain bool: why a proof failed is never told to the caller.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, Protocol

from trustdesk.auth import cvv, devicekeys, onetime, otp, passkeys, qr, recovery, walletsig, webpush
from trustdesk.auth.delivery import ChannelRouter, OutboundMessage, mask_destination, validate_e164
from trustdesk.auth.delivery import validate_email as _validate_email
from trustdesk.auth.model import (
    Challenge,
    FactorStatus,
    FactorType,
    approval_message,
    wallet_message,
)
from trustdesk.auth.schemas import EnrollIn, ProofIn
from trustdesk.auth.secretbox import Keyring
from trustdesk.auth.store import ChallengeRow, FactorRow, SqlStepUpStore
from trustdesk.chains.addresses import normalize_address
from trustdesk.chains.registry import get_chain
from trustdesk.core.clock import Clock
from trustdesk.core.errors import InvalidInput
from trustdesk.risk.policy import StepUpRules

DEVICE_ENROL_PURPOSE = "trustdesk.device-enrol.v1"


@dataclass
class StepUpEnv:
    """What strategies need, for one unit of work."""

    store: SqlStepUpStore
    keyring: Keyring
    pepper: bytes
    clock: Clock
    rules: StepUpRules
    issuer: str
    rp_id: str
    origin: str
    router: ChannelRouter
    vapid: webpush.VapidSigner | None
    vapid_subject: str
    push_allow_insecure: bool

    def seal(self, row: FactorRow, plaintext: str) -> str:
        return self.keyring.seal(plaintext.encode(), aad=_aad(row.id))

    def unseal(self, row: FactorRow) -> str:
        if row.secret_sealed is None:  # pragma: no cover - every sealed type sets it
            raise InvalidInput("this factor holds no secret")
        return self.keyring.open(row.secret_sealed, aad=_aad(row.id)).decode()


class Strategy(Protocol):
    type: FactorType

    def enroll(self, env: StepUpEnv, row: FactorRow, body: EnrollIn) -> dict[str, Any]:
        """Fill the new row; return what is shown once (and ``next_step``)."""

    def activate(self, env: StepUpEnv, row: FactorRow, proof: ProofIn) -> bool:
        """Proof of possession for a pending factor."""

    def prompt(self, env: StepUpEnv, row: FactorRow, challenge: Challenge) -> dict[str, Any]:
        """What the client needs to answer this challenge with this factor."""

    def send(self, env: StepUpEnv, row: FactorRow, challenge: ChallengeRow) -> dict[str, Any]:
        """Deliver something (a code, a push); refuse if the type sends nothing."""

    def verify(
        self, env: StepUpEnv, row: FactorRow, challenge: Challenge | None, proof: ProofIn
    ) -> bool:
        """True when the proof is right; a challenge of None means outside any transaction."""


class _Base(ABC):
    """Defaults shared by the strategies; each one says how its proof is checked."""

    type: FactorType
    sends = False

    @abstractmethod
    def verify(
        self, env: StepUpEnv, row: FactorRow, challenge: Challenge | None, proof: ProofIn
    ) -> bool: ...

    def prompt(self, env: StepUpEnv, row: FactorRow, challenge: Challenge) -> dict[str, Any]:
        return {}

    def send(self, env: StepUpEnv, row: FactorRow, challenge: ChallengeRow) -> dict[str, Any]:
        raise InvalidInput(
            f"a {self.type.value} factor has nothing to send; answer with its code or signature",
            field="factor_id",
        )

    def activate(self, env: StepUpEnv, row: FactorRow, proof: ProofIn) -> bool:
        return self.verify(env, row, None, proof)


# --- TOTP and HOTP -----------------------------------------------------------------------


class OtpStrategy(_Base):
    def __init__(self, kind: FactorType) -> None:
        self.type = kind

    def params(self, row: FactorRow) -> otp.OtpParams:
        p = row.params
        return otp.OtpParams(
            kind="totp" if self.type is FactorType.TOTP else "hotp",
            algorithm=p["algorithm"],
            digits=p["digits"],
            period=p.get("period", 30),
        )

    def enroll(self, env: StepUpEnv, row: FactorRow, body: EnrollIn) -> dict[str, Any]:
        kind: Literal["totp", "hotp"] = "totp" if self.type is FactorType.TOTP else "hotp"
        params = otp.OtpParams(
            kind=kind, algorithm=body.algorithm, digits=body.digits, period=body.period
        )
        secret = otp.new_secret(params.algorithm)
        row.secret_sealed = env.seal(row, secret)
        row.params = {"algorithm": params.algorithm, "digits": params.digits}
        if kind == "totp":
            row.params["period"] = params.period
        row.counter = body.counter
        uri = otp.provisioning_uri(
            secret, params, issuer=env.issuer, account_name=row.label, counter=body.counter
        )
        return {
            "otpauth_uri": uri,
            "qr_svg": qr.qr_svg(uri),
            "qr_png_base64": base64.b64encode(qr.qr_png(uri)).decode(),
            "next_step": "scan the QR code, then verify the first code to activate the factor",
        }

    def verify(
        self, env: StepUpEnv, row: FactorRow, challenge: Challenge | None, proof: ProofIn
    ) -> bool:
        code = otp.normalize_code(proof.code or "")  # apps show "244 798"
        secret = env.unseal(row)
        params = self.params(row)
        now = env.clock.now()
        if self.type is FactorType.TOTP:
            step = otp.match_totp(secret, params, code, now, drift=row.drift)
            if step is None or (row.last_step is not None and step <= row.last_step):
                return False
            if not env.store.use_step(row.id, step, now):
                return False  # the same step, accepted a moment ago by a racing request
            row.drift = step - otp.time_step(params, now)
            row.last_step = step
            return True
        counter = otp.match_hotp(secret, params, code, row.counter)
        if counter is None or not env.store.use_step(row.id, counter, now):
            return False
        row.counter = counter + 1
        row.last_step = counter
        return True

    def resync(self, env: StepUpEnv, row: FactorRow, code1: str, code2: str) -> bool:
        if self.type is not FactorType.HOTP:
            raise InvalidInput("only HOTP factors resynchronise", field="factor_id")
        code1, code2 = otp.normalize_code(code1), otp.normalize_code(code2)
        counter = otp.resync_hotp(env.unseal(row), self.params(row), code1, code2, row.counter)
        if counter is None or not env.store.use_step(row.id, counter, env.clock.now()):
            return False
        row.counter = counter + 1
        row.last_step = counter
        return True


# --- dynamic CVV -------------------------------------------------------------------------


class CvvStrategy(_Base):
    type = FactorType.CVV
    period = 300

    def enroll(self, env: StepUpEnv, row: FactorRow, body: EnrollIn) -> dict[str, Any]:
        secret = secrets.token_bytes(20)
        encoded = base64.b32encode(secret).decode().rstrip("=")
        row.secret_sealed = env.seal(row, encoded)
        row.params = {"digits": 3, "period": self.period}
        return {
            "secret_base32": encoded,
            "next_step": "provision the secret to the card app, then verify its current CVV",
        }

    def verify(
        self, env: StepUpEnv, row: FactorRow, challenge: Challenge | None, proof: ProofIn
    ) -> bool:
        encoded = env.unseal(row)
        secret = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
        now = env.clock.now()
        code = otp.normalize_code(proof.code or "")
        step = cvv.match_dynamic_cvv(secret, code, now, period=self.period)
        if step is None or (row.last_step is not None and step <= row.last_step):
            return False
        if not env.store.use_step(row.id, step, now):
            return False
        row.last_step = step
        return True


# --- SMS and e-mail codes ----------------------------------------------------------------


class CodeStrategy(_Base):
    sends = True

    def __init__(self, kind: FactorType) -> None:
        self.type = kind
        self.channel = "sms" if kind is FactorType.SMS else "email"

    def enroll(self, env: StepUpEnv, row: FactorRow, body: EnrollIn) -> dict[str, Any]:
        if self.channel not in env.router.channels():
            raise InvalidInput(
                f"no {self.channel} channel is configured on this server", field="type"
            )
        if self.channel == "sms":
            if not body.phone:
                raise InvalidInput("an SMS factor needs a phone number", field="phone")
            to = validate_e164(body.phone, field="phone")
        else:
            if not body.email:
                raise InvalidInput("an e-mail factor needs an address", field="email")
            to = _validate_email(body.email, field="email")
        now = env.clock.now()
        row.secret_sealed = env.seal(row, to)
        row.destination_since = body.number_since or now
        masked = mask_destination(self.channel, to)
        code = onetime.new_code(env.rules.code_digits)
        expires = now.timestamp() + env.rules.code_ttl_s
        row.params = {
            "sent_to": masked,
            "enrol_code_hash": onetime.hash_code(code, pepper=env.pepper, binding=_enrol(row)),
            "enrol_code_expires": expires,
        }
        # Written before the code goes out: a refused row must not leave a code sent.
        env.store.add_factor(row)
        what = "number" if self.channel == "sms" else "address"
        env.router.send(
            OutboundMessage(
                channel=self.channel,  # type: ignore[arg-type]
                to=to,
                subject=f"{env.issuer}: confirm this {what}",
                text=f"{env.issuer} code {code}: confirms this {what} for approvals. "
                "Never share it.",
                purpose="enrol",
            )
        )
        return {"sent_to": masked, "next_step": "verify the code that was just sent"}

    def activate(self, env: StepUpEnv, row: FactorRow, proof: ProofIn) -> bool:
        stored = row.params.get("enrol_code_hash")
        fresh = env.clock.now().timestamp() < float(row.params.get("enrol_code_expires", 0))
        ok = bool(stored) and onetime.code_matches(
            proof.code or "", str(stored), pepper=env.pepper, binding=_enrol(row)
        )
        if ok and fresh:
            row.params = {k: v for k, v in row.params.items() if not k.startswith("enrol_")}
            return True
        return False

    def send(self, env: StepUpEnv, row: FactorRow, challenge: ChallengeRow) -> dict[str, Any]:
        now = env.clock.now()
        code = onetime.new_code(env.rules.code_digits)
        challenge.code_hash = onetime.hash_code(
            code, pepper=env.pepper, binding=_binding(challenge.id, challenge.digest)
        )
        challenge.code_factor_id = row.id
        challenge.code_expires_at = now + _seconds(env.rules.code_ttl_s)
        challenge.code_sent_at = now
        challenge.sends = (challenge.sends or 0) + 1
        to = env.unseal(row)
        # Dynamic linking: the message names the amount and the payee it approves.
        env.router.send(
            OutboundMessage(
                channel=self.channel,  # type: ignore[arg-type]
                to=to,
                subject=f"{env.issuer}: approve {challenge.amount} {challenge.asset}",
                text=(
                    f"{env.issuer} code {code} approves {challenge.amount} {challenge.asset} "
                    f"to {_short(challenge.destination)}. Valid "
                    f"{env.rules.code_ttl_s // 60} min. Never share it."
                ),
                purpose="otp",
            )
        )
        return {
            "sent_to": row.params.get("sent_to"),
            "expires_at": challenge.code_expires_at.isoformat(),
        }

    def verify(
        self, env: StepUpEnv, row: FactorRow, challenge: Challenge | None, proof: ProofIn
    ) -> bool:
        if challenge is None:
            return False  # a sent code belongs to a challenge
        ch = env.store.challenge_row(challenge.id)
        if ch is None or ch.code_hash is None or ch.code_factor_id != row.id:
            onetime.hash_code("0" * 6, pepper=env.pepper, binding="even-timing")
            return False
        if ch.code_expires_at is None or env.clock.now() >= ch.code_expires_at:
            return False
        binding = _binding(ch.id, ch.digest)
        if not onetime.code_matches(
            proof.code or "", ch.code_hash, pepper=env.pepper, binding=binding
        ):
            return False
        return env.store.spend_code(ch.id, ch.code_hash)


# --- push approval with a device-bound key -----------------------------------------------


class PushStrategy(_Base):
    type = FactorType.PUSH
    sends = True

    def enroll(self, env: StepUpEnv, row: FactorRow, body: EnrollIn) -> dict[str, Any]:
        if not body.key_algorithm or not body.public_key:
            raise InvalidInput(
                "a push factor needs the device's key_algorithm and public_key", field="public_key"
            )
        key = devicekeys.parse_public_key(body.key_algorithm, body.public_key)
        message = device_enrolment_message(row.account_id, body.key_algorithm, key)
        if not body.signature or not devicekeys.verify_device_signature(
            body.key_algorithm, key, message, body.signature
        ):
            raise InvalidInput(
                "the device must sign the enrolment message with its key (proof of possession)",
                field="signature",
            )
        row.params = {
            "key_algorithm": body.key_algorithm,
            "public_key": base64.b64encode(key).decode(),
        }
        if body.subscription is not None:
            sub = webpush.parse_subscription(
                body.subscription, allow_insecure=env.push_allow_insecure
            )
            row.secret_sealed = env.seal(
                row, json.dumps({"endpoint": sub.endpoint, "p256dh": sub.p256dh, "auth": sub.auth})
            )
            row.params["push"] = True
        row.status = FactorStatus.ACTIVE.value
        row.activated_at = env.clock.now()
        return {"next_step": "active: challenges can be approved on this device"}

    def send(self, env: StepUpEnv, row: FactorRow, challenge: ChallengeRow) -> dict[str, Any]:
        if row.secret_sealed is None or env.vapid is None:
            raise InvalidInput(
                "this device has no push subscription (or the server no VAPID key); "
                "the app can fetch the challenge instead",
                field="factor_id",
            )
        sub = json.loads(env.unseal(row))
        subscription = webpush.PushSubscription(sub["endpoint"], sub["p256dh"], sub["auth"])
        payload = push_payload(challenge)
        webpush.send_push(
            subscription,
            json.dumps(payload, separators=(",", ":")).encode(),
            vapid=env.vapid,
            subject=env.vapid_subject,
            ttl=max(1, int((challenge.expires_at - env.clock.now()).total_seconds())),
        )
        return {"sent_to": "device", "expires_at": challenge.expires_at.isoformat()}

    def verify(
        self, env: StepUpEnv, row: FactorRow, challenge: Challenge | None, proof: ProofIn
    ) -> bool:
        if challenge is None or proof.number is None or proof.answer is None:
            return False
        key = base64.b64decode(row.params["public_key"])
        message = approval_message(challenge, proof.number, proof.answer)
        signed = devicekeys.verify_device_signature(
            row.params["key_algorithm"], key, message, proof.signature or ""
        )
        # The phone must echo the number shown where the payment was started: a relayed
        # or bombed push the user taps blindly fails here.
        return signed and (proof.answer == "deny" or proof.number == challenge.number_match)


def device_enrolment_message(account_id: str, algorithm: str, key: bytes) -> bytes:
    return json.dumps(
        {
            "account_id": account_id,
            "key_algorithm": algorithm,
            "public_key": base64.b64encode(key).decode(),
            "purpose": DEVICE_ENROL_PURPOSE,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def push_payload(challenge: ChallengeRow) -> dict[str, Any]:
    """What the phone shows: the payment, and three numbers of which one is on the screen."""
    decoys: set[int] = set()
    while len(decoys) < 2:
        n = secrets.randbelow(100)
        if n != challenge.number_match:
            decoys.add(n)
    numbers = [challenge.number_match, *decoys]
    secrets.SystemRandom().shuffle(numbers)
    return {
        "type": "trustdesk.push-challenge.v1",
        "challenge_id": challenge.id,
        "amount": challenge.amount,
        "asset": challenge.asset,
        "destination": challenge.destination,
        "digest": challenge.digest,
        "expires_at": challenge.expires_at.isoformat(),
        "numbers": numbers,
    }


# --- WebAuthn / passkeys -----------------------------------------------------------------


class PasskeyStrategy(_Base):
    type = FactorType.WEBAUTHN

    def enroll(self, env: StepUpEnv, row: FactorRow, body: EnrollIn) -> dict[str, Any]:
        challenge = secrets.token_bytes(32)
        others = [
            _b64d(f.params["credential_id"])
            for f in env.store.factors(row.account_id)
            if f.type == FactorType.WEBAUTHN.value and "credential_id" in f.params
        ]
        options = passkeys.registration_options(
            rp_id=env.rp_id,
            rp_name=env.issuer,
            user_id=hashlib.sha256(row.account_id.encode()).digest()[:16],
            user_name=row.label,
            challenge=challenge,
            exclude=others,
        )
        row.params = {"registration_challenge": _b64e(challenge)}
        return {
            "webauthn_options": json.loads(options),
            "next_step": "create the credential in the browser and post it to activate",
        }

    def activate(self, env: StepUpEnv, row: FactorRow, proof: ProofIn) -> bool:
        challenge = row.params.get("registration_challenge")
        if not challenge or proof.response is None:
            return False
        try:
            cred = passkeys.verify_registration(
                json.dumps(proof.response),
                challenge=_b64d(challenge),
                rp_id=env.rp_id,
                origin=env.origin,
            )
        except passkeys.PasskeyRejected:
            return False
        row.params = {
            "credential_id": _b64e(cred.credential_id),
            "public_key": _b64e(cred.public_key),
            "sign_count": cred.sign_count,
            "aaguid": cred.aaguid,
            "transports": cred.transports,
        }
        return True

    def prompt(self, env: StepUpEnv, row: FactorRow, challenge: Challenge) -> dict[str, Any]:
        options = passkeys.authentication_options(
            rp_id=env.rp_id,
            challenge=passkey_challenge(challenge),
            allow=[_b64d(row.params["credential_id"])],
        )
        return {"webauthn_options": json.loads(options)}

    def verify(
        self, env: StepUpEnv, row: FactorRow, challenge: Challenge | None, proof: ProofIn
    ) -> bool:
        if challenge is None or proof.response is None or "credential_id" not in row.params:
            return False
        p = row.params
        credential = passkeys.PasskeyCredential(
            credential_id=_b64d(p["credential_id"]),
            public_key=_b64d(p["public_key"]),
            sign_count=int(p["sign_count"]),
            aaguid=str(p.get("aaguid", "")),
            transports=list(p.get("transports", [])),
        )
        try:
            count = passkeys.verify_authentication(
                json.dumps(proof.response),
                challenge=passkey_challenge(challenge),
                rp_id=env.rp_id,
                origin=env.origin,
                credential=credential,
            )
        except passkeys.PasskeyRejected:
            return False
        row.params = {**p, "sign_count": count}
        return True


def passkey_challenge(challenge: Challenge) -> bytes:
    """The WebAuthn challenge is the transaction: an assertion over it approves only it."""
    return hashlib.sha256(f"{challenge.id}:{challenge.digest}".encode()).digest()


# --- wallet signature --------------------------------------------------------------------


class WalletStrategy(_Base):
    type = FactorType.WALLET

    def enroll(self, env: StepUpEnv, row: FactorRow, body: EnrollIn) -> dict[str, Any]:
        if not body.chain or not body.address:
            raise InvalidInput("a wallet factor needs chain and address", field="address")
        chain = get_chain(body.chain)
        address = normalize_address(chain.name, body.address)
        scheme = walletsig.SignatureScheme(body.scheme) if body.scheme else None
        message = wallet_enrolment_message(env.issuer, row.account_id, chain.name, address.display)
        if not body.signature or not walletsig.verify_message_signature(
            chain.name, address.display, message, body.signature, scheme
        ):
            raise InvalidInput(
                "sign the enrolment message with this wallet (proof of possession); "
                f"the message is: {message!r}",
                field="signature",
            )
        row.params = {
            "chain": chain.name,
            "family": address.family,
            "address": address.display,
            "scheme": walletsig.resolve_scheme(
                chain.name, address.display, body.signature, scheme
            ).value,
        }
        row.status = FactorStatus.ACTIVE.value
        row.activated_at = env.clock.now()
        return {"next_step": "active: challenges can be approved by signing with this wallet"}

    def prompt(self, env: StepUpEnv, row: FactorRow, challenge: Challenge) -> dict[str, Any]:
        return {"wallet_message": wallet_message(challenge, env.issuer)}

    def verify(
        self, env: StepUpEnv, row: FactorRow, challenge: Challenge | None, proof: ProofIn
    ) -> bool:
        if challenge is None or not proof.signature:
            return False
        p = row.params
        scheme = walletsig.SignatureScheme(proof.scheme) if proof.scheme else None
        if scheme is walletsig.SignatureScheme.EIP712:
            return walletsig.verify_typed_data_signature(
                p["address"], eip712_for(challenge, p, env), proof.signature
            )
        return walletsig.verify_message_signature(
            p["chain"], p["address"], wallet_message(challenge, env.issuer), proof.signature, scheme
        )


def wallet_enrolment_message(issuer: str, account_id: str, chain: str, address: str) -> str:
    return f"{issuer}: link wallet {address} on {chain} to account {account_id} for approvals"


def eip712_for(challenge: Challenge, params: dict[str, Any], env: StepUpEnv) -> dict[str, Any]:
    return walletsig.stepup_typed_data(
        chain_id=int(params.get("chain_id", 1)),
        challenge_id=challenge.id,
        digest=challenge.digest,
        account_id=challenge.account_id,
        amount=challenge.amount,
        asset=challenge.asset,
        destination=challenge.destination,
        issued_at=int(challenge.created_at.timestamp()),
    )


# --- recovery codes ----------------------------------------------------------------------


class RecoveryStrategy(_Base):
    type = FactorType.RECOVERY

    def enroll(self, env: StepUpEnv, row: FactorRow, body: EnrollIn) -> dict[str, Any]:
        codes = recovery.generate_recovery_codes(10)
        row.params = {"count": len(codes)}
        row.status = FactorStatus.ACTIVE.value
        row.activated_at = env.clock.now()
        env.store.add_factor(row)
        env.store.add_recovery_codes(row.id, [recovery.hash_recovery_code(c) for c in codes])
        return {
            "recovery_codes": codes,
            "next_step": "store these codes offline; each works once and they are not shown again",
        }

    def verify(
        self, env: StepUpEnv, row: FactorRow, challenge: Challenge | None, proof: ProofIn
    ) -> bool:
        if challenge is not None:
            return False  # recovery codes restore access; they never approve a payment
        for stored in env.store.unused_recovery_codes(row.id):
            if recovery.verify_recovery_code(proof.code or "", stored.code_hash):
                return env.store.use_recovery_code(row.id, stored.idx, env.clock.now())
        return False


STRATEGIES: dict[FactorType, Strategy] = {
    FactorType.TOTP: OtpStrategy(FactorType.TOTP),
    FactorType.HOTP: OtpStrategy(FactorType.HOTP),
    FactorType.SMS: CodeStrategy(FactorType.SMS),
    FactorType.EMAIL: CodeStrategy(FactorType.EMAIL),
    FactorType.PUSH: PushStrategy(),
    FactorType.WEBAUTHN: PasskeyStrategy(),
    FactorType.WALLET: WalletStrategy(),
    FactorType.CVV: CvvStrategy(),
    FactorType.RECOVERY: RecoveryStrategy(),
}


def _aad(factor_id: str) -> bytes:
    return f"factor:{factor_id}".encode()


def _enrol(row: FactorRow) -> str:
    return f"enrol:{row.id}"


def _binding(challenge_id: str, digest: str) -> str:
    return f"{challenge_id}:{digest}"


def _seconds(n: int) -> timedelta:
    return timedelta(seconds=n)


def _short(address: str) -> str:
    return address if len(address) <= 16 else f"{address[:8]}…{address[-6:]}"


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
