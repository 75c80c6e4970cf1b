"""Which language a support message is written in (lingua, restricted to our markets).

Crypto messages are full of things that are no language at all: addresses, transaction
hashes, amounts, URLs. They are removed before detection, so "我的提现 0xabc… pending" is
judged on "我的提现 pending". A message with too few letters left ("ok", "hi", an address)
is not guessed at: it gets the default language with confidence 0.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# The languages our users write in; fewer candidates are faster and confuse less.
SUPPORTED: dict[str, Language] = {
    "en": Language.ENGLISH,
    "zh": Language.CHINESE,
    "id": Language.INDONESIAN,
    "ms": Language.MALAY,
    "ja": Language.JAPANESE,
    "ko": Language.KOREAN,
    "vi": Language.VIETNAMESE,
    "th": Language.THAI,
    "es": Language.SPANISH,
    "pt": Language.PORTUGUESE,
    "fr": Language.FRENCH,
    "de": Language.GERMAN,
    "ru": Language.RUSSIAN,
    "ar": Language.ARABIC,
    "hi": Language.HINDI,
    "tr": Language.TURKISH,
}
DEFAULT_LANGUAGE = "en"
# Below this many letters (after removing addresses, numbers and links) we do not guess.
MIN_LETTERS = 4
# Han characters are dense: two of them already say more than four Latin letters.
MIN_HAN = 2
# Indonesian and Malay differ in few words; when lingua cannot tell them apart by this much,
# we answer in Indonesian, the one the desk supports (a Malay reader follows it).
ID_MS_MARGIN = 0.5

_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+"  # links, e-mail addresses
    r"|\b0x[0-9a-fA-F]+…?"  # EVM addresses, tx hashes (also shortened: "0xabc…")
    r"|\b(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{20,}\b"  # base58/bech32 addresses, other hashes
    r"|[\d.,:%/+\-]+"  # amounts, dates, times
)


class LanguageGuess(NamedTuple):
    code: str
    confidence: float


def detect_language(text: str, default: str = DEFAULT_LANGUAGE) -> LanguageGuess:
    """The language code (ISO 639-1) of ``text`` and how sure we are (0–1)."""
    cleaned = _NOISE.sub(" ", unicodedata.normalize("NFKC", text))
    letters = [c for c in cleaned if c.isalpha()]
    han = sum(1 for c in letters if _is_han(c))
    kana = sum(1 for c in letters if _is_kana(c))
    if han >= MIN_HAN and kana == 0:
        # Chinese with Latin crypto words mixed in ("pending", "gas", "USDT") is still Chinese.
        return LanguageGuess("zh", _mixed_confidence(han, cleaned))
    if len(letters) < MIN_LETTERS and han == 0:
        return LanguageGuess(default, 0.0)
    values = {
        _code(v.language): v.value for v in _detector().compute_language_confidence_values(cleaned)
    }
    if not values:
        return LanguageGuess(default, 0.0)
    code = max(values, key=lambda c: values[c])
    confidence = values[code]
    if code == "ms" and confidence - values.get("id", 0.0) < ID_MS_MARGIN:
        code, confidence = "id", confidence + values["id"]
    return LanguageGuess(code, round(min(confidence, 1.0), 4))


def warm_up() -> None:
    """Load lingua's models now (a few seconds) instead of on the first message."""
    _detector()


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(*SUPPORTED.values())
        .with_preloaded_language_models()
        .build()
    )


_CODES = {language: code for code, language in SUPPORTED.items()}


def _code(language: Language) -> str:
    return _CODES[language]


def _mixed_confidence(han: int, cleaned: str) -> float:
    """0.5–1: how much of the message is Chinese, counting ~1.5 Han characters a word."""
    latin_words = len(re.findall(r"[^\W\d_]+", "".join(" " if _is_han(c) else c for c in cleaned)))
    han_words = han / 1.5
    return round(0.5 + 0.5 * han_words / (han_words + latin_words), 4)


def _is_han(char: str) -> bool:
    return unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH")


def _is_kana(char: str) -> bool:
    name = unicodedata.name(char, "")
    return name.startswith(("HIRAGANA", "KATAKANA"))
