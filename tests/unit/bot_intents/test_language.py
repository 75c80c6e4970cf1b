"""Language detection on fixed sentences: exact codes, and the fall-backs spelled out."""

from __future__ import annotations

import pytest

from trustdesk.bot.language import DEFAULT_LANGUAGE, LanguageGuess, detect_language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("我的提现还没有到账，已经等了两个小时", "zh"),
        ("请问怎么联系人工客服", "zh"),
        ("My withdrawal is still pending after two hours", "en"),
        ("How do I back up my recovery phrase?", "en"),
        ("Penarikan saya masih pending dari tadi pagi", "id"),
        ("Kenapa KYC saya ditolak?", "id"),
        ("Dompet saya dikuras semalam", "id"),
        # Malay that lingua is sure of stays Malay.
        ("Saya mahu tahu kenapa akaun saya disekat", "ms"),
        # Kanji with kana is Japanese, not Chinese.
        ("私の出金がまだ保留中です", "ja"),
        ("출금이 아직 대기 중입니다", "ko"),
        ("Мой вывод всё ещё в ожидании", "ru"),
        ("Mi retiro sigue pendiente", "es"),
    ],
)
def test_detects_the_language(text: str, code: str) -> None:
    assert detect_language(text).code == code


def test_mixed_chinese_with_an_address_and_english_words_is_chinese() -> None:
    # Address removed; 4 Han characters = 4/1.5 words against 1 Latin word:
    # 0.5 + 0.5 * (8/3) / (8/3 + 1) = 0.5 + 0.5 * 8/11 = 0.863636…
    assert detect_language("我的提现 0xabc… pending") == LanguageGuess("zh", 0.8636)
    full = "我的提现 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed pending"
    assert detect_language(full) == LanguageGuess("zh", 0.8636)


def test_chinese_alone_is_certain() -> None:
    assert detect_language("人工") == LanguageGuess("zh", 1.0)


@pytest.mark.parametrize(
    "text",
    ["ok", "hi", "", "   ", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "100 USD", "👍"],
)
def test_too_little_text_falls_back_to_the_default_with_zero_confidence(text: str) -> None:
    assert detect_language(text) == LanguageGuess(DEFAULT_LANGUAGE, 0.0)
    assert detect_language(text, default="id") == LanguageGuess("id", 0.0)


def test_unpacks_as_code_and_confidence() -> None:
    code, confidence = detect_language("Transaksi saya gagal tapi tetap kena biaya gas")
    assert code == "id"
    assert 0.5 < confidence <= 1.0
