from __future__ import annotations

import pytest

from trustdesk.compliance.names import (
    MAX_NAME_LENGTH,
    compare_tokens,
    country_key,
    joined_similarity,
    normalize_listed,
    normalize_name,
    phonetic_key,
    query_country,
    resembles_stopword,
    skeleton,
    token_similarity,
)
from trustdesk.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        # case, diacritics, apostrophes, hyphens, honorifics
        ("Mr. José  O'Brien-Smith", ("jose", "obrien", "smith")),
        ("Dr. Ümit Özdağ", ("umit", "ozdag")),
        ("Sheikh Hassan Dahir AWEYS", ("hassan", "dahir", "aweys")),
        # legal forms at either end, dotted or not
        ("BANCO NACIONAL DE CUBA, S.A.", ("banco", "nacional", "de", "cuba")),
        ("OOO Romashka", ("romashka",)),
        ("PT Bank Mandiri (Persero) Tbk", ("bank", "mandiri", "persero")),
        ("Siemens GmbH", ("siemens",)),
        ("ANGLO-CARIBBEAN CO., LTD.", ("anglo", "caribbean")),
        # initials stay single letters; "S.A." is one word
        ("J. P. Morgan", ("j", "p", "morgan")),
        # other scripts, transliterated
        ("Умаров Доку Хаматович", ("umarov", "doku", "khamatovich")),
        ("Αλέξανδρος Ψάρρος", ("alexandros", "psarros")),
        ("阎晓兵", ("yan", "xiao", "bing")),  # one token per Han syllable
        ("김정은", ("gim", "jeong", "eun")),
        ("الظواهري", ("al", "dhwhry")),  # the Arabic article becomes "al"
        ("عبدالرحمن", ("bd", "al", "rhmn")),
        ("Kim 金正恩 Jong-un", ("kim", "jin", "zheng", "en", "jong", "un")),  # mixed scripts
        ("ＦＵＬＬ　ＷＩＤＴＨ", ("full", "width")),  # compatibility forms
    ],
)
def test_normalize_name(raw: str, tokens: tuple[str, ...]) -> None:
    assert normalize_name(raw).tokens == tokens


def test_abjad_flags_mark_words_written_without_vowels() -> None:
    name = normalize_name("Usama أسامة بن لادن")
    assert name.tokens == ("usama", "smh", "bn", "ldn")
    assert name.abjad == (False, True, True, True)


@pytest.mark.parametrize("raw", ["", "   ", "Ltd.", "Dr. LLC", "--- !!!", "S.A.", None, 42])
def test_names_with_nothing_to_screen_are_refused(raw: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_name(raw)
    assert caught.value.field == "name"


def test_particles_are_not_dropped() -> None:
    # "de" carries little weight when scoring, but it is part of the name
    assert normalize_name("S.A. de C.V.").tokens == ("de",)


def test_long_names_are_refused_without_echoing_them() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_name("A" * 10_000)
    assert caught.value.field == "name"
    assert caught.value.message == "the name is 10000 characters long; at most 300 are screened"
    assert normalize_name("a" * MAX_NAME_LENGTH).tokens == ("a" * MAX_NAME_LENGTH,)


def test_listed_names_made_of_legal_forms_keep_them() -> None:
    assert normalize_listed("LTD").tokens == ("ltd",)
    assert normalize_listed("...").tokens == ()


def test_phonetic_keys() -> None:
    # metaphone, hand-checked: M-H-M-T for both spellings
    assert phonetic_key("mohammed") == phonetic_key("muhammad") == "MHMT"
    assert phonetic_key("1963") == "1963"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("mohammed", "mhmd"),
        ("mhmd", "mhmd"),  # محمد
        ("usama", "sm"),
        ("smh", "sm"),  # أسامة: the final h (ta marbuta) goes
        ("zawahiri", "zhr"),
        ("dhwhry", "zhr"),  # ظواهري
        ("haqqani", "hkn"),
        ("hqny", "hkn"),  # حقانی
    ],
)
def test_consonant_skeletons(word: str, expected: str) -> None:
    assert skeleton(word) == expected


@pytest.mark.parametrize(
    ("query", "listed", "expected"),
    [
        ("hussein", "hussein", (1.0, "exact")),
        ("husein", "hussein", (0.9, "typo")),  # one deletion
        ("hsusein", "hussein", (0.9, "typo")),  # one swap of neighbours (OSA)
        ("nap", "nam", (0.8, "typo")),  # one edit in a short word
        ("pk", "pak", (0.7, "typo")),
        ("mhoammec", "mohammed", (0.8, "typo")),  # two edits in a long word
        ("karimi", "kazemi", (0.7, "typo")),
        ("mohammed", "muhammad", (0.85, "phonetic")),  # two edits (0.8), but alike in sound
        ("yusuf", "yousef", (0.85, "phonetic")),
        ("peter", "salim", (0.0, "similar")),  # 5 edits over 5 letters
        ("ab", "al", (0.5, "similar")),
    ],
)
def test_token_similarity(query: str, listed: str, expected: tuple[float, str]) -> None:
    assert token_similarity(query, listed) == expected


def test_words_typed_in_arabic_compare_by_consonants() -> None:
    assert compare_tokens("smh", True, "usama") == (0.8, "transliterated")
    assert compare_tokens("dhwhry", True, "zawahiri") == (0.8, "transliterated")
    assert compare_tokens("brhym", True, "ibrahim") == (0.85, "transliterated")
    # skeletons are coarse ("trk" is also "teraoka"), and sound-alikes mean nothing on them
    assert compare_tokens("twrk", True, "teraoka") == (0.8, "transliterated")
    assert compare_tokens("twrk", True, "karimi") == (0.0, "similar")


def test_joined_words() -> None:
    assert joined_similarity("al" + "qaida", "alqaida") == 1.0
    assert joined_similarity("xiao" + "bing", "xiaobong") == 0.9
    assert joined_similarity("al" + "qa", "alqaida") is None


@pytest.mark.parametrize(
    ("token", "expected"),
    [("limitd", True), ("shiekh", True), ("compnay", True), ("corup", True), ("karim", False)],
)
def test_misspelt_titles_and_legal_forms(token: str, expected: bool) -> None:
    assert resembles_stopword(token) is expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Korea, North", "KP"),
        ("Iran", "IR"),
        ("ir", "IR"),
        ("Kinshasa, Congo, Democratic Republic of the", "CD"),
        ("Wuhan City, Hubei, China", "CN"),
        ("Côte d’Ivoire", "CI"),
        ("Atlantis", "atlantis"),
    ],
)
def test_country_key(text: str, code: str) -> None:
    assert country_key(text) == code


def test_query_country() -> None:
    assert query_country("Russia") == "RU"
    assert query_country(None) is None
    for bad in ("Atlantis", "  "):
        with pytest.raises(InvalidInput) as caught:
            query_country(bad)
        assert caught.value.field == "country"
