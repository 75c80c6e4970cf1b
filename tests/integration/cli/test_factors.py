"""trustdesk factors enroll|verify|list|revoke and stepup: the interface operators script."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pyotp

from tests.conftest import need
from tests.integration.cli.helpers import Cli


def _enroll(cli: Cli, *args: str) -> dict[str, str]:
    result = cli("factors", "enroll", "acct-7", *args)
    assert result.exit_code == 0, result.output
    shown: dict[str, str] = json.loads(result.stdout)
    return shown


def _secret(uri: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]


def test_totp_enrol_prints_json_and_codes_from_oathtool_verify_once(cli: Cli) -> None:
    need(
        shutil.which("oathtool") is not None, "oathtool is not installed (apt-get install oathtool)"
    )
    shown = _enroll(
        cli, "--type", "totp", "--algorithm", "SHA512", "--digits", "8", "--period", "60"
    )
    factor_id, uri = shown["factor_id"], shown["otpauth_uri"]
    assert factor_id.startswith("fac_")
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert (parsed.digits, parsed.interval, parsed.issuer, parsed.name) == (
        8,
        60,
        "trustdesk",
        "acct-7",
    )
    assert "qr_svg" not in shown and "qr_png_base64" not in shown  # kept off the terminal
    code = subprocess.run(
        ["oathtool", "--totp=SHA512", "--digits=8", "--time-step-size=60s", "-b", _secret(uri)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    first = cli("factors", "verify", "acct-7", factor_id, code)
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "accepted (active)"
    again = cli("factors", "verify", "acct-7", factor_id, code)
    assert again.exit_code == 1  # a used code is not accepted
    assert "not accepted" in again.stderr
    assert code not in again.output  # nor echoed anywhere
    listed = cli("factors", "list", "acct-7", "--json")
    [factor] = json.loads(listed.stdout)
    assert (factor["id"], factor["type"], factor["status"]) == (factor_id, "totp", "active")
    assert factor["params"] == {"algorithm": "SHA512", "digits": 8, "period": 60}


def test_wrong_unknown_and_revoked_factors_exit_1(cli: Cli) -> None:
    shown = _enroll(cli, "--type", "totp")
    totp = pyotp.parse_uri(shown["otpauth_uri"])
    wrong = f"{(int(totp.now()) + 1) % 10**6:06d}"
    assert cli("factors", "verify", "acct-7", shown["factor_id"], wrong).exit_code == 1
    assert cli("factors", "verify", "acct-7", "fac_nope", "123456").exit_code == 1
    assert cli("factors", "verify", "acct-8", shown["factor_id"], totp.now()).exit_code == 1
    revoked = cli("factors", "revoke", "acct-7", shown["factor_id"])
    assert revoked.exit_code == 0 and revoked.stdout.strip() == f"revoked {shown['factor_id']}"
    assert cli("factors", "verify", "acct-7", shown["factor_id"], totp.now()).exit_code == 1
    assert json.loads(cli("factors", "list", "acct-7", "--json").stdout) == []


def test_hotp_enrol_and_verify(cli: Cli) -> None:
    shown = _enroll(
        cli, "--type", "hotp", "--algorithm", "SHA256", "--digits", "7", "--counter", "5"
    )
    hotp = pyotp.parse_uri(shown["otpauth_uri"])
    assert isinstance(hotp, pyotp.HOTP) and hotp.initial_count == 5
    assert cli("factors", "verify", "acct-7", shown["factor_id"], hotp.at(0)).exit_code == 0
    assert cli("factors", "verify", "acct-7", shown["factor_id"], hotp.at(0)).exit_code == 1
    assert cli("factors", "verify", "acct-7", shown["factor_id"], hotp.at(1)).exit_code == 0


def test_qr_written_to_a_file(cli: Cli, tmp_path: Path) -> None:
    svg, png = tmp_path / "q.svg", tmp_path / "q.png"
    assert _enroll(cli, "--type", "totp", "--qr", str(svg))["qr_file"] == str(svg)
    assert "<svg" in svg.read_text()
    _enroll(cli, "--type", "totp", "--qr", str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_options_are_one_line_errors(cli: Cli) -> None:
    for args, expected in [
        (["--type", "totp", "--digits", "9"], "digits"),
        (["--type", "totp", "--algorithm", "MD5"], "algorithm"),
        (["--type", "fingerprint"], "type"),
        (["--type", "sms", "--phone", "12345"], "international form"),
        (["--type", "totp", "--qr", "q.gif"], ".svg or .png"),
    ]:
        result = cli("factors", "enroll", "acct-7", *args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output
    assert cli("factors", "enroll", "bad account!", "--type", "totp").exit_code == 2
    assert cli.count("auth_factors") == 0


def test_key_settings_errors_name_the_variable_and_not_the_value(cli: Cli) -> None:
    bad = "k1:c2hvcnQ"
    for args in (["factors", "list", "acct-7"], ["serve", "--port", "1"]):
        result = cli(*args, TRUSTDESK_SECRET_KEYS=bad)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: TRUSTDESK_SECRET_KEYS: "), result.stderr
        assert "c2hvcnQ" not in result.output and "Traceback" not in result.output
    result = cli(
        "serve", "--port", "1", TRUSTDESK_ENV="prod", TRUSTDESK_SMTP_PASSWORD="Sup3rS3cret"
    )
    assert result.exit_code == 2
    assert "Sup3rS3cret" not in result.output and "Traceback" not in result.output


def test_unwritable_qr_path_is_refused_before_enrolling(cli: Cli) -> None:
    result = cli("factors", "enroll", "acct-7", "--type", "totp", "--qr", "/nonexistent/q.png")
    assert result.exit_code == 2
    assert "cannot write into /nonexistent" in result.stderr
    assert cli.count("auth_factors") == 0
