"""trustdesk db upgrade|current and apikeys create."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.integration.cli.helpers import Cli
from trustdesk.auth.apikeys import authenticate
from trustdesk.core.errors import Unauthorized
from trustdesk.db.engine import UnitOfWork, make_engine


def test_upgrade_then_current_on_an_empty_database(fresh_url: str) -> None:
    cli = Cli(fresh_url, {}, make_engine(fresh_url))
    try:
        before = cli("db", "current")
        assert before.exit_code == 0, before.output
        assert before.stdout.strip() == "empty (run: trustdesk db upgrade)"
        refused = cli("audit", "verify")
        assert refused.exit_code == 2
        assert "has no schema" in refused.stderr and "trustdesk db upgrade" in refused.stderr

        up = cli("db", "upgrade")
        assert up.exit_code == 0, up.output
        revision = re.fullmatch(r"database at revision ([0-9a-f]{12})", up.stdout.strip())
        assert revision is not None, up.stdout

        now = cli("db", "current")
        assert now.exit_code == 0
        assert now.stdout.strip() == revision[1]
        # Again: a no-op on a current schema.
        assert cli("db", "upgrade").stdout.strip() == up.stdout.strip()
        assert cli("audit", "verify").exit_code == 0
    finally:
        cli.engine.dispose()


def test_apikeys_create_prints_a_working_key_once(cli: Cli) -> None:
    result = cli("apikeys", "create", "wallet-backend", "--scopes", "assess,assessments:read")
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert re.fullmatch(r"td\.key_[0-9a-z]+\.[A-Za-z0-9_-]{43}", key), key
    with UnitOfWork(cli.engine).read() as session:
        principal = authenticate(session, f"Bearer {key}")
    assert principal.name == "wallet-backend"
    assert principal.scopes == frozenset({"assess", "assessments:read"})
    # Listing shows the key's id and scopes, never its secret.
    listed = cli("apikeys", "list")
    assert key.split(".")[2] not in listed.stdout
    assert f"{principal.key_id}  wallet-backend  assess,assessments:read  active" in listed.stdout


def test_apikeys_bad_scope_is_exit_2_and_stores_nothing(cli: Cli) -> None:
    result = cli("apikeys", "create", "x", "--scopes", "assess,root")
    assert result.exit_code == 2
    assert "unknown scopes ['root']" in result.stderr
    assert "[input.invalid]" in result.stderr
    assert result.stdout == ""
    assert cli.count("api_keys") == 0


def test_apikeys_revoke_stops_the_key_and_both_steps_are_audited(cli: Cli) -> None:
    key = cli("apikeys", "create", "old-backend", "--scopes", "assess").stdout.strip()
    key_id = key.split(".")[1]
    revoked = cli("apikeys", "revoke", key_id)
    assert revoked.exit_code == 0, revoked.output
    with UnitOfWork(cli.engine).read() as session, pytest.raises(Unauthorized):
        authenticate(session, f"Bearer {key}")
    assert f"{key_id}  old-backend  assess  revoked" in cli("apikeys", "list").stdout
    with UnitOfWork(cli.engine).read() as session:
        actions = session.execute(
            text("SELECT action, subject FROM audit_entries ORDER BY seq")
        ).all()
    assert [tuple(a) for a in actions] == [
        ("apikey.created", f"apikey:{key_id}"),
        ("apikey.revoked", f"apikey:{key_id}"),
    ]
    # The secret never reaches the audit chain.
    exported = cli("audit", "export").stdout
    assert key.split(".")[2] not in exported
    missing = cli("apikeys", "revoke", "key_nonexistent")
    assert missing.exit_code == 2
    assert "no API key key_nonexistent" in missing.stderr
