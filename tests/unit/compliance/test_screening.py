from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import shared_data
from trustdesk.compliance.model import (
    Adjustment,
    Alias,
    AliasQuality,
    BirthDate,
    EntryType,
    SanctionsEntry,
    TokenMatch,
)
from trustdesk.compliance.screening import DEFAULT_THRESHOLD, ScreeningIndex
from trustdesk.compliance.sources import parse_ofac_csv_dir, parse_un_xml
from trustdesk.core.errors import InvalidInput

# Every word below is in one listed name only, so every word weighs 1.0 (rarity is capped)
# except the particles "al" and "bin" (0.2): the expected scores are worked out by hand from
# score = 0.7 * (share of the query found) + 0.3 * (share of the listed name found) + evidence.
ENTRIES = [
    SanctionsEntry(
        entry_id="1",
        list="test",
        type=EntryType.PERSON,
        primary_name="BWAMBALE, Frank Kakolele",
        aliases=(Alias("Aigle Blanc", AliasQuality.WEAK),),
        programs=("DRC",),
        dates_of_birth=(BirthDate(1962, 1962, 7, 4),),
        nationalities=("Democratic Republic of the Congo",),
    ),
    SanctionsEntry("2", "test", EntryType.ENTITY, "AL QAIDA"),
    SanctionsEntry("3", "test", EntryType.PERSON, "YAN, Xiaobing"),
    SanctionsEntry("4", "test", EntryType.PERSON, "Usama BIN LADIN"),
    SanctionsEntry("5", "test", EntryType.VESSEL, "SEA STAR"),
]


@pytest.fixture(scope="module")
def index() -> ScreeningIndex:
    return ScreeningIndex(ENTRIES)


def best(index: ScreeningIndex, query: str, **options: object) -> tuple[str, float]:
    found = index.screen(query, threshold=0.5, **options)  # type: ignore[arg-type]
    return found[0].entry_id, found[0].score


@pytest.mark.parametrize(
    ("query", "score"),
    [
        ("Frank Kakolele BWAMBALE", 1.0),
        ("Bwambale Kakolele Frank", 1.0),  # order does not matter
        ("Mr. Frank Kakolele Bwambale", 1.0),  # nor titles
        ("Frank Bwambale", 0.9),  # middle name missing: 0.7 * 1 + 0.3 * 2/3
        ("Frank Kakolele Bwambalee", 0.9667),  # one typo: 0.9 for that word; (1 + 1 + 0.9) / 3
        ("F. K. Bwambale", 0.90875),  # initials 0.85 weigh 0.7: .7 * 2.19/2.4 + .3 * 2.7/3
        ("Bwambale", 0.7),  # 0.7 + 0.3 / 3, less 0.1: one name of three
        ("Alqaida", 1.0),  # "al qaida" written as one word
        ("Aigle Blanc", 0.95),  # a weak alias costs 0.05
    ],
)
def test_name_scores(index: ScreeningIndex, query: str, score: float) -> None:
    assert best(index, query)[1] == pytest.approx(score, abs=1e-4)


def test_the_explanation_says_what_matched(index: ScreeningIndex) -> None:
    (candidate,) = index.screen("F. K. Bwambale")
    assert (candidate.entry_id, candidate.list, candidate.name) == (
        "1",
        "test",
        "BWAMBALE, Frank Kakolele",
    )
    assert (candidate.primary_name, candidate.programs, candidate.type, candidate.matched) == (
        "BWAMBALE, Frank Kakolele",
        ("DRC",),
        EntryType.PERSON,
        "primary",
    )
    explanation = candidate.explanation
    assert explanation.tokens == (
        TokenMatch("bwambale", "bwambale", 1.0, "exact"),
        TokenMatch("f", "frank", 0.85, "initial"),
        TokenMatch("k", "kakolele", 0.85, "initial"),
    )
    assert explanation.unmatched_query == explanation.unmatched_listed == ()
    assert (explanation.query_coverage, explanation.listed_coverage) == (0.9125, 0.9)
    assert explanation.adjustments == ()

    (weak,) = index.screen("Aigle Blanc")
    assert weak.matched == "weak alias"
    assert weak.explanation.adjustments == (Adjustment("weak_alias", -0.05),)
    (joined,) = index.screen("Alqaida")
    assert joined.explanation.tokens == (TokenMatch("alqaida", "al qaida", 1.0, "joined"),)


def test_a_name_typed_in_arabic_script(index: ScreeningIndex) -> None:
    # أسامة بن لادن -> "smh bn ldn": consonants against "usama bin ladin". By hand:
    # query found (0.8 + 0.6 * 0.7 + 0.8) / 2.6, listed found (0.8 + 0.2 * 0.7 + 0.8) / 2.2.
    (candidate,) = index.screen("أسامة بن لادن")
    assert candidate.entry_id == "4"
    assert candidate.score == pytest.approx(0.7 * 2.02 / 2.6 + 0.3 * 1.74 / 2.2, abs=1e-4)
    assert [t.method for t in candidate.explanation.tokens] == [
        "transliterated",
        "transliterated",
        "typo",
    ]


@pytest.mark.parametrize(
    ("options", "score", "reason"),
    [
        ({"dob": "1962-07-04"}, 0.95, "dob_match"),
        ({"dob": date(1962, 7, 4)}, 0.95, "dob_match"),
        ({"dob": "1962"}, 0.93, "dob_year_match"),
        ({"dob": "1962-08"}, 0.9, "dob_near"),
        ({"dob": "1970-01-01"}, 0.75, "dob_mismatch"),
        ({"country": "CD"}, 0.93, "country_match"),
        ({"country": "Congo, Democratic Republic of the"}, 0.93, "country_match"),
        ({"country": "Uganda"}, 0.85, "country_mismatch"),
        ({"type": "entity"}, 0.7, "type_mismatch"),
    ],
)
def test_evidence_moves_the_score(
    index: ScreeningIndex, options: dict[str, object], score: float, reason: str
) -> None:
    (candidate,) = index.screen("Frank Bwambale", threshold=0.5, **options)  # type: ignore[arg-type]
    assert candidate.score == pytest.approx(score, abs=1e-4)
    assert [a.reason for a in candidate.explanation.adjustments] == [reason]


def test_missing_evidence_and_matching_type_change_nothing(index: ScreeningIndex) -> None:
    assert best(index, "Frank Bwambale", type="person")[1] == pytest.approx(0.9)
    assert best(index, "Sea Star", dob="1970", country="FR") == ("5", 1.0)  # nothing listed
    assert best(index, "Sea Star", type="entity") == ("5", 0.95)  # vessel, not entity


def test_threshold_limit_and_one_candidate_per_entry(index: ScreeningIndex) -> None:
    assert index.screen("Frank Bwambale", threshold=0.95) == []
    assert [c.entry_id for c in index.screen("Frank Bwambale Aigle Blanc", threshold=0.3)] == ["1"]
    assert len(index.screen("Star", threshold=0.0, limit=1)) == 1
    assert index.screen("Johann Sebastian Bach") == []


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": True}, "limit"),
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": "0.5"}, "threshold"),
        ({"dob": "1977-13-01"}, "dob"),
        ({"dob": "77"}, "dob"),
        ({"dob": "1977-02-30"}, "dob"),
        ({"country": "Atlantis"}, "country"),
        ({"type": "robot"}, "type"),
    ],
)
def test_bad_options_are_refused(
    index: ScreeningIndex, options: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        index.screen("Frank Bwambale", **options)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize("query", ["", "Ltd.", "x" * 10_000])
def test_bad_names_are_refused(index: ScreeningIndex, query: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        index.screen(query)
    assert caught.value.field == "name"


def test_birth_date_agreement() -> None:
    exact = BirthDate(1962, 1962, 7, 4)
    assert [
        exact.agreement(1962, 7, 4),
        exact.agreement(1962),
        exact.agreement(1962, 7),
        exact.agreement(1962, 8),
        exact.agreement(1962, 7, 5),
        exact.agreement(1963),
    ] == ["exact", "year", "year", "near", "near", "none"]
    assert BirthDate(1955, 1955, approximate=True).agreement(1956) == "year"
    assert BirthDate(1960, 1962, approximate=True).agreement(1959) == "year"
    assert BirthDate(1960, 1962, approximate=True).agreement(1958) == "none"
    assert [
        str(exact),
        str(BirthDate(1955, 1955, approximate=True)),
        str(BirthDate(1960, 1962)),
    ] == [
        "1962-07-04",
        "circa 1955",
        "1960-1962",
    ]


# --- the real lists ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_index() -> ScreeningIndex:
    ofac = parse_ofac_csv_dir(shared_data("ofac_sdn", "2021-07"))
    un = parse_un_xml(shared_data("un_consolidated", "UN_consolidated.xml"))
    return ScreeningIndex([*ofac.entries, *un.entries])


def test_real_lists(real_index: ScreeningIndex) -> None:
    assert DEFAULT_THRESHOLD == 0.77
    saddam = real_index.screen("Saddam Hussein al-Tikriti", limit=2)
    assert [(c.list, c.entry_id, c.score) for c in saddam] == [
        ("ofac-sdn", "7843", 1.0),  # the same person on both lists
        ("un", "6908048", 1.0),
    ]
    (first, *_) = real_index.screen("صدام حسين التكريتي")
    assert (first.entry_id, first.matched, first.score) == ("6908048", "original script", 1.0)
    (first, *_) = real_index.screen("Sadam Husein")  # two typos, 0.9 each
    assert (first.entry_id, first.name, first.score) == ("7843", "HUSSEIN, Saddam", 0.9)
    (first, *_) = real_index.screen("阎晓兵")  # Han characters, "xiao bing" for "Xiaobing"
    assert (first.entry_id, first.name, first.score) == ("25308", "YAN, Xiaobing", 1.0)
    assert real_index.screen("Johann Sebastian Bach") == []
