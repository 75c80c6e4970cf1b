"""OTP arithmetic against RFC 4226/6238 vectors and oathtool; matching windows; HOTP resync."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

import pyotp
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.conftest import need, shared_data
from trustdesk.auth.otp import (
    Algorithm,
    Kind,
    OtpParams,
    ParsedUri,
    code_at_step,
    match_hotp,
    match_totp,
    new_secret,
    normalize_code,
    normalize_secret,
    parse_uri,
    provisioning_uri,
    resync_hotp,
    time_step,
)
from trustdesk.core.errors import InvalidInput

RFC_SEED = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32("12345678901234567890")


def b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=")


def at_unix(seconds: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    path = shared_data("otp_test_vectors", "rfc_otp_vectors.json")
    return json.loads(path.read_text())


# --- RFC vectors ---------------------------------------------------------------------------


def test_rfc4226_hotp_vectors(vectors: dict[str, Any]) -> None:
    hotp = vectors["rfc4226_hotp"]
    secret = b32(bytes.fromhex(hotp["secret_hex"]))
    assert secret == hotp["secret_base32"] == RFC_SEED
    params = OtpParams(kind="hotp", algorithm="SHA1", digits=hotp["digits"])
    got = [code_at_step(secret, params, v["counter"]) for v in hotp["vectors"]]
    assert got == [v["hotp"] for v in hotp["vectors"]]
    assert len(got) == 10


def test_rfc6238_totp_vectors(vectors: dict[str, Any]) -> None:
    totp = vectors["rfc6238_totp"]
    assert len(totp["vectors"]) == 18
    for v in totp["vectors"]:
        params = OtpParams(algorithm=v["mode"], digits=totp["digits"], period=30)
        secret = b32(totp["secrets_ascii"][v["mode"]].encode())
        at = at_unix(v["time_unix"])
        step = time_step(params, at)
        assert step == int(v["T_hex"], 16), v
        assert code_at_step(secret, params, step) == v["totp"], v
        assert match_totp(secret, params, v["totp"], at, window=0) == step


# --- oathtool, an independent implementation ------------------------------------------------


@dataclass(frozen=True)
class Case:
    params: OtpParams
    raw: bytes
    at: datetime  # TOTP
    counter: int  # HOTP

    def oathtool_args(self, width: int) -> list[str]:
        p = self.params
        if p.kind == "hotp":  # oathtool's HOTP is SHA1 only; give the key in hex this time
            return ["--hotp", f"--digits={p.digits}", f"-c{self.counter}", f"-w{width}"] + [
                self.raw.hex()
            ]
        now = self.at.strftime("%Y-%m-%d %H:%M:%S UTC")
        return [
            f"--totp={p.algorithm}",
            f"--digits={p.digits}",
            f"--time-step-size={p.period}s",
            f"--now={now}",
            f"-w{width}",
            "-b",
            b32(self.raw),
        ]


def _cases(n: int = 60) -> list[Case]:
    rng = random.Random(20260101)
    algorithms: list[Algorithm] = ["SHA1", "SHA256", "SHA512"]
    cases = []
    for i in range(n):
        kind: Kind = "hotp" if i % 4 == 3 else "totp"
        algorithm: Algorithm = "SHA1" if kind == "hotp" else algorithms[i % 3]
        params = OtpParams(
            kind=kind,
            algorithm=algorithm,
            digits=rng.choice([6, 7, 8]),
            period=rng.choice([10, 15, 30, 45, 60, 90, 120]),
        )
        size = rng.choice([16, 20, 32, 64, 20 if algorithm == "SHA1" else 64])
        raw = bytes(rng.getrandbits(8) for _ in range(size))
        at = at_unix(rng.randrange(0, 4_102_444_800))  # 1970 .. 2100
        cases.append(Case(params, raw, at, rng.randrange(0, 2**40)))
    return cases


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c.params.kind}-{c.params.algorithm}")
def test_codes_equal_oathtool(case: Case) -> None:
    oathtool = shutil.which("oathtool")
    need(oathtool is not None, "oathtool is not installed (Debian package oathtool)")
    assert oathtool is not None
    width = 3  # four consecutive codes per call
    run = subprocess.run(
        [oathtool, *case.oathtool_args(width)], capture_output=True, text=True, check=True
    )
    expected = run.stdout.split()
    assert len(expected) == width + 1
    secret, p = b32(case.raw), case.params
    start = case.counter if p.kind == "hotp" else time_step(p, case.at)
    assert [code_at_step(secret, p, start + i) for i in range(width + 1)] == expected
    if p.kind == "totp":
        assert match_totp(secret, p, expected[0], case.at, window=0) == start
    else:
        assert match_hotp(secret, p, expected[2], case.counter, look_ahead=2) == start + 2


def test_generated_secrets_work_in_oathtool() -> None:
    oathtool = shutil.which("oathtool")
    need(oathtool is not None, "oathtool is not installed (Debian package oathtool)")
    assert oathtool is not None
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for algorithm in ("SHA1", "SHA256", "SHA512"):
        params = OtpParams(algorithm=algorithm, digits=8)
        secret = new_secret(algorithm)
        args = [f"--totp={algorithm}", "-d8", "--now=2026-01-01 00:00:00 UTC", "-b", secret]
        out = subprocess.run([oathtool, *args], capture_output=True, text=True, check=True)
        assert code_at_step(secret, params, time_step(params, at)) == out.stdout.strip()


# --- parameters and secrets -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"digits": 5}, "digits"),
        ({"digits": 9}, "digits"),
        ({"digits": True}, "digits"),
        ({"period": 9}, "period"),
        ({"period": 121}, "period"),
        ({"period": 30.0}, "period"),
        ({"algorithm": "MD5"}, "algorithm"),
        ({"algorithm": "sha1"}, "algorithm"),
        ({"kind": "motp"}, "kind"),
    ],
)
def test_params_refuse_out_of_range(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        OtpParams(**kwargs)
    assert err.value.field == field


def test_params_bounds_are_inclusive() -> None:
    assert OtpParams(digits=6, period=10).period == 10
    assert OtpParams(digits=8, period=120).digits == 8


@pytest.mark.parametrize(
    ("algorithm", "chars", "size"), [("SHA1", 32, 20), ("SHA256", 52, 32), ("SHA512", 103, 64)]
)
def test_new_secret_length_and_encoding(algorithm: Algorithm, chars: int, size: int) -> None:
    secrets = {new_secret(algorithm) for _ in range(20)}
    assert len(secrets) == 20  # fresh each time
    for secret in secrets:
        assert len(secret) == chars and "=" not in secret
        assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == size


def test_normalize_secret() -> None:
    assert normalize_secret("gezdgnbvgy3tqojqgezdgnbvgy3tqojq") == RFC_SEED
    assert normalize_secret(" " + RFC_SEED + "\n") == RFC_SEED
    assert normalize_secret(b32(bytes(32)) + "====") == b32(bytes(32))
    for bad in ["", "GEZDGNBV GY3TQOJQ", "GEZDGNBVGY3TQOJ1", "JBSWY3DPEHPK3PXP", "A" * 33]:
        with pytest.raises(InvalidInput) as err:
            normalize_secret(bad)
        assert err.value.field == "secret"
        assert bad not in err.value.message or bad == ""


def test_normalize_code_drops_display_separators() -> None:
    assert normalize_code("123 456") == "123456"
    assert normalize_code("1234-5678") == "12345678"


def test_time_step_needs_an_aware_datetime() -> None:
    with pytest.raises(ValueError):
        time_step(OtpParams(), datetime(2026, 1, 1))
    # 2026-01-01T00:00:00Z is 1767225600; the same instant written in +05:30 gives the same step.
    india = datetime(2026, 1, 1, 5, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert time_step(OtpParams(), india) == 1767225600 // 30
    assert time_step(OtpParams(period=60), at_unix(1767225659)) == 1767225600 // 60


# --- TOTP matching --------------------------------------------------------------------------

RFC8 = OtpParams(digits=8)
T1111111109 = at_unix(1111111109)  # step 0x23523EC, code 07081804 (RFC 6238)
STEP = 0x23523EC


@pytest.mark.parametrize(
    ("offset_s", "drift", "window", "expected"),
    [
        (0, 0, 1, STEP),
        (30, 0, 1, STEP),  # one step late
        (-30, 0, 1, STEP),  # one step early
        (60, 0, 1, None),  # two steps late: outside
        (-60, 0, 1, None),
        (30, 0, 0, None),
        (60, 0, 2, STEP),
        (60, -2, 0, STEP),  # a clock known to run 2 steps behind
        (90, -2, 1, STEP),
        (90, -2, 0, None),
        (0, 2, 1, None),
    ],
)
def test_match_totp_window_and_drift(
    offset_s: int, drift: int, window: int, expected: int | None
) -> None:
    at = T1111111109 + timedelta(seconds=offset_s)
    assert match_totp(RFC_SEED, RFC8, "07081804", at, drift=drift, window=window) == expected


@pytest.mark.parametrize(
    "code", ["7081804", "070818040", "0708180a", " 07081804", "０７０８１８０４", "", "07081805"]
)
def test_match_totp_refuses_malformed_or_wrong_codes(code: str) -> None:
    assert match_totp(RFC_SEED, RFC8, code, T1111111109) is None


def test_match_totp_near_the_epoch_skips_negative_steps() -> None:
    # RFC 6238: T=1 at 59 s gives 94287082; at 0 s the window reaches back to -1.
    assert match_totp(RFC_SEED, RFC8, "94287082", at_unix(0)) == 1
    assert match_totp(RFC_SEED, RFC8, "94287082", at_unix(0), drift=-5) is None


def test_match_totp_returns_the_highest_of_equal_codes() -> None:
    # Found by search and checked with oathtool: steps 910737 and 910738 of the RFC seed
    # (SHA1, 6 digits) both give 911617.
    params = OtpParams()
    assert code_at_step(RFC_SEED, params, 910737) == code_at_step(RFC_SEED, params, 910738)
    at = at_unix(910737 * 30)
    assert match_totp(RFC_SEED, params, "911617", at) == 910738


def test_match_totp_refuses_hotp_params() -> None:
    with pytest.raises(ValueError):
        match_totp(RFC_SEED, OtpParams(kind="hotp"), "755224", T1111111109)


# --- HOTP look-ahead and resync -------------------------------------------------------------

HOTP6 = OtpParams(kind="hotp")
# RFC 4226 Appendix D, counters 0..9
RFC_HOTP = ["755224", "287082", "359152", "969429", "338314"]
RFC_HOTP += ["254676", "287922", "162583", "399871", "520489"]


@pytest.mark.parametrize(
    ("code", "next_counter", "look_ahead", "expected"),
    [
        ("254676", 0, 10, 5),
        ("254676", 5, 0, 5),
        ("254676", 0, 5, 5),
        ("254676", 0, 4, None),  # beyond the look-ahead
        ("254676", 6, 10, None),  # already used
        ("520489", 9, 0, 9),
        ("520488", 0, 10, None),
        ("25467", 0, 10, None),
        ("25467x", 0, 10, None),
    ],
)
def test_match_hotp_look_ahead(
    code: str, next_counter: int, look_ahead: int, expected: int | None
) -> None:
    assert match_hotp(RFC_SEED, HOTP6, code, next_counter, look_ahead=look_ahead) == expected


def test_match_hotp_returns_the_highest_of_equal_codes() -> None:
    # Found by search, checked with oathtool: counters 3 and 7 of this key both give 791461.
    secret = "2XDJNJFUTRAY32342R5IYPNUXECCHIZ5"
    assert code_at_step(secret, HOTP6, 3) == code_at_step(secret, HOTP6, 7) == "791461"
    assert match_hotp(secret, HOTP6, "791461", 0) == 7
    assert match_hotp(secret, HOTP6, "791461", 0, look_ahead=6) == 3


@pytest.mark.parametrize(
    ("code1", "code2", "next_counter", "search", "expected"),
    [
        ("287922", "162583", 0, 200, 7),  # counters 6, 7
        ("755224", "287082", 0, 200, 1),  # counters 0, 1
        ("287922", "162583", 6, 1, 7),  # the smallest range that holds both
        ("287922", "162583", 0, 6, None),  # counter 7 is past next_counter + search
        ("287922", "162583", 0, 7, 7),
        ("287922", "162583", 7, 200, None),  # counter 6 already used
        ("287922", "399871", 0, 200, None),  # 6 and 8: not consecutive
        ("162583", "287922", 0, 200, None),  # 7 then 6: wrong order
        ("287922", "28792", 0, 200, None),
    ],
)
def test_resync_hotp(
    code1: str, code2: str, next_counter: int, search: int, expected: int | None
) -> None:
    assert resync_hotp(RFC_SEED, HOTP6, code1, code2, next_counter, search=search) == expected


def test_resync_hotp_far_ahead_matches_oathtool() -> None:
    oathtool = shutil.which("oathtool")
    need(oathtool is not None, "oathtool is not installed (Debian package oathtool)")
    assert oathtool is not None
    key = "3132333435363738393031323334353637383930"
    out = subprocess.run(
        [oathtool, "--hotp", "-c1150", "-w1", key], capture_output=True, text=True, check=True
    )
    code1, code2 = out.stdout.split()
    assert resync_hotp(RFC_SEED, HOTP6, code1, code2, 1000) == 1151
    assert resync_hotp(RFC_SEED, HOTP6, code1, code2, 1000, search=150) is None
    assert match_hotp(RFC_SEED, HOTP6, code1, 1000) is None  # too far for a plain look-ahead


# --- otpauth URIs ---------------------------------------------------------------------------


def test_provisioning_uri_exact_text() -> None:
    # Written by hand from the Key URI Format: label and values percent-encoded, %20 for space.
    uri = provisioning_uri(
        RFC_SEED, OtpParams(), issuer="Trust Desk", account_name="alice@example.com"
    )
    assert uri == (
        "otpauth://totp/Trust%20Desk:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        "&issuer=Trust%20Desk&algorithm=SHA1&digits=6&period=30"
    )
    hotp = provisioning_uri(
        RFC_SEED,
        OtpParams(kind="hotp", algorithm="SHA256", digits=8),
        issuer="Ünï & Co",
        account_name="a:b",
        counter=42,
    )
    assert hotp == (
        "otpauth://hotp/%C3%9Cn%C3%AF%20%26%20Co:a%3Ab?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        "&issuer=%C3%9Cn%C3%AF%20%26%20Co&algorithm=SHA256&digits=8&counter=42"
    )


LABELS = [
    ("Trust Desk", "alice@example.com"),
    ("Jürgen & Söhne GmbH", "Jürgen Müller"),
    ("A+B?#=%", "name:with:colons"),
    ("日本語の発行者", "ユーザー 名前"),
    ("Wallet 🔐", "a&b=c?d#e/f+g%20h"),
    ("x", "  leading and trailing  "),
]
PARAMS = [
    OtpParams(),
    OtpParams(algorithm="SHA256", digits=8, period=60),
    OtpParams(algorithm="SHA512", digits=7, period=15),
    OtpParams(kind="hotp", algorithm="SHA1", digits=6),
    OtpParams(kind="hotp", algorithm="SHA512", digits=8),
    OtpParams(algorithm="SHA1", digits=8, period=120),
]


@pytest.mark.parametrize(("label", "params"), list(zip(LABELS, PARAMS, strict=True)))
def test_generated_uris_read_back_exactly(label: tuple[str, str], params: OtpParams) -> None:
    issuer, account = label
    secret = new_secret(params.algorithm)
    uri = provisioning_uri(secret, params, issuer=issuer, account_name=account, counter=17)
    assert " " not in uri and "+" not in uri
    assert uri.count("?") == 1 and "#" not in uri

    ours = parse_uri(uri)
    counter = 17 if params.kind == "hotp" else 0
    assert ours == ParsedUri(secret, params, issuer, account, counter)

    theirs = pyotp.parse_uri(uri)
    assert (theirs.secret, theirs.issuer, theirs.name) == (secret, issuer, account)
    assert theirs.digits == params.digits
    assert theirs.digest().name == params.algorithm.lower()
    if params.kind == "totp":
        assert type(theirs) is pyotp.TOTP and theirs.interval == params.period
        assert theirs.at(1_800_000_000) == code_at_step(
            secret, params, 1_800_000_000 // params.period
        )
    else:
        assert isinstance(theirs, pyotp.HOTP) and theirs.initial_count == 17
        assert theirs.at(0) == code_at_step(secret, params, 17)

    # Apps that decode the whole label and split at its first ':' (Google Authenticator's way).
    path = urlsplit(uri).path
    assert unquote(path[1:]).split(":", 1) == [issuer, account]


@settings(max_examples=60, deadline=None)
@given(
    issuer=st.text(
        st.characters(exclude_categories=["Cc", "Cs"], exclude_characters=":"),
        min_size=1,
        max_size=30,
    ),
    account=st.text(st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=40),
)
def test_any_printable_label_round_trips(issuer: str, account: str) -> None:
    assume(issuer.strip() and account.strip())
    uri = provisioning_uri(RFC_SEED, OtpParams(), issuer=issuer, account_name=account)
    parsed = parse_uri(uri)
    assert (parsed.issuer, parsed.account_name) == (issuer, account)
    theirs = pyotp.parse_uri(uri)
    assert (theirs.issuer, theirs.name) == (issuer, account)


@pytest.mark.parametrize(
    ("issuer", "account", "field"),
    [
        ("Trust:Desk", "alice", "issuer"),
        ("", "alice", "issuer"),
        ("   ", "alice", "issuer"),
        ("Trust Desk", "", "account_name"),
        ("Trust\nDesk", "alice", "issuer"),
        ("Trust Desk", "al\x00ice", "account_name"),
        ("T" * 101, "alice", "issuer"),
        ("Trust Desk", "a" * 255, "account_name"),
    ],
)
def test_provisioning_uri_refuses_bad_labels(issuer: str, account: str, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        provisioning_uri(RFC_SEED, OtpParams(), issuer=issuer, account_name=account)
    assert err.value.field == field


def test_provisioning_uri_refuses_bad_secret_and_counter() -> None:
    with pytest.raises(InvalidInput) as err:
        provisioning_uri("not base32!", OtpParams(), issuer="I", account_name="a")
    assert err.value.field == "secret"
    with pytest.raises(InvalidInput) as err:
        provisioning_uri(RFC_SEED, OtpParams(kind="hotp"), issuer="I", account_name="a", counter=-1)
    assert err.value.field == "counter"


def test_uris_made_by_pyotp_parse() -> None:
    totp = pyotp.TOTP(
        RFC_SEED, digits=8, digest=hashlib.sha256, interval=60, issuer="Trust Desk", name="a b@c"
    ).provisioning_uri()
    assert parse_uri(totp) == ParsedUri(
        RFC_SEED, OtpParams(algorithm="SHA256", digits=8, period=60), "Trust Desk", "a b@c", 0
    )
    plain = pyotp.TOTP(RFC_SEED).provisioning_uri(name="bob")  # defaults left out, no issuer
    assert parse_uri(plain) == ParsedUri(RFC_SEED, OtpParams(), None, "bob", 0)
    hotp = pyotp.HOTP(RFC_SEED, digest=hashlib.sha512, digits=7).provisioning_uri(
        name="ops:1", issuer_name="Ünï", initial_count=9
    )
    expected = ParsedUri(
        RFC_SEED, OtpParams(kind="hotp", algorithm="SHA512", digits=7), "Ünï", "ops:1", 9
    )
    assert parse_uri(hotp) == expected


S = f"secret={RFC_SEED}"


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "not a uri",
        f"https://totp/I:a?{S}",
        f"otpauth://motp/I:a?{S}",
        f"otpauth://TOTP/I:a?{S}",
        "otpauth://totp/I:a?issuer=I",  # no secret
        "otpauth://totp/I:a?secret=",
        f"otpauth://totp/I:a?{S}&{S}",  # duplicate
        "otpauth://totp/I:a?secret=GEZDGNBVGY3TQOJ1",  # not base32
        "otpauth://totp/I:a?secret=JBSWY3DPEHPK3PXP",  # 80 bits: too short
        f"otpauth://totp/I:a?{S}&digits=9",
        f"otpauth://totp/I:a?{S}&digits=5",
        f"otpauth://totp/I:a?{S}&digits=six",
        f"otpauth://totp/I:a?{S}&algorithm=MD5",
        f"otpauth://totp/I:a?{S}&algorithm=sha1",
        f"otpauth://totp/I:a?{S}&period=0",
        f"otpauth://totp/I:a?{S}&period=5",
        f"otpauth://totp/I:a?{S}&period=121",
        f"otpauth://totp/I:a?{S}&issuer=Other",  # label and parameter disagree
        f"otpauth://totp/I:a?{S}&encoder=steam",
        f"otpauth://hotp/I:a?{S}",  # HOTP without its counter
        f"otpauth://hotp/I:a?{S}&counter=-1",
        f"otpauth://hotp/I:a?{S}&counter=x",
        f"otpauth://totp/?{S}",  # no account
        f"otpauth://totp/I:?{S}",
        f"otpauth://totp/I:%20?{S}",
        "otpauth://totp/I:a?secret=" + "A" * 3000,
    ],
)
def test_parse_uri_refuses_malformed(uri: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_uri(uri)
    assert RFC_SEED not in err.value.message
