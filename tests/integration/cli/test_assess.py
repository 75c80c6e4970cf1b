"""trustdesk assess: one request, JSONL and CSV batches, per-line errors, the batch limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.integration.cli.helpers import EVM_A, EVM_B, Cli

BAD_CHECKSUM = "0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EVM_A, first letter's case flipped


def _request(account: str, destination: str = EVM_A, **extra: Any) -> dict[str, Any]:
    return {
        "account_id": account,
        "chain": "ethereum",
        "asset": "ETH",
        "amount": "0.5",
        "destination": destination,
    } | extra


def _results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_single_request_prints_the_decision(cli: Cli) -> None:
    result = cli("assess", json.dumps(_request("acct-1")))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["line"], out["decision"], out["score"]) == (1, "allow", 25)
    assert cli.count("assessments") == 1


def test_single_invalid_request_is_exit_1_with_the_code(cli: Cli) -> None:
    result = cli("assess", json.dumps(_request("acct-1", BAD_CHECKSUM)))
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "chains.bad_checksum"
    assert cli.count("assessments") == 0


def test_jsonl_batch_mixes_decisions_and_errors_in_input_order(cli: Cli, tmp_path: Path) -> None:
    lines = [
        json.dumps(_request("acct-1")),  # 1
        '{"account_id": "acct-2", "chain": ',  # 2 malformed
        "",  # 3 blank: skipped, no output
        json.dumps(_request("acct-3", BAD_CHECKSUM)),  # 4
        json.dumps(_request("acct-4") | {"chain": "dogechain-classic"}),  # 5
        "   ",  # 6 blank too
        json.dumps(_request("acct-5", EVM_B, amount=0.5)),  # 7 float amount
        json.dumps(_request("acct-1", EVM_B)),  # 8 second payment of acct-1
    ]
    batch, out = tmp_path / "batch.jsonl", tmp_path / "out.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = cli("assess", "--file", str(batch), "--out", str(out))
    assert result.exit_code == 1, result.output  # every line handled; some were errors
    got = [(r["line"], r.get("decision") or r["error"]["code"]) for r in _results(out)]
    assert got == [
        (1, "allow"),
        (2, "input.malformed_json"),
        (4, "chains.bad_checksum"),
        (5, "chains.unknown_chain"),
        (7, "input.invalid"),
        (8, "allow"),
    ]
    errors = {r["line"]: r["error"] for r in _results(out) if "error" in r}
    assert errors[4]["field"] == "destination"
    assert errors[5]["field"] == "chain"
    assert errors[7]["field"] == "amount"
    assert cli.count("assessments") == 2
    assert cli.count("audit_entries") == 2
    # The summary goes to stderr, the decisions only to the file.
    assert "line 4: chains.bad_checksum (destination)" in result.stderr
    assert result.stdout == ""


def test_csv_batch_with_a_truncated_line(cli: Cli, tmp_path: Path) -> None:
    batch, out = tmp_path / "batch.csv", tmp_path / "out.jsonl"
    batch.write_text(
        "account_id,chain,asset,amount,destination,ip,session_age_s\n"
        f"acct-1,ethereum,ETH,0.5,{EVM_A},192.0.2.10,900\n"
        "acct-2,ethereum,ETH,0.5\n"
        f"acct-3,ethereum,ETH,0.5,{EVM_B},,\n",
        encoding="utf-8",
    )
    result = cli("assess", "--file", str(batch), "--out", str(out), "--quiet")
    assert result.exit_code == 1, result.output
    results = _results(out)
    assert [r["line"] for r in results] == [2, 3, 4]
    assert results[0]["decision"] == "allow"
    assert results[1]["error"]["code"] == "input.truncated_line"
    assert results[2]["decision"] == "allow"
    assert cli.count("assessments") == 2


def test_batch_over_the_line_limit_is_refused_whole(cli: Cli, tmp_path: Path) -> None:
    batch, out = tmp_path / "batch.jsonl", tmp_path / "out.jsonl"
    batch.write_text(
        "\n".join(json.dumps(_request(f"acct-{n}")) for n in range(4)) + "\n\n", encoding="utf-8"
    )
    result = cli("assess", "--file", str(batch), "--out", str(out), TRUSTDESK_MAX_BATCH_LINES="3")
    assert result.exit_code == 2
    assert "the batch has 4 lines; the limit is 3 (TRUSTDESK_MAX_BATCH_LINES)" in result.stderr
    assert not out.exists()
    assert cli.count("assessments") == 0
    # At the limit it runs.
    ok = cli("assess", "--file", str(batch), "--out", str(out), TRUSTDESK_MAX_BATCH_LINES="4")
    assert ok.exit_code == 0, ok.output
    assert cli.count("assessments") == 4


def test_one_request_or_a_file_not_both(cli: Cli, tmp_path: Path) -> None:
    batch = tmp_path / "b.jsonl"
    batch.write_text(json.dumps(_request("acct-1")) + "\n")
    assert cli("assess").exit_code == 2
    both = cli("assess", json.dumps(_request("acct-1")), "--file", str(batch))
    assert both.exit_code == 2
    assert "give one request as JSON" in both.stderr


def test_markup_like_input_is_printed_verbatim(cli: Cli, tmp_path: Path) -> None:
    batch, out = tmp_path / "b.jsonl", tmp_path / "out.jsonl"
    batch.write_text(json.dumps(_request("acct-1") | {"chain": "[/x][bold]"}) + "\n")
    result = cli("assess", "--file", str(batch), "--out", str(out))
    assert result.exit_code == 1, result.output
    assert "unknown chain '[/x][bold]'" in result.stderr


def test_an_unclosed_quote_is_reported_not_swallowed(cli: Cli, tmp_path: Path) -> None:
    batch, out = tmp_path / "q.csv", tmp_path / "out.jsonl"
    batch.write_text(
        "account_id,chain,asset,amount,destination\n"
        f'acct-1,ethereum,ETH,1,"{EVM_A}\n'
        f"acct-2,ethereum,ETH,1,{EVM_B}\n",
        encoding="utf-8",
    )
    result = cli("assess", "--file", str(batch), "--out", str(out), "--quiet")
    assert result.exit_code == 1
    [only] = _results(out)
    assert only["line"] == 2
    assert only["error"]["code"] == "input.unclosed_quote"
    assert only["error"]["message"] == (
        "a quoted field opened on line 2 runs to line 3: lines 2-3 were not assessed"
    )
    assert cli.count("assessments") == 0


def test_json_nested_too_deeply_is_one_line_error(cli: Cli, tmp_path: Path) -> None:
    batch, out = tmp_path / "deep.jsonl", tmp_path / "out.jsonl"
    good = json.dumps(_request("acct-1"))
    batch.write_text(
        good + "\n" + "[" * 5000 + "]" * 5000 + "\n" + json.dumps(_request("acct-2")) + "\n"
    )
    result = cli("assess", "--file", str(batch), "--out", str(out), "--quiet")
    assert result.exit_code == 1
    got = [(r["line"], r.get("decision") or r["error"]["code"]) for r in _results(out)]
    assert got == [(1, "allow"), (2, "input.malformed_json"), (3, "allow")]
