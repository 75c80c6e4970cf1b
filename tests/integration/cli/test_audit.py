"""trustdesk audit verify|export against a chain written by the command itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import text

from tests.integration.cli.helpers import EVM_A, Cli


def _assess_four(cli: Cli, tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        "".join(
            json.dumps(
                {
                    "account_id": f"acct-{n}",
                    "chain": "ethereum",
                    "asset": "ETH",
                    "amount": "1",
                    "destination": EVM_A,
                }
            )
            + "\n"
            for n in range(4)
        )
    )
    result = cli("assess", "--file", str(batch), "--out", str(tmp_path / "out.jsonl"), "-q")
    assert result.exit_code == 0, result.output
    assert cli.count("audit_entries") == 4


def test_verify_ok_then_tampering_names_the_entry(cli: Cli, tmp_path: Path) -> None:
    _assess_four(cli, tmp_path)
    ok = cli("audit", "verify")
    assert ok.exit_code == 0, ok.output
    assert re.fullmatch(r"audit chain OK: 4 entries, head [0-9a-f]{64}", ok.stdout.strip())

    with cli.engine.begin() as conn:
        changed = conn.execute(
            text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3")
        ).rowcount
    assert changed == 1
    broken = cli("audit", "verify")
    assert broken.exit_code == 1
    assert "audit chain BROKEN" in broken.stdout
    assert "first bad entry: 3" in broken.stdout


def test_export_writes_one_line_per_entry(cli: Cli, tmp_path: Path) -> None:
    _assess_four(cli, tmp_path)
    target = tmp_path / "audit.jsonl"
    result = cli("audit", "export", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote 4 entries to {target}"
    entries = [json.loads(line) for line in target.read_text().splitlines()]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert {e["action"] for e in entries} == {"assessment.decided"}
    # Each entry names the hash of the one before it.
    assert [e["prev_hash"] for e in entries[1:]] == [e["entry_hash"] for e in entries[:-1]]


def test_verify_of_an_empty_chain_is_ok(cli: Cli) -> None:
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("audit chain OK: 0 entries")


def test_cutting_off_the_newest_entries_is_detected(cli: Cli, tmp_path: Path) -> None:
    _assess_four(cli, tmp_path)
    with cli.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq >= 3"))
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "2 stored decisions" in result.stdout
    assert "first bad entry: 3" in result.stdout


def test_a_payload_that_is_not_json_is_a_bad_entry(cli: Cli, tmp_path: Path) -> None:
    _assess_four(cli, tmp_path)
    with cli.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET payload = '\"text\"' WHERE seq = 2"))
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "first bad entry: 2" in result.stdout
