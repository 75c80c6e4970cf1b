"""The responder's decisions with stand-in ports: a fixed language and a fixed intent (so each
rule is exercised deterministically), the real diagnostics over hand-made chain facts, the real
knowledge base with the shipped articles, and the real phishing checker over small lists.

Expected texts are written out here, as a customer reads them."""

from __future__ import annotations

from functools import cache

import pytest

from trustdesk.bot.chain_facts import diagnose_message
from trustdesk.bot.desk_bot import searcher
from trustdesk.bot.diagnostics import Diagnosis, Facts, NetworkFacts, TxFacts, decide
from trustdesk.bot.extract import extract
from trustdesk.bot.handoff import HandOff
from trustdesk.bot.intents import IntentPrediction, handoff_reason
from trustdesk.bot.kb import KnowledgeBase
from trustdesk.bot.language import LanguageGuess
from trustdesk.bot.phishing import Listing, PhishingChecker, Protected
from trustdesk.bot.responder import ArticleHit, Conversation, Ports, Reply, respond

THRESHOLD = 0.9
TX = "0x" + "ab" * 32

SEED = {
    "en": (
        "Never share your seed phrase (recovery phrase) or private key with anyone, including "
        "us: no genuine support agent, app or website will ever ask for it, and anyone who has "
        "it can take all your funds. If you have already shared it, move your funds to a new "
        "wallet with a new seed phrase right away."
    ),
    "zh": (
        "请勿向任何人（包括我们）透露您的助记词（恢复短语）或私钥：真正的客服、应用或网站绝不会向您"
        "索要，任何人拿到它都可以转走您的全部资产。如果您已经泄露，请立即创建一个使用新助记词的新钱包，"
        "并把资产转过去。"
    ),
    "id": (
        "Jangan pernah membagikan frasa pemulihan (seed phrase) atau kunci pribadi Anda kepada "
        "siapa pun, termasuk kami: agen dukungan, aplikasi, atau situs web yang asli tidak akan "
        "pernah memintanya, dan siapa pun yang memilikinya dapat mengambil semua dana Anda. Jika "
        "Anda sudah membagikannya, segera pindahkan dana Anda ke dompet baru dengan frasa "
        "pemulihan baru."
    ),
}
SEED_ARTICLE = {
    "en": "More in our help article “Never share your seed phrase” (seed-phrase-safety).",
    "zh": "详情请看帮助文章《永远不要泄露你的助记词》（seed-phrase-safety）。",
    "id": (
        "Selengkapnya di artikel bantuan kami “Jangan pernah membagikan frasa pemulihan (seed "
        "phrase) Anda” (seed-phrase-safety)."
    ),
}
PHISHING = {
    "en": (
        "Warning: metamask-io.com is flagged as a phishing site (a known fake or a look-alike "
        "of a genuine site), not one of our websites. Do not open it, do not connect your wallet "
        "to it, and never enter a password, code or seed phrase there."
    ),
    "zh": (
        "警告：metamask-io.com 已被标记为钓鱼网站（已知的假网站或仿冒真实网站），"
        "不是我们的官方网站。请不要打开，不要连接您的钱包，也绝不要在其中输入密码、验证码或助记词。"
    ),
    "id": (
        "Peringatan: metamask-io.com ditandai sebagai situs phishing (situs palsu yang dikenal "
        "atau tiruan situs asli), bukan situs web kami. Jangan membukanya, jangan menghubungkan "
        "dompet Anda ke sana, dan jangan pernah memasukkan kata sandi, kode, atau frasa "
        "pemulihan di sana."
    ),
}
REPORTED = {
    "en": (
        "Thank you for reporting this site. Our team will check it and block it if it is "
        "fraudulent; an agent will reply here."
    ),
    "zh": "感谢您举报该网站。我们的团队会进行核查，如确属欺诈将予以拦截；客服人员会在这里回复您。",
    "id": (
        "Terima kasih telah melaporkan situs ini. Tim kami akan memeriksanya dan memblokirnya "
        "jika terbukti palsu; seorang agen akan membalas di sini."
    ),
}
L1 = {
    "en": (
        "Thank you for your message. We have passed your request to our support team, and an "
        "agent will reply here as soon as possible."
    ),
    "zh": "感谢您的留言。我们已将您的问题转交客服团队，客服人员会尽快在这里回复您。",
    "id": (
        "Terima kasih atas pesan Anda. Kami telah meneruskan permintaan Anda ke tim dukungan "
        "kami, dan seorang agen akan membalas di sini secepatnya."
    ),
}
L2_EN = (
    "We have passed your case to our senior support team, who handle account security and "
    "stolen funds. A specialist will contact you here; in the meantime, do not send funds to "
    "anyone who offers to recover them."
)
COMPLIANCE_ZH = (
    "我们已将您的问题转交合规团队，他们会进行审核并在这里回复您。出于法律原因，"
    "我们无法在此详细讨论合规审查的内容。"
)


@cache
def knowledge_base() -> KnowledgeBase:
    return KnowledgeBase.load()


def checker() -> PhishingChecker:
    return PhishingChecker(
        blocked={"free-airdrop.xyz": Listing("free-airdrop.xyz", "test", "drainer")},
        protected={"metamask.io": Protected("metamask.io", "test")},
    )


def fixed_diagnosis(text: str, _chain: str | None) -> Diagnosis:
    """Block 1 holds the hash; the head is block 3: three confirmations of Ethereum's 12."""
    items = extract(text)
    network = NetworkFacts("ethereum", 1, 3, 15 * 10**9, 10**9)
    txs = tuple(TxFacts(h, found=True, to=None, block_number=1, status=1) for h in items.tx_hashes)
    return decide(items, "ethereum", Facts(network, txs))


def ports(
    lang: str = "en",
    intent: str = "balance_not_updated_after_bank_transfer",
    confidence: float = 0.3,
    diagnose: object = fixed_diagnosis,
    search: object = None,
) -> Ports:
    def predict(_text: str) -> IntentPrediction:
        reason = handoff_reason(intent, confidence, THRESHOLD)
        return IntentPrediction(intent, confidence, reason is not None, reason)

    return Ports(
        language=lambda _text, _default: LanguageGuess(lang, 0.9),
        intent=predict,
        diagnose=diagnose,  # type: ignore[arg-type]
        search=search or searcher(knowledge_base()),  # type: ignore[arg-type]
        phishing=checker().check,
    )


# --- warnings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Someone on Telegram asks for my seed phrase, should I give it?"),
        ("zh", "有人在电报上问我要助记词，我要给吗？"),
        ("id", "Ada yang minta frasa pemulihan saya di Telegram, boleh saya kasih?"),
    ],
)
def test_a_seed_phrase_question_gets_the_warning_and_the_article(lang: str, text: str) -> None:
    reply = respond(text, ports(lang, "seed_phrase_question", 0.95))
    assert reply.answer == SEED[lang] + "\n\n" + SEED_ARTICLE[lang]
    assert reply.handoff is None
    assert reply.warnings == ("seed_phrase",)
    assert reply.cited is not None and reply.cited.slug == "seed-phrase-safety"


def test_the_seed_warning_comes_first_also_when_unsure_and_before_a_hand_off() -> None:
    unsure = respond("what about my 24 words?", ports("en", "card_arrival", 0.1))
    assert unsure.answer == SEED["en"] + "\n\n" + SEED_ARTICLE["en"]
    stolen = respond("I typed my seed phrase on a site and my wallet was drained", ports())
    assert stolen.answer == SEED["en"] + "\n\n" + L2_EN
    assert stolen.handoff == HandOff("l2", "theft", "suspected_theft")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "I want to report a phishing site: https://metamask-io.com/connect"),
        ("zh", "我发现一个钓鱼网站 metamask-io.com，请处理"),
        ("id", "Saya menemukan situs penipuan metamask-io.com"),
    ],
)
def test_a_reported_look_alike_gets_the_warning_and_goes_to_l1(lang: str, text: str) -> None:
    reply = respond(text, ports(lang))
    assert reply.answer == PHISHING[lang] + "\n\n" + REPORTED[lang]
    assert reply.handoff == HandOff("l1", "phishing_report", "phishing_report")
    assert (reply.intent, reply.warnings) == ("phishing_report", ("phishing",))
    (verdict,) = reply.verdicts
    assert (verdict.domain, verdict.verdict.value, verdict.matched) == (
        "metamask-io.com",
        "lookalike",
        "metamask.io",
    )


def test_a_flagged_link_without_a_report_warns_and_goes_on() -> None:
    reply = respond("is metamask-io.com the real site?", ports("zh"))
    assert reply.answer == PHISHING["zh"] + "\n\n" + L1["zh"]
    assert reply.handoff == HandOff("l1", "low_confidence")
    assert reply.intent == "balance_not_updated_after_bank_transfer"


def test_several_flagged_links_are_named_together() -> None:
    reply = respond("metamask-io.com or free-airdrop.xyz for the airdrop?", ports("en"))
    assert reply.answer.split("\n\n")[0] == (
        "Warning: metamask-io.com, free-airdrop.xyz are flagged as phishing sites (known fakes "
        "or look-alikes of genuine sites), not our websites. Do not open them, do not connect "
        "your wallet to them, and never enter a password, code or seed phrase there."
    )


def test_a_genuine_site_is_no_warning_and_no_report() -> None:
    reply = respond("Is this scam? metamask.io asks me to update", ports("en"))
    assert reply.warnings == ()
    assert reply.handoff == HandOff("l1", "low_confidence")


# --- chain diagnostics ------------------------------------------------------------------------


def test_a_readable_transaction_is_answered_from_the_chain_whatever_the_intent() -> None:
    reply = respond(f"我的提现已经两个小时了还没到账 {TX}", ports("zh", "card_arrival", 0.18))
    assert reply.answer == "您的交易已被打包，目前有 3 个确认，还需要 9 个确认（约 2 分钟）后到账。"
    assert (reply.handoff, reply.language, reply.findings) == (
        None,
        "zh",
        ("awaiting_confirmations",),
    )


def test_no_node_hands_the_transaction_to_the_blockchain_queue() -> None:
    no_node = ports("en", diagnose=lambda text, chain: diagnose_message(text, chain, None))
    reply = respond(f"where is my withdrawal {TX}", no_node)
    assert reply.handoff == HandOff("blockchain", "blockchain_escalation")
    assert reply.answer == (
        "We cannot reach the blockchain right now to check your transaction.\n"
        "We have passed this to our blockchain team, and a specialist will follow up with you."
    )
    assert reply.findings == ("chain_unavailable",)


def test_without_a_hash_the_diagnostics_are_not_asked() -> None:
    def refuse(_text: str, _chain: str | None) -> Diagnosis:
        raise AssertionError("no hash, no diagnosis")

    reply = respond("hello there", ports(diagnose=refuse))
    assert reply.diagnosis is None


# --- the knowledge base and the rest ----------------------------------------------------------


def test_a_confident_intent_with_an_article_is_answered_with_it() -> None:
    reply = respond(
        "Why can't I transfer to a beneficiary?", ports("en", "beneficiary_not_allowed", 0.99)
    )
    assert reply.answer == (
        "With the whitelist turned on, withdrawals can only go to addresses you saved in "
        "advance. If someone gets into your account, they still cannot send your funds to their "
        "own address.\n\n"
        "More in our help article “Withdrawal address whitelist: how and why” (address-whitelist)."
    )
    assert reply.handoff is None
    assert reply.cited is not None and reply.cited.slug == "address-whitelist"


def test_a_transaction_question_without_a_hash_asks_for_it() -> None:
    hit = ArticleHit(
        "pending-withdrawal", "id", "Kenapa penarikan saya masih tertunda?", 1.0, "Sabar.", True
    )
    reply = respond(
        "penarikan saya belum masuk", ports("id", "pending_transfer", 0.97, search=lambda *_: [hit])
    )
    assert reply.answer == (
        "Sabar.\n\n"
        "Selengkapnya di artikel bantuan kami “Kenapa penarikan saya masih tertunda?” "
        "(pending-withdrawal).\n\n"
        "Jika Anda mengirimkan hash transaksi (0x diikuti 64 karakter), kami dapat memeriksa "
        "transaksinya di jaringan untuk Anda."
    )


def test_below_the_threshold_the_bot_hands_off_to_l1() -> None:
    reply = respond(
        "Why can't I transfer to a beneficiary?", ports("en", "beneficiary_not_allowed", 0.89)
    )
    assert (reply.handoff, reply.answer) == (HandOff("l1", "low_confidence"), L1["en"])
    assert reply.low_confidence


def test_a_confident_intent_without_an_article_hands_off() -> None:
    reply = respond("How do I activate my card?", ports("en", "activate_my_card", 0.99))
    assert (reply.handoff, reply.answer) == (HandOff("l1", "no_answer"), L1["en"])


def test_a_kyc_dispute_goes_to_compliance_with_the_kyc_article() -> None:
    reply = respond("KYC 又被拒了，已经是第三次了", ports("zh", "kyc_rejected", 0.999))
    assert reply.handoff == HandOff("compliance", "kyc_dispute", "kyc_rejected")
    assert reply.answer == (
        COMPLIANCE_ZH + "\n\n在此期间，您可以参考帮助文章《身份认证（KYC）被拒：需要重新提交什么》"
        "（kyc-rejected），了解需要重新提交的材料。"
    )


def test_a_loop_goes_to_l1() -> None:
    reply = respond(
        "Why can't I transfer to a beneficiary?",
        ports("en", "beneficiary_not_allowed", 0.99),
        Conversation(bot_answers=2),
    )
    assert reply.handoff == HandOff("l1", "conversation_loop")


def test_an_empty_message_goes_to_l1_in_the_known_language() -> None:
    reply = respond("  ", ports(), Conversation(language="id-ID"))
    assert (reply.handoff, reply.answer, reply.language) == (
        HandOff("l1", "empty_message"),
        L1["id"],
        "id",
    )


def test_other_languages_are_answered_in_english() -> None:
    reply = respond("カードが届きません", ports("ja", "card_arrival", 0.2))
    assert (reply.language, reply.answer_language, reply.answer) == ("ja", "en", L1["en"])


def test_a_given_language_overrides_detection() -> None:
    reply = respond("human please", ports("en"), language="zh-CN")
    assert (reply.language, reply.answer) == ("zh", L1["zh"])


def test_reply_as_json() -> None:
    reply: Reply = respond(f"还没到账 {TX}", ports("zh", "card_arrival", 0.18))
    data = reply.to_dict()
    assert {k: data[k] for k in ("language", "intent", "confidence", "handoff_queue")} == {
        "language": "zh",
        "intent": "card_arrival",
        "confidence": 0.18,
        "handoff_queue": None,
    }
    assert data["diagnosis"]["findings"][0]["code"] == "awaiting_confirmations"
    assert data["answer"] == reply.answer
