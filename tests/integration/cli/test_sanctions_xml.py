"""trustdesk sanctions sync --source ofac-xml, then screening, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.cli.helpers import Cli
from tests.unit.compliance.test_sources_ofac_xml import RECORDS, sdn_xml


def test_sync_sdn_xml_and_screen(cli: Cli, tmp_path: Path) -> None:
    file = sdn_xml(tmp_path, *RECORDS.values())
    synced = cli("sanctions", "sync", "--source", "ofac-xml", "--file", str(file))
    assert synced.exit_code == 0, synced.output
    # Six XBT addresses of 25308 go to the block list.
    assert synced.stdout.strip() == (
        "ofac-sdn: 4 entries, version 1; added 4, removed 0, changed 0, unchanged 0; "
        "addresses added 6, removed 0"
    )
    screened = cli("screen", "Xiaobing Yan", "--json")
    assert screened.exit_code == 0, screened.output
    best = json.loads(screened.stdout)[0]
    assert (best["list"], best["entry_id"], best["primary_name"]) == (
        "ofac-sdn",
        "25308",
        "YAN, Xiaobing",
    )
    broken = tmp_path / "broken.xml"
    broken.write_bytes(file.read_bytes()[:300])
    refused = cli("sanctions", "sync", "--source", "ofac-xml", "--file", str(broken))
    assert refused.exit_code == 2 and "compliance.bad_list_file" in refused.stderr
