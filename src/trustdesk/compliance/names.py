"""Names for screening: one canonical token form for listed names and queries, and how two
tokens compare.

Both sides go through the same steps, so a query matches however the list wrote the name:
Unicode compatibility forms, transliteration of any script to ASCII (anyascii; Han and Hangul
one syllable per token, the Arabic article split off as "al"), case, diacritics, punctuation,
dotted abbreviations, titles and legal-form words. Token order is kept (screening ignores it).
Tokens compare by edits (rapidfuzz OSA: a typo), by sound (jellyfish metaphone) and, for words
typed in a script without vowels, by consonant skeleton. Country names resolve to ISO codes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from anyascii import anyascii
from rapidfuzz import process
from rapidfuzz.distance import OSA

from trustdesk.core.errors import InvalidInput

MAX_NAME_LENGTH = 300  # characters; longer input is not a name


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Titles and honorifics: they say nothing about who a person is.
HONORIFICS = _words(
    """mr mrs ms miss mx dr prof sir dame lord lady mme mlle herr frau madam madame
    sheikh shaikh sheik shaykh sayyid sayed syed haji hajji hadji hajj alhaj alhajj mullah mulla
    maulana mawlana mawlawi maulvi maulavi moulavi qari ustad ustadh
    gen col maj capt lt sgt cmdr adm jr snr sr"""
)
# Legal-form words of companies in the markets we serve.
LEGAL_FORMS = _words(
    """ltd limited llc llp lp plc inc incorporated corp corporation co company
    gmbh mbh ag kg ohg ug se sa sas sarl sl slu srl spa sca snc bv nv cv sapi
    ooo oao zao pao ao tov jsc ojsc cjsc pjsc pt tbk pte bhd sdn kk yk gk
    oy oyj asa aps kft zrt nyrt sro spol doo fze fzco fzc fzllc dmcc"""
)
# Connecting words and articles: kept, but carry little weight when scoring.
PARTICLES = _words(
    """al el as ash at ad ar az an ud ul bin ben ibn bint
    de del della der di da dos das du la le van von den the of and"""
)

_APOSTROPHES = re.compile(r"['`\u00b4\u02bb\u02bc\u02bf\u02be\u2018\u2019]")
_DOTTED_ABBREVIATION = re.compile(r"^(?:[a-z]\.){2,}[a-z]?\.?$")  # s.a. / j.p. / s.a.s
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_ASCII_CONTROLS = {code: " " for code in (*range(32), 127)}


@dataclass(frozen=True)
class NormalizedName:
    tokens: tuple[str, ...]
    abjad: tuple[bool, ...] = ()  # per token: written without vowels (see scripted_tokens)

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def transliterate(text: str) -> str:
    """Any script to ASCII. Han and Hangul characters are one syllable each, so they are kept
    apart (anyascii would run a whole name together)."""
    if text.isascii():  # most listed names: nothing to transliterate
        return text.translate(_ASCII_CONTROLS)
    out: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        if _is_syllabic_ideograph(char):
            out.append(f" {anyascii(char)} ")
        elif unicodedata.category(char)[0] == "C":
            out.append(" ")  # control and format characters never belong to a name
        else:
            out.append(anyascii(char))
    return "".join(out)


def _is_syllabic_ideograph(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FA1F
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
    )


def raw_tokens(text: str) -> tuple[str, ...]:
    """Lower-case ASCII tokens with punctuation removed; nothing is dropped yet."""
    return tuple(token for token, _ in scripted_tokens(text))


def scripted_tokens(text: str) -> tuple[tuple[str, bool], ...]:
    """Tokens with a flag for those written in a script that leaves out vowels (Arabic,
    Persian, Urdu, Hebrew, Syriac): their transliteration is a consonant skeleton ("mhmd")."""
    found: list[tuple[str, bool]] = []
    for word in unicodedata.normalize("NFKC", text).split():
        abjad = not word.isascii() and any(_is_abjad(char) for char in word)
        for part in _split_arabic_article(word) if abjad else (word,):
            found.extend((token, abjad) for token in _ascii_tokens(part))
    return tuple(found)


def _ascii_tokens(word: str) -> list[str]:
    tokens: list[str] = []
    for chunk in _APOSTROPHES.sub("", transliterate(word).lower()).split():
        if _DOTTED_ABBREVIATION.match(chunk):
            tokens.append(chunk.replace(".", ""))  # "S.A." is one word, not two initials
        else:
            tokens.extend(_NOT_ALNUM.sub(" ", chunk).split())
    return tokens


def _is_abjad(char: str) -> bool:
    code = ord(char)
    return (
        0x0590 <= code <= 0x08FF  # Hebrew, Arabic, Syriac, Thaana and their supplements
        or 0xFB1D <= code <= 0xFDFF  # presentation forms
        or 0xFE70 <= code <= 0xFEFF
    )


def _split_arabic_article(word: str) -> tuple[str, ...]:
    """ "الظواهري" is "al-Zawahiri" and "عبدالرحمن" "Abd al-Rahman": the article becomes the
    word "al", as romanized lists write it. "الله" (Allah) stays whole."""
    head = ""
    if word.startswith("عبدال") and len(word) > 6:
        head, word = "عبد", word[3:]
    if word.startswith("ال") and len(word) > 3 and word != "الله":
        return (*((head,) if head else ()), "al", word[2:])
    return (head, word) if head else (word,)


_DROPPED = HONORIFICS | LEGAL_FORMS


def significant(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in tokens if t not in _DROPPED)


def normalize_name(raw: object, *, field: str = "name") -> NormalizedName:
    """A name typed by a person: refused when empty, too long or nothing but titles and legal
    forms. Mixed scripts are fine."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("a name to screen is required", field=field)
    if len(raw) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"the name is {len(raw)} characters long; at most {MAX_NAME_LENGTH} are screened",
            field=field,
        )
    # An escape sequence would otherwise split a listed name into tokens that match nothing.
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t" for ch in raw):
        raise InvalidInput("control characters are not allowed in a name", field=field)
    kept = [(t, a) for t, a in scripted_tokens(raw) if t not in _DROPPED]
    if not kept:
        raise InvalidInput(
            "the name has nothing left to screen once punctuation, titles and legal forms "
            "are removed",
            field=field,
        )
    return NormalizedName(tuple(t for t, _ in kept), tuple(a for _, a in kept))


def normalize_listed(raw: str) -> NormalizedName:
    """A name as a list writes it. Never refused: a listed name made only of legal-form words
    (e.g. "LTD") keeps them, and an empty result means the name has no letters at all."""
    tokens = raw_tokens(raw)
    return NormalizedName(significant(tokens) or tokens)


_STOPWORDS = sorted(w for w in HONORIFICS | LEGAL_FORMS if len(w) >= 4)


def resembles_stopword(token: str) -> bool:
    """A misspelt title or legal form: one edit from one of four letters or more ("limitd",
    "shiekh"), two from one of seven or more ("compnay", "coporatin")."""
    if len(token) < 3:
        return False
    found = process.extractOne(token, _STOPWORDS, scorer=OSA.distance, score_cutoff=2)
    return found is not None and (found[1] <= 1 or (len(found[0]) >= 7 and len(token) >= 6))


def is_initial(token: str) -> bool:
    return len(token) == 1 and token.isalpha()


@lru_cache(maxsize=65536)
def phonetic_key(token: str) -> str:
    """Metaphone of a token ("mohammed" and "muhammad" are both MHMT); digits stay as they are."""
    if not token.isalpha():
        return token
    return jellyfish.metaphone(token) or token


# --- comparing tokens ------------------------------------------------------------------------

PHONETIC_SIMILARITY = 0.85
_SKELETON_LETTERS = str.maketrans("qcgpv", "kkkbf")
_VOWELS_AND_GLIDES = re.compile(r"[aeiouwy]")
_DOUBLED = re.compile(r"(.)\1+")
# (edits, length of the shorter word, 7 meaning 7 or more) -> similarity of a likely typo.
# Two edits leave little of a short word, so they count only from four letters on.
_TYPO_SIMILARITY = {
    (1, 2): 0.7,
    (1, 3): 0.8,
    (1, 4): 0.9,
    (1, 5): 0.9,
    (1, 6): 0.9,
    (1, 7): 0.9,
    (2, 4): 0.6,
    (2, 5): 0.7,
    (2, 6): 0.7,
    (2, 7): 0.8,
}


def token_similarity(query: str, listed: str) -> tuple[float, str]:
    """How alike two tokens are, and why: "exact"; "typo" (an edit or two, OSA, so a swap of
    neighbours is one); "phonetic" (same metaphone key, e.g. "mohammed" / "muhammad"); else
    "similar" with the share of letters in place."""
    if query == listed:
        return 1.0, "exact"
    shortest = min(len(query), len(listed))
    edits = OSA.distance(query, listed, score_cutoff=2)
    typo = _TYPO_SIMILARITY.get((edits, min(shortest, 7)))
    # A lone letter more or less in a short word ("pk" / "pak") is a typo; "ab" / "al" is not.
    if typo is not None and not (shortest >= 3 or max(len(query), len(listed)) == 3):
        typo = None
    if (typo is None or typo < PHONETIC_SIMILARITY) and sound_alike(query, listed):
        return PHONETIC_SIMILARITY, "phonetic"
    if typo is not None:
        return typo, "typo"
    return OSA.normalized_similarity(query, listed), "similar"


def sound_alike(query: str, listed: str) -> bool:
    """Same metaphone key, same first letter, four letters or more and at least half the
    letters in place: keys are coarse ("humaydah" and "hammud" are both HMT)."""
    if min(len(query), len(listed)) < 4 or query[0] != listed[0]:
        return False
    key = phonetic_key(query)
    if len(key) < 2 or key != phonetic_key(listed):
        return False
    return OSA.normalized_similarity(query, listed) >= 0.5


def skeleton(token: str) -> str:
    """Consonant skeleton, for words written without vowels: "mhmd" (محمد) and "mohammed"
    both give "mhmd", "'smh" (أسامة) and "usama" both "sm". Vowels, w and y (long vowels in
    Arabic), doubled letters and a final h (ta marbuta, "-ah") go; ظ/ذ "dh" meets "z"."""
    text = token.replace("dh", "z").replace("th", "t").translate(_SKELETON_LETTERS)
    text = _DOUBLED.sub(r"\1", _VOWELS_AND_GLIDES.sub("", text))
    return text[:-1] if len(text) > 2 and text.endswith("h") else text


def transliteration_similarity(written: str, listed: str) -> tuple[float, str] | None:
    """A word typed in Arabic (or Hebrew) script against a romanized listed word."""
    ours, theirs = skeleton(written), skeleton(listed)
    if len(ours) < 2:
        return None
    if ours == theirs:  # short skeletons ("bkr") fit many names
        return (0.85 if len(ours) >= 4 else 0.8), "transliterated"
    if len(ours) >= 4 and OSA.distance(ours, theirs, score_cutoff=1) <= 1:
        return 0.7, "transliterated"
    return None


def compare_tokens(token: str, abjad: bool, listed: str) -> tuple[float, str]:
    """Token similarity; a word typed without vowels is compared by its consonants instead of
    by sound (metaphone means little on "twrk"), unless a listed word in that script fits."""
    similarity, method = token_similarity(token, listed)
    if not abjad or method in ("exact", "typo"):
        return similarity, method
    written = transliteration_similarity(token, listed)
    return written if written is not None else (0.0, "similar")


def joined_similarity(joined: str, word: str) -> float | None:
    """Two words written as one ("al qaida" / "alqaida"): equal, or one typo in a long word."""
    if abs(len(joined) - len(word)) > 1 or joined[0] != word[0]:
        return None
    if joined == word:
        return 1.0
    if min(len(joined), len(word)) >= 6 and OSA.distance(joined, word, score_cutoff=1) <= 1:
        return 0.9
    return None


# --- countries -----------------------------------------------------------------------------

# Spellings the lists use that the country data does not know.
_EXTRA_COUNTRIES = {
    "korea north": "KP",
    "korea south": "KR",
    "west bank": "PS",
    "gaza": "PS",
    "gaza strip": "PS",
    "kosovo": "XK",
    "cote d ivoire": "CI",
    "congo democratic republic of the": "CD",
    "congo republic of the": "CG",
    "bahamas the": "BS",
    "gambia the": "GM",
    "turkiye": "TR",
    "region crimea": "UA",
    "crimea": "UA",
    "usa": "US",
    "dprk": "KP",
    "drc": "CD",
    "england": "GB",
    "bosnia": "BA",
    "macedonia": "MK",
    "palestinian": "PS",
    "palestinian territories": "PS",
    "palestinian authority": "PS",
    "phillipines": "PH",
    "netherlands antilles": "CW",
    "ussr": "RU",
    "former soviet union": "RU",
}


def _country_text(text: str) -> str:
    return " ".join(_NOT_ALNUM.sub(" ", _APOSTROPHES.sub(" ", transliterate(text).lower())).split())


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from countryinfo import CountryInfo  # loaded on first use: it reads many data files

    names: dict[str, str] = {}
    for key, info in CountryInfo.all().items():
        code = str((info.get("ISO") or {}).get("alpha2") or "").upper()
        if not code:
            continue
        for spelling in (key, info.get("name", ""), *(info.get("altSpellings") or [])):
            if spelling and len(spelling) > 3:  # codes are handled apart; skip "CW", "CUW"
                names.setdefault(_country_text(str(spelling)), code)
        names.setdefault(code.lower(), code)
    names.update(_EXTRA_COUNTRIES)
    return names


@lru_cache(maxsize=4096)
def country_key(text: str) -> str:
    """ISO 3166 alpha-2 code for a country name or code ("Korea, North" -> "KP"). A place such
    as "Wuhan City, Hubei, China" resolves by its last parts. A name the data does not know is
    returned normalized, so two spellings of it still compare equal."""
    names = _country_names()
    parts = [p for p in text.split(",") if p.strip()]
    for size in range(1, len(parts) + 1):
        tail = parts[-size:]
        for form in (", ".join(tail), " ".join(tail[1:] + tail[:1])):  # "Korea, North"
            code = names.get(_country_text(form).removeprefix("the "))
            if code is not None:
                return code
    return _country_text(text)


def query_country(value: str | None) -> str | None:
    """The ISO code of a country given with a query, by code or by name."""
    if value is None:
        return None
    key = country_key(value) if isinstance(value, str) and value.strip() else ""
    if len(key) != 2:
        raise InvalidInput("country must be an ISO 3166 code or a country name", field="country")
    return key
