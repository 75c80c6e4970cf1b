"""The shipped jurisdiction packs, read with their exact numbers, and bad packs refused."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from trustdesk.compliance.kyc import KycLevel
from trustdesk.compliance.packs import (
    PACKS_DIR,
    TOPICS,
    PackError,
    UnknownJurisdiction,
    get_pack,
    load_pack,
    load_packs,
    missing_lists,
)


@pytest.fixture(scope="module")
def packs() -> dict[str, object]:
    return dict(load_packs())


def test_four_packs_with_their_numbers() -> None:
    packs = load_packs()
    assert list(packs) == ["eu", "id", "sg", "us"]
    table = {
        code: (
            p.data_region,
            str(p.travel_rule.threshold),
            p.travel_rule.currency,
            p.travel_rule.inclusive,
            p.retention.transactions_years,
            p.retention.kyc_years,
            p.screening.lists,
        )
        for code, p in packs.items()
    }
    assert table == {
        "eu": ("eu", "0", "EUR", True, 5, 5, ("eu-fsf", "un")),
        "id": ("id", "1000", "USD", True, 5, 5, ("un", "id-dttot")),
        "sg": ("sg", "1500", "SGD", False, 5, 5, ("un", "sg-tsofa")),
        "us": ("us", "3000", "USD", True, 5, 5, ("ofac-sdn",)),
    }
    assert packs["eu"].travel_rule.self_hosted_check_above == Decimal(1000)
    for pack in packs.values():
        assert {s.topic for s in pack.sources} == set(TOPICS)


@pytest.mark.parametrize(
    ("code", "amount", "applies"),
    [
        ("eu", "0", "above"),
        ("eu", "0.01", "above"),
        ("us", "2999.99", None),
        ("us", "3000", "above"),  # "equal to or greater than $3,000"
        ("sg", "1500", "below"),  # "exceeding S$1,500"
        ("sg", "1500.01", "above"),
        ("id", "999.99", "below"),
        ("id", "1000", "above"),  # "equal to or more than USD 1,000"
    ],
)
def test_travel_rule_threshold_edges(code: str, amount: str, applies: str | None) -> None:
    rule = load_packs()[code].travel_rule
    fields = rule.fields_for(Decimal(amount))
    expected = {"above": rule.above, "below": rule.below, None: None}[applies]
    assert fields is expected
    if applies == "below":
        assert fields is not None and fields is not rule.above


def test_missing_travel_rule_fields() -> None:
    eu = load_packs()["eu"].travel_rule.above
    given = {"name", "distributed_ledger_address", "date_of_birth", "place_of_birth"}
    assert eu.missing("originator", given) == []
    assert eu.missing("originator", {"name"}) == [
        "distributed_ledger_address",
        "address+country+official_document_number+customer_identification_number"
        " or date_of_birth+place_of_birth",
    ]
    assert eu.missing("beneficiary", {"name", "distributed_ledger_address"}) == []
    sg = load_packs()["sg"].travel_rule
    assert sg.fields_for(Decimal(2000)) is sg.above
    assert sg.above.missing("originator", {"name", "account_number", "address"}) == []


@pytest.mark.parametrize(
    ("code", "amount", "level"),
    [
        ("eu", "0", KycLevel.BASIC),
        ("eu", "999.99", KycLevel.BASIC),
        ("eu", "1000", KycLevel.STANDARD),
        ("eu", "14999", KycLevel.STANDARD),
        ("eu", "15000", KycLevel.ENHANCED),
        ("us", "2999", KycLevel.BASIC),
        ("us", "3000", KycLevel.STANDARD),
        ("us", "10000", KycLevel.ENHANCED),
        ("sg", "1", KycLevel.STANDARD),
        ("sg", "20000", KycLevel.ENHANCED),
        ("id", "1000", KycLevel.STANDARD),
    ],
)
def test_kyc_level_per_amount_band(code: str, amount: str, level: KycLevel) -> None:
    assert load_packs()[code].kyc.level_for(Decimal(amount)) is level


def test_lookup_and_missing_lists() -> None:
    packs = load_packs()
    assert get_pack(packs, " EU ").code == "eu"
    with pytest.raises(UnknownJurisdiction) as caught:
        get_pack(packs, "fr")
    assert caught.value.message == "no jurisdiction pack 'fr'; known: eu, id, sg, us"
    assert (caught.value.status, caught.value.code) == (404, "packs.unknown_jurisdiction")
    assert missing_lists(packs["sg"], ["ofac-sdn", "un"]) == ["sg-tsofa"]


# --- bad packs ---------------------------------------------------------------------------------

EU = (PACKS_DIR / "eu.toml").read_text(encoding="utf-8")


def _bad(tmp_path: Path, text: str, name: str = "eu.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert caught.value.code == "packs.invalid" and caught.value.status == 422
    return caught.value.message


def _without_source(text: str, topic: str) -> str:
    blocks = text.split("[[sources]]")
    kept = [b for b in blocks[1:] if f'topic = "{topic}"' not in b]
    return "[[sources]]".join([blocks[0], *kept])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: _without_source(t, "retention.kyc_years"),
            "eu.toml: sources: no source for retention.kyc_years",
        ),
        (
            lambda t: t.replace('threshold = "0"', "threshold = 0.5"),
            'eu.toml: travel_rule.threshold: write amounts as strings or integers, e.g. "1000"',
        ),
        (
            lambda t: t.replace("inclusive = true", "inclusive = false"),
            "eu.toml: travel_rule: a threshold of 0 applies to every transfer: "
            "inclusive, no 'below'",
        ),
        (
            lambda t: t.replace('below = "15000"', 'below = "500"'),
            "eu.toml: kyc: bands: 'below' limits must increase",
        ),
        (
            lambda t: t.replace('level = "enhanced"', 'level = "basic"'),
            "eu.toml: kyc: bands: a larger amount may not need a lower level",
        ),
        (
            lambda t: t.replace('level = "enhanced"', 'level = "enhanced"\nbelow = "90000"'),
            "eu.toml: kyc: bands: the last band must be open (no 'below')",
        ),
        (
            lambda t: t.replace('level = "enhanced"', 'level = "platinum"'),
            "eu.toml: kyc.bands.2.level: Input should be 'none', 'basic', 'standard' or 'enhanced'",
        ),
        (
            lambda t: t.replace("threshold = 0.77", "threshold = 1.5"),
            "eu.toml: screening.threshold: Input should be less than or equal to 1",
        ),
        (
            lambda t: t.replace('lists = ["eu-fsf", "un"]', 'lists = ["un", "un"]'),
            "eu.toml: screening: lists: each list may appear once",
        ),
        (
            lambda t: t.replace('beneficiary = ["name",', 'beneficiary = ["shoe_size",'),
            "eu.toml: travel_rule.above: unknown fields ['shoe_size']; known: ",
        ),
        (
            lambda t: t.replace('data_region = "eu"', 'data_region = "eu"\nfavourite = 1'),
            "eu.toml: favourite: Extra inputs are not permitted",
        ),
        (
            lambda t: t.replace("transactions_years = 5", 'transactions_years = "5"'),
            "eu.toml: retention.transactions_years: Input should be a valid integer",
        ),
        (
            lambda t: t.replace('url = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"\n', ""),
            "eu.toml: sources.6: a regulation source needs a url",
        ),
        (lambda t: t.replace("[screening]", "[screening"), "eu.toml: not valid TOML: "),
    ],
)
def test_bad_packs_are_refused_with_file_and_field(
    tmp_path: Path, change: object, message: str
) -> None:
    text = change(EU)  # type: ignore[operator]
    assert text != EU
    got = _bad(tmp_path, text)
    assert got.startswith(message) if message.endswith(": ") else got == message, got


def test_code_must_match_the_file_name_and_a_folder_needs_packs(tmp_path: Path) -> None:
    assert _bad(tmp_path, EU, "fr.toml") == "fr.toml: code 'eu' must match the file name"
    empty = tmp_path / "none"
    empty.mkdir()
    with pytest.raises(PackError, match=re.escape(f"no jurisdiction packs (*.toml) in {empty}")):
        load_packs(empty)
    (empty / "eu.toml").write_bytes(b"\xff\xfe")
    with pytest.raises(PackError, match="eu.toml: not valid TOML"):
        load_packs(empty)
