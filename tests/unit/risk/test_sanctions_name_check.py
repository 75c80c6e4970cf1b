from __future__ import annotations

import pytest
from pydantic import ValidationError

from trustdesk.risk.checks import sanctions_name
from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import NameMatch
from trustdesk.risk.model import Signal
from trustdesk.risk.schemas import AssessmentIn

from ._build import facts, request

CFG = CheckConfig()  # review from 0.77, block from 0.95
YAN = NameMatch("ofac-sdn", "25308", "YAN, Xiaobing", "YAN, Xiaobing", 1.0)


def _details(match: NameMatch, candidates: int = 1) -> dict[str, object]:
    return {
        "list": match.list,
        "entry_id": match.entry_id,
        "listed_name": match.name,
        "primary_name": match.primary_name,
        "score": match.score,
        "candidates": candidates,
    }


def test_not_screened_or_no_candidates_emits_nothing() -> None:
    assert sanctions_name.check(request(), facts(), CFG) == []
    assert sanctions_name.check(request(), facts(beneficiary_matches=()), CFG) == []


def test_block_threshold_is_inclusive() -> None:
    at = NameMatch("ofac-sdn", "25308", "YAN, Xiaobing", "YAN, Xiaobing", 0.95)
    below = NameMatch("ofac-sdn", "25308", "YAN, Xiaobing", "YAN, Xiaobing", 0.9499)
    assert sanctions_name.check(request(), facts(beneficiary_matches=(at,)), CFG) == [
        Signal("SANCTIONS_NAME_HIT", _details(at))
    ]
    assert sanctions_name.check(request(), facts(beneficiary_matches=(below,)), CFG) == [
        Signal("SANCTIONS_NAME_POSSIBLE", _details(below))
    ]


def test_best_candidate_is_reported_with_the_count() -> None:
    alias = NameMatch("un", "QDi.1", "ZHOU, William", "YAN, Xiaobing", 0.8)
    found = sanctions_name.check(request(), facts(beneficiary_matches=(alias, YAN)), CFG)
    assert found == [Signal("SANCTIONS_NAME_HIT", _details(YAN, candidates=2))]


def test_block_at_comes_from_the_config() -> None:
    strict = CheckConfig(name_block_at=1.0)
    near = NameMatch("ofac-sdn", "25308", "YAN, Xiaobing", "YAN, Xiaobing", 0.99)
    assert [
        s.code for s in sanctions_name.check(request(), facts(beneficiary_matches=(near,)), strict)
    ] == ["SANCTIONS_NAME_POSSIBLE"]


BASE = {
    "account_id": "a1",
    "chain": "ethereum",
    "asset": "ETH",
    "amount": "1",
    "destination": "0x" + "ab" * 20,
}


def test_party_schema_normalizes_and_refuses() -> None:
    body = AssessmentIn.model_validate(
        {
            **BASE,
            "beneficiary": {
                "name": "Xiaobing Yan",
                "type": "person",
                "country": "cn",
                "dob": "1977-03",
            },
            "jurisdiction": " EU ",
        }
    )
    assert body.beneficiary is not None
    assert (body.beneficiary.country, body.beneficiary.dob, body.jurisdiction) == (
        "CN",
        "1977-03",
        "eu",
    )
    for party, where in [
        ({"name": ""}, ("beneficiary", "name")),
        ({"name": "x" * 301}, ("beneficiary", "name")),
        ({"name": "Mr. Ltd."}, ("beneficiary", "name")),
        ({"name": "Jane\nDoe"}, ("beneficiary", "name")),
        ({"name": "Jane", "type": "vessel"}, ("beneficiary", "type")),
        ({"name": "Jane", "country": "XX"}, ("beneficiary", "country")),
        ({"name": "Jane", "dob": "1977-02-30"}, ("beneficiary", "dob")),
        ({"name": "Jane", "dob": "77"}, ("beneficiary", "dob")),
        ({"name": "Jane", "iban": "x"}, ("beneficiary", "iban")),
    ]:
        with pytest.raises(ValidationError) as info:
            AssessmentIn.model_validate({**BASE, "beneficiary": party})
        assert info.value.errors()[0]["loc"] == where
    with pytest.raises(ValidationError) as info:
        AssessmentIn.model_validate({**BASE, "jurisdiction": "mars"})
    assert info.value.errors()[0]["loc"] == ("jurisdiction",)
