from __future__ import annotations

from trustdesk.risk.checks import destination
from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import AccountHistory
from trustdesk.risk.model import Signal

from ._build import evm, facts, request

CFG = CheckConfig()  # prefix >= 3, suffix >= 4, together >= 7
DEST = evm("abc", "1", "def0")


def lookalike(*past: str, dest: str = DEST, cfg: CheckConfig = CFG) -> str | None:
    return destination.find_lookalike(dest, frozenset(past), cfg)


def test_known_destination_emits_nothing() -> None:
    history = AccountHistory(assessments=1, destination_seen=True, counterparties=frozenset({DEST}))
    assert destination.check(request(destination=DEST), facts(history), CFG) == []


def test_first_time_destination_without_lookalike() -> None:
    history = AccountHistory(assessments=1, counterparties=frozenset({evm("999", "2", "8888")}))
    signals = destination.check(request(destination=DEST), facts(history), CFG)
    assert signals == [Signal("FIRST_TIME_DESTINATION")]


def test_poisoning_names_both_addresses_shortened() -> None:
    past = evm("abc", "2", "def0")
    history = AccountHistory(assessments=1, counterparties=frozenset({past}))
    signals = destination.check(request(destination=DEST), facts(history), CFG)
    assert signals == [
        Signal("FIRST_TIME_DESTINATION"),
        Signal("ADDRESS_POISONING", {"lookalike_of": "0xabc2…def0", "destination": "0xabc1…def0"}),
    ]


def test_prefix_and_suffix_thresholds() -> None:
    assert lookalike(evm("abc", "2", "def0")) == evm("abc", "2", "def0")  # 3 + 4
    assert lookalike(evm("ab9", "2", "def0")) is None  # prefix 2
    assert lookalike(evm("abc", "2", "9ef0")) is None  # suffix 3
    assert lookalike(evm("abc", "2", "def0"), cfg=CheckConfig(poisoning_min_total=8)) is None
    assert (
        lookalike(
            evm("abcd", "2", "def0"),
            dest=evm("abcd", "1", "def0"),
            cfg=CheckConfig(poisoning_min_total=8),
        )
        is not None
    )  # 4 + 4


def test_the_0x_prefix_carries_no_weight() -> None:
    # Only "a" in common after 0x: counting "0x" would have made a prefix of 3.
    assert lookalike(evm("a9c", "2", "def0")) is None


def test_exact_same_address_is_not_a_lookalike() -> None:
    assert lookalike(DEST) is None
    assert lookalike(DEST, evm("abc", "2", "def0")) == evm("abc", "2", "def0")


def test_best_match_wins() -> None:
    weak = evm("abc", "2", "def0")  # 3 + 4
    strong = evm("abc1", "3", "1def0")  # 4 + 5
    assert lookalike(weak, strong) == strong
    assert lookalike(strong, weak) == strong


def test_ties_resolve_to_the_same_address_every_time() -> None:
    # Equal scores: the smallest address, whatever the set's iteration order.
    a, b, c = evm("abc", "2", "def0"), evm("abc", "3", "def0"), evm("abc", "4", "def0")
    for order in ((a, b, c), (c, b, a), (b, c, a)):
        assert lookalike(*order) == a


def test_base58_addresses_compare_from_the_first_character() -> None:
    dest = "TQ" + "a" * 28 + "Xy9z"
    assert lookalike("TQ" + "b" * 28 + "Xy9z", dest=dest) is None  # prefix 2
    assert lookalike("TQa" + "b" * 27 + "Xy9z", dest=dest) == "TQa" + "b" * 27 + "Xy9z"


def test_shorten() -> None:
    assert destination.shorten("0x" + "0123456789" * 4) == "0x0123…6789"
    assert destination.shorten("abcdefghijkl") == "abcdefghijkl"  # 12 characters: kept
    assert destination.shorten("abcdefghijklm") == "abcdef…jklm"
