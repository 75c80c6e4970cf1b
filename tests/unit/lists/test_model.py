from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trustdesk.core.errors import InvalidInput
from trustdesk.lists.model import ListEntry, ListMatch, ListType, SubjectKind

NOW = datetime(2025, 1, 1, tzinfo=UTC)
EVM = "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"


def entry(**changes: object) -> ListEntry:
    fields: dict[str, object] = {
        "list_type": ListType.BLOCK,
        "kind": SubjectKind.ADDRESS,
        "value": EVM,
        "family": "evm",
        "source": "manual",
        "category": "scam",
        "reason": "test",
    }
    fields.update(changes)
    return ListEntry(**fields)  # type: ignore[arg-type]


def test_key_uses_empty_strings_for_missing_family_and_account() -> None:
    assert entry().key == ("block", "address", "evm", EVM, "")
    ip = entry(kind=SubjectKind.IP, value="10.0.0.1", family=None)
    assert ip.key == ("block", "ip", "", "10.0.0.1", "")
    mine = entry(list_type=ListType.ALLOW, account_id="acct_1")
    assert mine.key == ("allow", "address", "evm", EVM, "acct_1")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"family": None}, "lists.family_mismatch"),
        ({"kind": SubjectKind.IP, "value": "10.0.0.1"}, "lists.family_mismatch"),
        ({"account_id": "acct_1"}, "lists.account_scope"),
        ({"value": ""}, "lists.empty_value"),
        ({"value": "x" * 257}, "lists.value_too_long"),
        ({"expires_at": datetime(2025, 1, 1)}, "input.invalid"),
        ({"source": ""}, "input.invalid"),
        ({"category": ""}, "input.invalid"),
        ({"list_type": ListType.ALLOW, "account_id": ""}, "input.invalid"),
    ],
)
def test_invalid_entries_are_refused(changes: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        entry(**changes)
    assert err.value.code == code


def test_expiry_is_exclusive() -> None:
    assert entry().is_active(NOW)
    assert entry(expires_at=NOW + timedelta(seconds=1)).is_active(NOW)
    assert not entry(expires_at=NOW).is_active(NOW)


def test_unsupported_family_is_flagged() -> None:
    assert entry().supported
    assert not entry(family="unsupported:XMR", value="5be5543f").supported


def test_list_match_summarizes_entries() -> None:
    block = entry()
    allow = entry(list_type=ListType.ALLOW, account_id="acct_1", category="user_allowlist")
    match = ListMatch(SubjectKind.ADDRESS, EVM, (block, allow))
    assert match and match.blocked and match.allowed and not match.grey
    assert match.categories == frozenset({"scam", "user_allowlist"})
    empty = ListMatch(SubjectKind.ADDRESS, EVM, ())
    assert not empty and not empty.blocked
