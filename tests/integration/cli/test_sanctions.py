"""trustdesk sanctions sync/status and trustdesk screen on real OFAC and UN data, both backends."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from tests.conftest import shared_data
from tests.integration.cli.helpers import Cli

# Real records from the 2021-07 SDN release; entry 25308 (YAN, Xiaobing) lists six XBT
# addresses in its remarks (counted by hand with grep).
KEEP = {"36", "173", "306", "6365", "25308"}


def _subset(folder: Path, keep: set[str]) -> Path:
    """The real SDN files cut down to a few records (and their aliases and addresses)."""
    source = shared_data("ofac_sdn", "2021-07")
    folder.mkdir()
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        raw = (source / name).read_bytes().rstrip(b"\x1a")
        wanted = {k.encode() for k in keep}
        lines = [line for line in raw.split(b"\n") if line.split(b",", 1)[0] in wanted]
        (folder / name).write_bytes(b"\n".join(lines) + b"\n\x1a")
    return folder


def _sync(cli: Cli, *args: str) -> str:
    result = cli("sanctions", "sync", *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_sync_versions_diff_and_addresses(cli: Cli, tmp_path: Path) -> None:
    first = _subset(tmp_path / "v1", KEEP)
    assert _sync(cli, "--source", "ofac-csv", "--file", str(first)) == (
        "ofac-sdn: 5 entries, version 1; added 5, removed 0, changed 0, unchanged 0; "
        "addresses added 6, removed 0"
    )
    # The same release again: nothing new is stored.
    assert "unchanged, version kept" in _sync(cli, "--source", "ofac-csv", "--file", str(first))
    # A later release: 36 delisted, 306 renamed.
    second = _subset(tmp_path / "v2", KEEP - {"36"})
    sdn = second / "sdn.csv"
    sdn.write_bytes(sdn.read_bytes().replace(b"BANCO NACIONAL DE CUBA", b"BANCO NACIONAL CUBA"))
    assert _sync(cli, "--source", "ofac-csv", "--file", str(second)) == (
        "ofac-sdn: 4 entries, version 2; added 0, removed 1, changed 1, unchanged 3; "
        "addresses added 0, removed 0"
    )
    with cli.engine.connect() as conn:
        active = conn.execute(
            text("SELECT version, entry_count FROM sanctions_snapshots WHERE active")
        ).all()
        payload = (
            conn.execute(
                text(
                    "SELECT payload FROM audit_entries"
                    " WHERE action = 'sanctions.synced' ORDER BY seq"
                )
            )
            .scalars()
            .all()
        )
    assert [tuple(r) for r in active] == [(2, 4)]
    last = json.loads(payload[-1]) if isinstance(payload[-1], str) else payload[-1]
    assert (last["removed_ids"], last["changed_ids"], last["version"]) == (["36"], ["306"], 2)
    assert cli("audit", "verify").exit_code == 0


def test_sdn_addresses_block_payments(cli: Cli, tmp_path: Path) -> None:
    _sync(cli, "--source", "ofac-csv", "--file", str(_subset(tmp_path / "v1", KEEP)))
    request = {
        "account_id": "u1",
        "chain": "bitcoin",
        "asset": "BTC",
        "amount": "0.1",
        "destination": "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h",
    }
    result = cli("assess", json.dumps(request))
    decided = json.loads(result.stdout)
    assert decided["decision"] == "block"
    assert "SANCTIONED_DESTINATION" in {r["code"] for r in decided["reasons"]}


def test_a_broken_release_leaves_the_active_version(cli: Cli, tmp_path: Path) -> None:
    un = shared_data("un_consolidated", "UN_consolidated.xml")
    out = _sync(cli, "--source", "un-xml", "--file", str(un))
    assert out.startswith("un: 1003 entries, version 1; added 1003,")
    truncated = tmp_path / "un.xml"
    truncated.write_bytes(un.read_bytes()[:200_000])
    result = cli("sanctions", "sync", "--source", "un-xml", "--file", str(truncated))
    assert result.exit_code == 2
    assert "compliance.bad_list_file" in result.stderr and "Traceback" not in result.output
    with cli.engine.connect() as conn:
        rows = conn.execute(text("SELECT version, active FROM sanctions_snapshots")).all()
    assert [tuple(r) for r in rows] == [(1, True)]
    listed = cli("screen", "Hamza Usama Muhammad bin Laden", "--json")
    assert listed.exit_code == 0, listed.output
    best = json.loads(listed.stdout)[0]
    assert (best["list"], best["entry_id"], best["score"]) == ("un", "6908767", 1.0)


def test_screen_one_name_and_a_batch(cli: Cli, tmp_path: Path) -> None:
    _sync(cli, "--source", "ofac-csv", "--file", str(_subset(tmp_path / "v1", KEEP)))
    one = cli("screen", "Usama BIN LADIN", "--json")
    assert one.exit_code == 0, one.output
    [best, *_] = json.loads(one.stdout)
    assert (best["entry_id"], best["list"], best["primary_name"]) == (
        "6365",
        "ofac-sdn",
        "BIN LADIN, Usama bin Muhammad bin Awad",
    )
    assert best["score"] == 1.0 and set(best) >= {"name", "primary_name", "score", "list"}
    names = tmp_path / "names.txt"
    names.write_text("Xiaobing Yan\nJane Q. Nobody\n\nNational Bank of Cuba\n", encoding="utf-8")
    batch = cli("screen", "--file", str(names), "--json")
    assert batch.exit_code == 1  # the empty line is an error, reported and skipped
    lines = [json.loads(x) for x in batch.stdout.splitlines()]
    assert [c["entry_id"] for c in lines[0]][:1] == ["25308"]
    assert lines[1] == []  # screened, no candidate
    assert lines[2]["line"] == 3 and lines[2]["error"]["code"] == "input.invalid"  # refused
    assert [c["entry_id"] for c in lines[3]][:1] == ["306"]
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Xiaobing Yan\r\n\xff\xfeabc\r\nUsama\x1b[31mBIN LADIN\r\n")
    mixed = cli("screen", "--file", str(bad), "--json")
    assert mixed.exit_code == 1 and "Traceback" not in mixed.output
    out = [json.loads(x) for x in mixed.stdout.splitlines()]
    assert out[0][0]["entry_id"] == "25308"
    assert out[1] == {
        "line": 2,
        "error": {"code": "input.bad_encoding", "message": "not UTF-8 text"},
    }
    assert out[2]["error"]["message"] == "control characters are not allowed in a name"
    assert "line 3:" in batch.stderr
    assert cli("screen").exit_code == 2


def test_screen_before_any_list_is_a_clear_error(cli: Cli) -> None:
    result = cli("screen", "Anyone")
    assert result.exit_code == 2
    assert "no sanctions list is loaded" in result.stderr
