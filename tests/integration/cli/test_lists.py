"""trustdesk lists import: an OFAC-shaped folder, re-imported as a sync, then used."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.integration.cli.helpers import EVM_B, EVM_C, Cli

GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"


def _ofac_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "ofac"
    folder.mkdir()
    (folder / "sanctioned_addresses_ETH.txt").write_text(f"{EVM_B}\n{EVM_C}\n\n")
    (folder / "sanctioned_addresses_XBT.txt").write_text(f"{GENESIS}\n")
    return folder


def _counts(output: str) -> tuple[int, ...]:
    """The one data row of the import table: added, removed, updated, unchanged, rejected."""
    rows = [re.findall(r"\d+", line) for line in output.splitlines()]
    [row] = [r for r in rows if len(r) == 5]
    return tuple(int(n) for n in row)


def test_import_then_reimport_adds_nothing(cli: Cli, tmp_path: Path) -> None:
    folder = _ofac_folder(tmp_path)
    first = cli("lists", "import", "--format", "ofac-addresses", str(folder))
    assert first.exit_code == 0, first.output
    assert _counts(first.stdout) == (3, 0, 0, 0, 0)
    assert cli.count("list_entries") == 3

    again = cli("lists", "import", "--format", "ofac-addresses", str(folder))
    assert again.exit_code == 0, again.output
    assert _counts(again.stdout) == (0, 0, 0, 3, 0)
    assert cli.count("list_entries") == 3

    # The list is live: a payment to a listed address, in lower case, is blocked.
    request = {
        "account_id": "acct-9",
        "chain": "ethereum",
        "asset": "ETH",
        "amount": "1",
        "destination": EVM_B.lower(),
    }
    decided = cli("assess", json.dumps(request))
    assert decided.exit_code == 0, decided.output
    result = json.loads(decided.stdout)
    assert result["decision"] == "block"
    assert result["reasons"][0]["code"] == "SANCTIONED_DESTINATION"
    assert result["destination"] == EVM_B


def test_unknown_format_and_wrong_folder_are_exit_2(cli: Cli, tmp_path: Path) -> None:
    bad = cli("lists", "import", "--format", "[/x]", str(tmp_path))
    assert bad.exit_code == 2
    assert "unknown --format '[/x]'" in bad.stderr
    empty = cli("lists", "import", "--format", "ofac-addresses", str(tmp_path))
    assert empty.exit_code == 2
    assert "holds no sanctioned_addresses_<ASSET>.txt/.json files" in empty.stderr
    assert "[lists.no_asset_files]" in empty.stderr
    assert cli.count("list_entries") == 0
