"""Every sentence the bot says on its own, in English, Chinese and Indonesian: the seed-phrase
and phishing warnings, answers that cite a knowledge-base article, the acknowledgement a
customer gets when a person takes over (per queue, or per reason where one says more), and the
request for a transaction hash. Diagnoses have their own wording (``diagnosis_text``).

Pure: templates and ``str.format``. Anything not in ``LANGUAGES`` is answered in English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trustdesk.bot.diagnosis_text import LANGUAGES, language

__all__ = [
    "LANGUAGES",
    "TEMPLATES",
    "cite",
    "handoff_ack",
    "join",
    "kb_answer",
    "kyc_article",
    "language",
    "need_tx_hash",
    "phishing_warning",
    "seed_warning",
]

TEMPLATES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "seed_warning": (
            "Never share your seed phrase (recovery phrase) or private key with anyone, "
            "including us: no genuine support agent, app or website will ever ask for it, and "
            "anyone who has it can take all your funds. If you have already shared it, move "
            "your funds to a new wallet with a new seed phrase right away."
        ),
        "phishing_warning": (
            "Warning: {domains} is flagged as a phishing site (a known fake or a look-alike of "
            "a genuine site), not one of our websites. Do not open it, do not connect your "
            "wallet to it, and never enter a password, code or seed phrase there."
        ),
        "phishing_warning_many": (
            "Warning: {domains} are flagged as phishing sites (known fakes or look-alikes of "
            "genuine sites), not our websites. Do not open them, do not connect your wallet to "
            "them, and never enter a password, code or seed phrase there."
        ),
        "cite": "More in our help article “{title}” ({ref}).",
        "kyc_article": "Meanwhile, our help article “{title}” ({ref}) explains what to resubmit.",
        "need_tx_hash": (
            "If you send us the transaction hash (0x followed by 64 characters), we can check "
            "the transaction on the chain for you."
        ),
        "handoff.l1": (
            "Thank you for your message. We have passed your request to our support team, and "
            "an agent will reply here as soon as possible."
        ),
        "handoff.l2": (
            "We have passed your case to our senior support team, who handle account security "
            "and stolen funds. A specialist will contact you here; in the meantime, do not send "
            "funds to anyone who offers to recover them."
        ),
        "handoff.blockchain": (
            "We have passed this to our blockchain team, and a specialist will follow up with you."
        ),
        "handoff.compliance": (
            "We have passed your case to our compliance team, who will review it and reply "
            "here. For legal reasons we cannot discuss compliance checks in detail in this chat."
        ),
        "handoff.phishing_report": (
            "Thank you for reporting this site. Our team will check it and block it if it is "
            "fraudulent; an agent will reply here."
        ),
    },
    "zh": {
        "seed_warning": (
            "请勿向任何人（包括我们）透露您的助记词（恢复短语）或私钥：真正的客服、应用或网站绝不会"
            "向您索要，任何人拿到它都可以转走您的全部资产。如果您已经泄露，请立即创建一个使用新助记词"
            "的新钱包，并把资产转过去。"
        ),
        "phishing_warning": (
            "警告：{domains} 已被标记为钓鱼网站（已知的假网站或仿冒真实网站），不是我们的官方网站。"
            "请不要打开，不要连接您的钱包，也绝不要在其中输入密码、验证码或助记词。"
        ),
        "cite": "详情请看帮助文章《{title}》（{ref}）。",
        "kyc_article": "在此期间，您可以参考帮助文章《{title}》（{ref}），了解需要重新提交的材料。",
        "need_tx_hash": (
            "如果您提供交易哈希（0x 开头，后跟 64 个字符），我们可以为您在链上查询该交易。"
        ),
        "handoff.l1": "感谢您的留言。我们已将您的问题转交客服团队，客服人员会尽快在这里回复您。",
        "handoff.l2": (
            "我们已将您的问题转交高级客服团队，他们负责账户安全和资产被盗等案件。专员会在这里联系您；"
            "在此期间，请不要向任何声称可以帮您追回资产的人转账。"
        ),
        "handoff.blockchain": "我们已将此问题转交区块链团队，专员会尽快跟进。",
        "handoff.compliance": (
            "我们已将您的问题转交合规团队，他们会进行审核并在这里回复您。出于法律原因，"
            "我们无法在此详细讨论合规审查的内容。"
        ),
        "handoff.phishing_report": (
            "感谢您举报该网站。我们的团队会进行核查，如确属欺诈将予以拦截；客服人员会在这里回复您。"
        ),
    },
    "id": {
        "seed_warning": (
            "Jangan pernah membagikan frasa pemulihan (seed phrase) atau kunci pribadi Anda "
            "kepada siapa pun, termasuk kami: agen dukungan, aplikasi, atau situs web yang asli "
            "tidak akan pernah memintanya, dan siapa pun yang memilikinya dapat mengambil semua "
            "dana Anda. Jika Anda sudah membagikannya, segera pindahkan dana Anda ke dompet baru "
            "dengan frasa pemulihan baru."
        ),
        "phishing_warning": (
            "Peringatan: {domains} ditandai sebagai situs phishing (situs palsu yang dikenal "
            "atau tiruan situs asli), bukan situs web kami. Jangan membukanya, jangan "
            "menghubungkan dompet Anda ke sana, dan jangan pernah memasukkan kata sandi, kode, "
            "atau frasa pemulihan di sana."
        ),
        "cite": "Selengkapnya di artikel bantuan kami “{title}” ({ref}).",
        "kyc_article": (
            "Sementara itu, artikel bantuan kami “{title}” ({ref}) menjelaskan apa yang perlu "
            "dikirim ulang."
        ),
        "need_tx_hash": (
            "Jika Anda mengirimkan hash transaksi (0x diikuti 64 karakter), kami dapat memeriksa "
            "transaksinya di jaringan untuk Anda."
        ),
        "handoff.l1": (
            "Terima kasih atas pesan Anda. Kami telah meneruskan permintaan Anda ke tim dukungan "
            "kami, dan seorang agen akan membalas di sini secepatnya."
        ),
        "handoff.l2": (
            "Kami telah meneruskan kasus Anda ke tim dukungan senior kami, yang menangani "
            "keamanan akun dan dana yang dicuri. Seorang spesialis akan menghubungi Anda di sini; "
            "sementara itu, jangan mengirim dana kepada siapa pun yang menawarkan untuk "
            "memulihkannya."
        ),
        "handoff.blockchain": (
            "Kami telah meneruskan ini ke tim blockchain kami, dan seorang spesialis akan segera "
            "menindaklanjuti."
        ),
        "handoff.compliance": (
            "Kami telah meneruskan kasus Anda ke tim kepatuhan kami, yang akan meninjaunya dan "
            "membalas di sini. Karena alasan hukum, kami tidak dapat membahas pemeriksaan "
            "kepatuhan secara rinci di sini."
        ),
        "handoff.phishing_report": (
            "Terima kasih telah melaporkan situs ini. Tim kami akan memeriksanya dan memblokirnya "
            "jika terbukti palsu; seorang agen akan membalas di sini."
        ),
    },
}


def _t(lang: str, key: str) -> str:
    return TEMPLATES[language(lang)][key]


def seed_warning(lang: str) -> str:
    return _t(lang, "seed_warning")


def phishing_warning(lang: str, domains: Sequence[str]) -> str:
    """The warning naming each flagged domain as the customer sees it."""
    lang = language(lang)
    key = "phishing_warning_many" if len(domains) > 1 and lang == "en" else "phishing_warning"
    return TEMPLATES[lang][key].format(domains=_listing(lang, domains))


def cite(lang: str, title: str, ref: str) -> str:
    return _t(lang, "cite").format(title=title, ref=ref)


def kb_answer(lang: str, snippet: str, title: str, ref: str) -> str:
    """A short answer (the article's passage that fits the question) and where to read on."""
    return join(snippet, cite(lang, title, ref))


def kyc_article(lang: str, title: str, ref: str) -> str:
    return _t(lang, "kyc_article").format(title=title, ref=ref)


def need_tx_hash(lang: str) -> str:
    return _t(lang, "need_tx_hash")


def handoff_ack(lang: str, queue: str, reason: str | None = None) -> str:
    """What the customer reads when a person takes over: the reason's own wording where there
    is one (a phishing report), else the queue's."""
    templates = TEMPLATES[language(lang)]
    if reason is not None and f"handoff.{reason}" in templates:
        return templates[f"handoff.{reason}"]
    return templates.get(f"handoff.{queue}", templates["handoff.l1"])


def join(*paragraphs: str) -> str:
    """Paragraphs, blank-line separated, empty ones left out."""
    return "\n\n".join(p for p in paragraphs if p)


def _listing(lang: str, items: Sequence[str]) -> str:
    return ("、" if lang == "zh" else ", ").join(items)
