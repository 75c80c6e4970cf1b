"""trustdesk demo: the main job end to end on a fresh SQLite store."""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from trustdesk.audit.service import verify
from trustdesk.bootstrap import Container, build_container
from trustdesk.cli._context import console, out
from trustdesk.cli.assess import run_batch
from trustdesk.cli.demo_data import (
    DemoPlan,
    behaviour_requests,
    read_darklist_addresses,
    read_ofac_lists,
    sanctioned_requests,
    shared_data_dir,
    write_jsonl,
    write_sample_lists,
)
from trustdesk.cli.demo_stepup import run_stepup_demo
from trustdesk.cli.demo_support import pick_account, run_support_demo
from trustdesk.db.migrate import upgrade
from trustdesk.lists.importing import import_list, parse_list_file
from trustdesk.settings import Settings


def demo_command(
    workdir: Annotated[Path, typer.Option(help="where the demo's database and files go")] = Path(
        "demo-out"
    ),
    seed: Annotated[int, typer.Option(help="seed of the generated parts")] = 7,
) -> None:
    """Fresh store, real lists, a mixed batch of 200+ requests, a summary, an audit check."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    rng = random.Random(seed)
    db = workdir / "trustdesk-demo.db"
    c = build_container(Settings(database_url=f"sqlite:///{db}", outbox_dir=workdir / "outbox"))
    try:
        upgrade(c.engine)
        out.rule("1. lists")
        ofac_dir, darklists = _import_lists(c, workdir, rng)
        out.rule("2. assess")
        plan = DemoPlan()
        sanctioned_requests(plan, read_ofac_lists(ofac_dir), rng)
        behaviour_requests(plan, read_darklist_addresses(darklists, 30), rng)
        requests, decisions = workdir / "requests.jsonl", workdir / "decisions.jsonl"
        write_jsonl(requests, plan.requests)
        out.print(
            f"{len(plan.requests) + 1} requests written to {requests} "
            "(the last one truncated on purpose)"
        )
        run_batch(c, requests, "jsonl", decisions, quiet=False)
        results = [json.loads(line) for line in decisions.read_text().splitlines()]
        ok = _report_by_group(plan, results)
        out.rule("3. step-up")
        ok = run_stepup_demo(c) and ok
        out.rule("4. support desk")
        ok = run_support_demo(c, pick_account(plan)) and ok
        out.rule("5. audit")
        with c.session() as session:
            result = verify(c.audit_log(session))
        out.print(
            f"audit chain {'OK' if result.ok else 'BROKEN'}: {result.checked} entries, "
            f"head {result.head_hash}"
        )
        out.print(
            f"\nstore: {db}\nverify again with: "
            f"TRUSTDESK_DATABASE_URL=sqlite:///{db} trustdesk audit verify"
        )
        if not (ok and result.ok):
            raise typer.Exit(1)
    finally:
        c.close()


def _import_lists(c: Container, workdir: Path, rng: random.Random) -> tuple[Path, list[Path]]:
    data = shared_data_dir()
    if data and (data / "ofac_crypto_addresses").is_dir():
        ofac = data / "ofac_crypto_addresses"
        dark = [
            data / "mew_darklists" / "addresses-darklist.json",
            data / "scamsniffer_phishing" / "address.json",
        ]
        imports: list[tuple[str, Path, str | None, str | None]] = [
            ("ofac-addresses", ofac, None, None),
            (
                "lightlist",
                data / "mew_darklists" / "addresses-lightlist.json",
                "mew-lightlist",
                None,
            ),
        ]
        imports += [
            ("darklist", dark[0], "mew-darklist", "scam"),
            ("darklist", dark[1], "scamsniffer", "phishing"),
        ]
        out.print(f"real lists from {data}")
    else:
        console.print(
            "../shared/data not found: using a generated sample list instead", style="yellow"
        )
        ofac, sample_dark = write_sample_lists(workdir, rng)
        dark = [sample_dark]
        imports = [
            ("ofac-addresses", ofac, None, None),
            ("darklist", sample_dark, "sample-darklist", "scam"),
        ]
    table = Table(title="list imports")
    for col in ("source", "added", "removed", "unchanged", "rejected"):
        table.add_column(col)
    for fmt, path, source, category in imports:
        if not path.exists():
            continue
        parsed = parse_list_file(fmt, path, source, category)
        src = source or parsed.entries[0].source
        with c.session() as session:
            report = import_list(
                c.list_store(session), c.audit_log(session), parsed, src, c.clock.now(), "demo"
            )
        table.add_row(
            src,
            str(report.added),
            str(report.removed),
            str(report.unchanged),
            str(len(report.rejected)),
        )
    out.print(table)
    return ofac, dark


def _report_by_group(plan: DemoPlan, results: list[dict[str, Any]]) -> bool:
    by_line = {r["line"]: r for r in results}
    table = Table(title="by scenario")
    for col in (
        "scenario",
        "requests",
        "allow",
        "challenge",
        "review",
        "block",
        "error",
        "top reasons",
    ):
        table.add_column(col)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line, group in enumerate(plan.groups, 1):
        groups[group.split(":")[0]].append(by_line[line])
    for group, items in groups.items():
        decisions = Counter(r.get("decision", "error") for r in items)
        reasons = Counter(x["code"] for r in items for x in r.get("reasons", []))
        errors = Counter(r["error"]["code"] for r in items if "error" in r)
        top = ", ".join(f"{k}×{v}" for k, v in (reasons.most_common(3) or errors.most_common(3)))
        table.add_row(
            group,
            str(len(items)),
            *(str(decisions[d]) for d in ("allow", "challenge", "review", "block", "error")),
            top,
        )
    out.print(table)
    sanctioned = [
        by_line[line]
        for line, group in enumerate(plan.groups, 1)
        if group.startswith("sanctioned:")
    ]
    missed = [
        r
        for r in sanctioned
        if r.get("decision") != "block"
        or "SANCTIONED_DESTINATION" not in {x["code"] for x in r["reasons"]}
    ]
    out.print(
        f"sanctioned destinations: {len(sanctioned)} requests (every listed address of "
        f"XBT, ETH, ETC, ARB, BSC, USDT, USDC, TRX, LTC in every honest letter case), "
        f"{len(sanctioned) - len(missed)} blocked with SANCTIONED_DESTINATION"
    )
    for r in missed[:10]:
        console.print(
            Text.assemble(
                ("not blocked:", "red"), f" line {r['line']}: {r.get('error') or r.get('decision')}"
            )
        )
    return not missed
