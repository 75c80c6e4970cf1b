"""When the bot gives a conversation to people, and to which queue: the rules as data, and one
pure function that applies them.

``RULES`` are read in order; the first that matches decides. A rule matches on the predicted
intent, the ticket's category, or words in the message (any language: Latin-script terms match
whole words, ``*`` standing for any ending; Han terms match anywhere). They apply whatever the
model's hand-off threshold says: a confident "my wallet was drained" still goes to L2. An
intent counts for a rule only when the model rates it at least ``INTENT_FLOOR`` (more likely
than all other intents together): below that the top intent is noise, and a guess of
``kyc_rejected`` for "asdf" must not send anyone to compliance.

After the rules: a conversation that loops goes to L1 (the bot answered twice already, or the
customer says again what they said before), then diagnostics that escalate go to the
blockchain queue. What the bot may answer is the responder's business (``responder``);
``LOW_CONFIDENCE`` and ``NO_ANSWER`` are the hand-offs it uses when it cannot.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

from rapidfuzz import fuzz

INTENT_FLOOR: Final = 0.5
LOOP_AFTER_BOT_ANSWERS: Final = 2  # the bot answered this many times: a person takes over
REPEAT_SIMILARITY: Final = 90.0  # rapidfuzz ratio (0-100) of "the same message again"


@dataclass(frozen=True)
class HandOff:
    queue: str  # a ticket tier: l1, l2, blockchain, compliance
    reason: str  # a stable code: the rule's name, conversation_loop, low_confidence, …
    intent: str | None = None  # the intent the hand-off stands for, when a rule names one


LOW_CONFIDENCE: Final = HandOff("l1", "low_confidence")
NO_ANSWER: Final = HandOff("l1", "no_answer")
EMPTY_MESSAGE: Final = HandOff("l1", "empty_message")
CONVERSATION_LOOP: Final = HandOff("l1", "conversation_loop")
BLOCKCHAIN_ESCALATION: Final = HandOff("blockchain", "blockchain_escalation")


@dataclass(frozen=True)
class Terms:
    """Words and phrases to look for. Latin-script terms match whole words, case aside, with
    ``*`` for any ending ("sanction*": sanction, sanctions, sanctioned); terms in Han script
    match anywhere (Chinese has no spaces). ``unless`` terms are removed first ("人工智能",
    artificial intelligence, is not "人工", a human)."""

    terms: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        return _compile(self.terms)

    @cached_property
    def _unless(self) -> re.Pattern[str] | None:
        return _compile(self.unless)

    def found_in(self, text: str) -> bool:
        if self._pattern is None:
            return False
        folded = fold(text)
        if self._unless is not None:
            folded = self._unless.sub(" ", folded)
        return self._pattern.search(folded) is not None


def fold(text: str) -> str:
    """Compatibility forms unified (full-width letters), case folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _compile(terms: Sequence[str]) -> re.Pattern[str] | None:
    parts = []
    for term in terms:
        body = re.escape(fold(term).rstrip("*")).replace(r"\ ", r"\s+")
        if term.endswith("*"):
            body += r"\w*"
        if term.isascii():
            body = rf"(?<!\w){body}(?!\w)"
        parts.append(body)
    return re.compile("|".join(parts)) if parts else None


@dataclass(frozen=True)
class Rule:
    name: str  # the hand-off reason recorded on the ticket and in the audit chain
    queue: str
    # The intent the message is handled as once the rule matched (words can match where the
    # model guessed another: "saya mau bicara dengan agen" is ask_for_human).
    intent: str | None = None
    intents: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    words: Terms = field(default_factory=Terms)
    # Only when the message names a site (a domain that is not one of the genuine ones).
    needs_site: bool = False


SEED_PHRASE: Final = Terms(
    (
        "seed phrase*", "seed word*", "recovery phrase*", "secret phrase*", "mnemonic*",
        "private key*", "12 words", "24 words", "12-word", "24-word",
        "助记词", "私钥", "恢复短语", "种子短语", "密语",
        "frasa pemulihan", "frasa benih", "frasa rahasia", "kunci pribadi", "kunci privat",
    )
)  # fmt: skip
SEED_INTENT: Final = "seed_phrase_question"

# fmt: off
RULES: Final[tuple[Rule, ...]] = (
    Rule(
        "sanctions", "compliance",
        words=Terms((
            "sanction*", "ofac", "embargo*", "blocked for compliance", "compliance block*",
            "compliance hold", "compliance reason*",
            "制裁", "合规冻结", "合规原因", "因合规",
            "sanksi", "alasan kepatuhan", "diblokir karena kepatuhan",
        )),
    ),
    Rule(
        "theft", "l2", intent="suspected_theft",
        intents=frozenset({"suspected_theft"}),
        categories=frozenset({"theft_appeal"}),
        words=Terms((
            "stolen", "stole", "steal*", "theft", "thief", "thieves", "hacked", "hacker*",
            "drained", "unauthorized", "unauthorised",
            "被盗", "盗走", "被偷", "偷走", "被黑", "黑客", "盗号", "盗刷",
            "dicuri", "mencuri", "pencuri*", "diretas", "peretas", "dibobol",
        )),
    ),
    Rule(
        "frozen_account", "l2",
        words=Terms((
            "frozen", "freeze*", "unfreeze*", "account locked", "locked account",
            "account is locked", "account has been locked", "account suspended",
            "suspended account", "account blocked", "account is blocked",
            "冻结", "解冻", "封号", "被封", "账户被锁", "账号被锁", "账户锁定", "账号锁定",
            "dibekukan", "pembekuan", "terkunci", "akun diblokir", "ditangguhkan",
        )),
    ),
    Rule(
        "kyc_dispute", "compliance", intent="kyc_rejected",
        intents=frozenset({"kyc_rejected"}),
        categories=frozenset({"kyc_rejected"}),
    ),
    Rule(
        "asked_for_human", "l1", intent="ask_for_human",
        intents=frozenset({"ask_for_human"}),
        words=Terms(
            (
                "human", "humans", "agent", "agents", "real person", "live person", "operator",
                "人工", "客服", "转人工", "真人",
                "manusia", "agen", "orang sungguhan",
            ),
            unless=("人工智能",),
        ),
    ),
    Rule(
        "phishing_report", "l1", intent="phishing_report",
        intents=frozenset({"phishing_report"}),
        words=Terms((
            "phishing", "phish*", "scam*", "fake site*", "fake website*", "fake app*",
            "fake link*", "fraudulent", "impersonat*",
            "钓鱼", "诈骗", "假网站", "假冒", "仿冒", "骗子", "骗局",
            "penipuan", "penipu", "palsu", "situs tiruan",
        )),
        needs_site=True,
    ),
)
# fmt: on


@dataclass(frozen=True)
class Signals:
    """What the rules look at, gathered by the responder."""

    text: str
    intent: str
    confidence: float
    category: str | None = None  # the ticket's category, when there is a ticket
    names_site: bool = False  # the message names a domain that is not a genuine one
    bot_answers: int = 0  # public answers the bot gave on this ticket so far
    earlier: tuple[str, ...] = ()  # the customer's earlier messages on this ticket
    escalate: bool = False  # the chain diagnostics hand the case to a person


def matches(rule: Rule, signals: Signals) -> bool:
    if rule.needs_site and not signals.names_site:
        return False
    if signals.intent in rule.intents and signals.confidence >= INTENT_FLOOR:
        return True
    if signals.category is not None and signals.category in rule.categories:
        return True
    return rule.words.found_in(signals.text)


def decide(signals: Signals, rules: Sequence[Rule] = RULES) -> HandOff | None:
    """The hand-off this message calls for whatever the bot could answer, or None."""
    for rule in rules:
        if matches(rule, signals):
            return HandOff(rule.queue, rule.name, rule.intent)
    if loops(signals):
        return CONVERSATION_LOOP
    if signals.escalate:
        return BLOCKCHAIN_ESCALATION
    return None


def loops(signals: Signals) -> bool:
    return signals.bot_answers >= LOOP_AFTER_BOT_ANSWERS or repeats(signals.text, signals.earlier)


def repeats(text: str, earlier: Sequence[str]) -> bool:
    """The customer wrote this before (spacing, case and small typos aside)."""
    now = fold(text)
    return bool(now) and any(
        fuzz.ratio(now, fold(before)) >= REPEAT_SIMILARITY for before in earlier
    )


def asks_about_seed_phrase(text: str, intent: str, confidence: float) -> bool:
    return (intent == SEED_INTENT and confidence >= INTENT_FLOOR) or SEED_PHRASE.found_in(text)
