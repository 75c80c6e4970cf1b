"""Retrieval over the shipped articles: the right article (exact slug) for questions in
English, Chinese and Indonesian, including paraphrases that share no word with it."""

from __future__ import annotations

import re

import pytest

from trustdesk.bot.kb import Article, KnowledgeBase, shipped_articles
from trustdesk.core.errors import InvalidInput

# (lang, question, predicted intent or None, the article that answers it)
Query = tuple[str, str, str | None, str]
QUERIES: list[Query] = [
    ("en", "Someone claiming to be support wants my 24 words", None, "seed-phrase-safety"),
    ("en", "is it ok to keep my recovery phrase in google drive", None, "seed-phrase-safety"),
    ("en", "my withdrawal is pending, where do I find the TXID", None, "pending-withdrawal"),
    ("en", "how do I speed up or cancel a transaction with low gas", None, "network-congestion"),
    ("en", "I deposited USDT on Polygon instead of Ethereum", None, "wrong-network-deposit"),
    ("en", "I pasted the token contract as the recipient address", None, "sent-to-token-contract"),
    ("en", "my identity documents were rejected, what should I upload", None, "kyc-rejected"),
    ("en", "only allow withdrawals to saved addresses", None, "address-whitelist"),
    ("en", "a website asked me to sign setApprovalForAll", None, "recognising-phishing"),
    (
        "en",
        "tiny incoming transfer from an address that looks like mine",
        None,
        "check-address-before-sending",
    ),
    ("en", "execution reverted and I lost the fee", None, "failed-transaction"),
    ("zh", "有人冒充客服要我的助记词", None, "seed-phrase-safety"),
    ("zh", "提币一直显示处理中，还没到账", None, "pending-withdrawal"),
    ("zh", "USDT 转错网络了", None, "wrong-network-deposit"),
    ("zh", "身份认证被拒绝了，要重新上传什么", None, "kyc-rejected"),
    ("zh", "交易卡住了，怎么加速", None, "network-congestion"),
    ("zh", "我的钱包被盗了怎么办", None, "suspected-theft"),
    ("id", "penarikan saya masih pending dan belum masuk", None, "pending-withdrawal"),
    ("id", "saya salah pilih jaringan saat deposit USDT", None, "wrong-network-deposit"),
    ("id", "verifikasi KYC saya ditolak", None, "kyc-rejected"),
    ("id", "apakah aman menyimpan seed phrase di catatan cloud", None, "seed-phrase-safety"),
    ("id", "dompet saya dibobol, tolong bekukan akun", None, "suspected-theft"),
]
# Paraphrases sharing no word with the article they need (checked below): found by the
# caller's predicted intent, or by meaning (character n-grams, stems) alone.
PARAPHRASES: list[Query] = [
    ("en", "my coins vanished overnight", "suspected_theft", "suspected-theft"),
    ("zh", "币不见了", "suspected_theft", "suspected-theft"),
    ("id", "uangku raib", "suspected_theft", "suspected-theft"),
    ("en", "phishers impersonating helpdesk", None, "recognising-phishing"),
    ("en", "reverting swaps", None, "failed-transaction"),
    ("en", "mnemonics", None, "seed-phrase-safety"),
]
_FUNCTION_WORDS = {"my", "i", "the", "a", "to", "is", "it", "for", "saya", "yang", "di"}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def _words(text: str, lang: str) -> set[str]:
    """Surface words: for Chinese, every pair of neighbouring Han characters."""
    if lang == "zh":
        han = re.findall(r"[\u4e00-\u9fff]+", text)
        return {run[i : i + 2] for run in han for i in range(len(run) - 1)}
    return set(re.findall(r"[a-z0-9]+", text.lower())) - _FUNCTION_WORDS


@pytest.mark.parametrize(("lang", "query", "intent", "slug"), QUERIES + PARAPHRASES)
def test_the_right_article_comes_first(
    kb: KnowledgeBase, lang: str, query: str, intent: str | None, slug: str
) -> None:
    hits = kb.search(query, lang, 3, intent)
    assert (hits[0].slug, hits[0].lang) == (slug, lang), [(h.slug, h.why) for h in hits]
    assert not hits[0].fallback
    assert hits[0].snippet and len(hits[0].snippet) <= 241


@pytest.mark.parametrize(("lang", "query", "intent", "slug"), PARAPHRASES)
def test_paraphrases_share_no_word_with_their_article(
    lang: str, query: str, intent: str | None, slug: str
) -> None:
    [article] = [a for a in shipped_articles() if a.key == (slug, lang)]
    text = " ".join([article.title, article.body, *article.tags, *article.questions])
    assert _words(query, lang) and not _words(query, lang) & _words(text, lang)


def test_why_names_the_signals(kb: KnowledgeBase) -> None:
    [hit] = kb.search("my coins vanished overnight", "en", 1, "suspected_theft")
    assert hit.why == "answers intent suspected_theft"
    [meaning] = kb.search("phishers impersonating helpdesk", "en", 1)
    assert meaning.why.startswith("meaning #1 (cosine ")
    [found] = kb.search("how many confirmations does Bitcoin need", "en", 1)
    assert found.slug == "pending-withdrawal"
    assert found.why.startswith("words #1 (bm25 ")
    assert "Bitcoin 1 to 6" in found.snippet


def test_english_stands_in_for_a_missing_language() -> None:
    extra = Article(
        slug="hardware-wallets",
        lang="en",
        title="Using a hardware wallet",
        body="Connect your Ledger or Trezor and confirm every transaction on its screen.",
        intents=("hardware_wallet",),
    )
    kb = KnowledgeBase.load([extra])
    [hit] = kb.search("Ledger Trezor", "zh", 1)
    assert (hit.slug, hit.lang, hit.fallback) == ("hardware-wallets", "en", True)
    assert hit.why.endswith("; no zh version, English shown")
    assert kb.get("hardware-wallets", "id").fallback


def test_a_stored_article_replaces_the_shipped_one_in_search() -> None:
    override = Article(
        slug="kyc-rejected",
        lang="en",
        title="Verification declined",
        body="Zebra protocol: resend the paperwork through the app.",
        version=2,
        origin="db",
    )
    kb = KnowledgeBase.load([override])
    [hit] = kb.search("zebra protocol", "en", 1)
    assert (hit.slug, hit.title) == ("kyc-rejected", "Verification declined")
    assert kb.get("kyc-rejected", "en").article.origin == "db"
    assert kb.get("kyc-rejected", "zh").article.origin == "shipped"


def test_bad_queries_are_refused(kb: KnowledgeBase) -> None:
    for kwargs, field in (
        ({"query": " ", "lang": "en"}, "q"),
        ({"query": "x" * 1001, "lang": "en"}, "q"),
        ({"query": "fees", "lang": "fr"}, "lang"),
        ({"query": "fees", "lang": "en", "k": 0}, "k"),
        ({"query": "fees", "lang": "en", "k": 21}, "k"),
    ):
        with pytest.raises(InvalidInput) as caught:
            kb.search(**kwargs)  # type: ignore[arg-type]
        assert caught.value.field == field


def test_the_same_question_gets_the_same_answer(kb: KnowledgeBase) -> None:
    again = KnowledgeBase.load()
    for lang, query, intent, _ in QUERIES:
        assert kb.search(query, lang, 5, intent) == again.search(query, lang, 5, intent)
