"""trustdesk mail quarantine … and mail poll (its refusals; polling runs in test_imap)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.integration.cli.helpers import Cli
from tests.unit.support_mail.corpus import GBK_MAIL
from trustdesk.bootstrap import Container
from trustdesk.cli.mail import mail_quarantine

NO_FROM = b"Subject: nobody\r\n\r\nx\r\n"


def hold(c: Container, raw: bytes, code: str) -> str:
    return (
        mail_quarantine(c)
        .hold(
            raw,
            sender="jose.perez@example.com",
            recipients=["support@trustdesk.example"],
            reason_code=code,
            reason=f"reason for {code}",
            source="smtp",
        )
        .id
    )


def test_list_show_save(cli: Cli, cli_container: Container, tmp_path: Path) -> None:
    empty = cli("mail", "quarantine", "list")
    assert (empty.exit_code, empty.stdout.strip()) == (0, "the quarantine is empty")
    first = hold(cli_container, NO_FROM, "no_from")
    cli_container.clock.advance(seconds=5)  # type: ignore[attr-defined]
    second = hold(cli_container, GBK_MAIL, "intake_failed")
    listed = cli("mail", "quarantine", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["reason_code"], r["size"]) for r in rows] == [
        (second, "intake_failed", len(GBK_MAIL)),
        (first, "no_from", len(NO_FROM)),
    ]
    assert rows[1]["received_at"] == "2026-03-01T12:00:00+00:00"
    table = cli("mail", "quarantine", "list")
    assert first in table.stdout and "intake_failed" in table.stdout
    shown = cli("mail", "quarantine", "show", first, "--json")
    assert json.loads(shown.stdout) == rows[1]
    target = tmp_path / "held.eml"
    saved = cli("mail", "quarantine", "show", second, "--save", str(target))
    assert saved.exit_code == 0, saved.output
    assert target.read_bytes() == GBK_MAIL
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    again = cli("mail", "quarantine", "show", second, "--save", str(target))
    assert again.exit_code == 2 and "exists; give a new file name" in again.output


def test_release_goes_through_the_support_intake(cli: Cli, cli_container: Container) -> None:
    mail_id = hold(cli_container, GBK_MAIL, "intake_failed")
    released = cli("mail", "quarantine", "release", mail_id)
    assert released.exit_code == 0, released.output
    assert released.stdout.strip() == f"released {mail_id} (intake_failed) into the support intake"
    assert cli.count("support_tickets") == 1
    again = cli("mail", "quarantine", "release", mail_id)
    assert again.exit_code == 2
    assert "was already released [mail.already_released]" in again.output


def test_release_that_still_fails_keeps_the_mail(cli: Cli, cli_container: Container) -> None:
    mail_id = hold(cli_container, NO_FROM, "no_from")
    result = cli("mail", "quarantine", "release", mail_id)
    assert result.exit_code == 2
    assert "the message has no From header [mail.no_from]" in result.output
    assert mail_quarantine(cli_container).show(mail_id).released_at is None


def test_delete_and_unknown_ids(cli: Cli, cli_container: Container) -> None:
    mail_id = hold(cli_container, NO_FROM, "no_from")
    deleted = cli("mail", "quarantine", "delete", mail_id, "--yes")
    assert (deleted.exit_code, deleted.stdout.strip()) == (0, f"deleted {mail_id}")
    assert cli.count("mail_quarantine") == 0
    for command in ("show", "release"):
        missing = cli("mail", "quarantine", command, mail_id)
        assert missing.exit_code == 2
        assert f"no quarantined mail '{mail_id}' [mail.quarantine_not_found]" in missing.output
    assert cli.count("audit_entries") == 2  # quarantined, deleted


def test_poll_needs_an_imap_host(cli: Cli) -> None:
    result = cli("mail", "poll", "--once")
    assert result.exit_code == 2
    assert "set TRUSTDESK_IMAP_HOST (and _USER, _PASSWORD) to poll a mailbox" in result.output
    lacking = cli("mail", "poll", "--once", TRUSTDESK_IMAP_HOST="127.0.0.1")
    assert lacking.exit_code == 2
    assert "set TRUSTDESK_IMAP_USER and TRUSTDESK_IMAP_PASSWORD" in lacking.output


def test_bad_listen_setting_is_one_clear_line(cli: Cli) -> None:
    result = cli("mail", "quarantine", "list", TRUSTDESK_SMTP_LISTEN="localhost")
    assert result.exit_code == 2
    assert "configuration error: smtp_listen: TRUSTDESK_SMTP_LISTEN: expected HOST:PORT" in (
        result.output
    )
