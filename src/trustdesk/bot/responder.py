"""The bot's reply to one customer message: language → intent → hand-off rules → chain
diagnostics → knowledge base → an answer, or a hand-off to people with an acknowledgement.

In order, the first that applies decides:

1. an empty message (a file only) goes to L1;
2. the hand-off rules (``handoff.decide``): theft, frozen accounts, sanctions, KYC disputes,
   "I want a human", a reported phishing site, a loop, diagnostics that escalate (the node
   down, a revert nobody can explain): the customer gets the queue's acknowledgement (a KYC
   dispute also the KYC article, the blockchain queue the diagnosis);
3. transaction hashes the chain diagnostics could read: the diagnosis in the customer's
   language. These are facts from the chain, so they are answered whatever the intent model
   thinks of the words around the hash;
4. a seed-phrase question: the safety warning is the answer, with the article on it;
5. the model below its hand-off threshold: L1;
6. an article that answers the predicted intent: a short answer citing it (and, for a
   question about a transaction that names no hash, a request for the hash);
7. else L1.

Whatever happens, a message about a seed phrase starts with the seed-phrase warning, and one
that names a blocked or look-alike domain with the phishing warning.

Pure: language detection, the intent model, the diagnostics, knowledge-base search and the
phishing check come in as ``Ports``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from trustdesk.bot import replies
from trustdesk.bot.diagnosis_text import render
from trustdesk.bot.diagnostics import Diagnosis
from trustdesk.bot.extract import extract
from trustdesk.bot.handoff import (
    EMPTY_MESSAGE,
    LOW_CONFIDENCE,
    NO_ANSWER,
    SEED_INTENT,
    HandOff,
    Signals,
    asks_about_seed_phrase,
    decide,
)
from trustdesk.bot.intents import IntentPrediction
from trustdesk.bot.language import LanguageGuess
from trustdesk.bot.phishing import DomainVerdict, Verdict

KYC_INTENT: Final = "kyc_rejected"
# Questions about one transaction: without a hash the answer asks for it.
TX_INTENTS: Final = frozenset(
    {
        "low_confirmations",
        "network_congestion_stuck_tx",
        "failed_reverted_tx",
        "sent_to_contract_address",
        "wrong_network_deposit",
        "pending_transfer",
        "failed_transfer",
        "transfer_not_received_by_recipient",
    }
)
FLAGGED: Final = frozenset({Verdict.BLOCKED, Verdict.LOOKALIKE})


@dataclass(frozen=True)
class ArticleHit:
    """A knowledge-base search result; ``answers_intent``: the article lists the intent the
    search was made for."""

    slug: str
    lang: str
    title: str
    score: float
    snippet: str
    answers_intent: bool
    fallback: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "lang": self.lang,
            "title": self.title,
            "score": self.score,
            "answers_intent": self.answers_intent,
            "fallback": self.fallback,
        }


@dataclass(frozen=True)
class Ports:
    # (text, default language) -> the language and how sure
    language: Callable[[str, str], LanguageGuess]
    intent: Callable[[str], IntentPrediction]
    # (text, chain hint) -> the diagnosis of the transactions it names
    diagnose: Callable[[str, str | None], Diagnosis]
    # (text, answer language, intent) -> articles, best first
    search: Callable[[str, str, str | None], Sequence[ArticleHit]]
    phishing: Callable[[str], Sequence[DomainVerdict]]


@dataclass(frozen=True)
class Conversation:
    """What the ticket around the message tells (nothing, outside a ticket)."""

    category: str | None = None
    language: str | None = None  # the customer's known language, for messages too short to tell
    chain: str | None = None  # the chain the channel or account implies
    bot_answers: int = 0
    earlier: tuple[str, ...] = ()  # the customer's earlier messages


@dataclass(frozen=True)
class Reply:
    language: str  # detected (or given) ISO 639-1 code
    answer_language: str  # the language of ``answer``: en, zh or id
    language_confidence: float
    intent: str  # the intent the bot acted on
    model_intent: str  # the model's top intent (differs for a reported phishing site)
    confidence: float  # the model's probability of ``model_intent``
    low_confidence: bool  # below the model's hand-off threshold
    answer: str  # what the customer reads: the answer, or the hand-off acknowledgement
    handoff: HandOff | None
    diagnosis: Diagnosis | None = None
    articles: tuple[ArticleHit, ...] = ()
    cited: ArticleHit | None = None
    verdicts: tuple[DomainVerdict, ...] = ()
    warnings: tuple[str, ...] = ()  # "seed_phrase", "phishing"

    @property
    def handoff_queue(self) -> str | None:
        return None if self.handoff is None else self.handoff.queue

    @property
    def findings(self) -> tuple[str, ...]:
        return () if self.diagnosis is None else self.diagnosis.codes

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "answer_language": self.answer_language,
            "language_confidence": self.language_confidence,
            "intent": self.intent,
            "model_intent": self.model_intent,
            "confidence": round(self.confidence, 6),
            "low_confidence": self.low_confidence,
            "answer": self.answer,
            "handoff_queue": self.handoff_queue,
            "handoff_reason": None if self.handoff is None else self.handoff.reason,
            "warnings": list(self.warnings),
            "article": None if self.cited is None else self.cited.to_dict(),
            "articles": [a.to_dict() for a in self.articles],
            "phishing": [verdict_dict(v) for v in self.verdicts],
            "diagnosis": None if self.diagnosis is None else self.diagnosis.to_dict(),
        }


def verdict_dict(v: DomainVerdict) -> dict[str, Any]:
    return {
        "domain": v.domain,
        "verdict": v.verdict.value,
        "matched": v.matched,
        "reason": v.reason,
    }


def respond(
    text: str,
    ports: Ports,
    conversation: Conversation | None = None,
    *,
    language: str | None = None,
) -> Reply:
    """The reply to ``text``; ``language`` forces the customer's language (else detected)."""
    conversation = conversation or Conversation()
    default = _primary(conversation.language) or replies.LANGUAGES[0]
    if language is not None:
        guess = LanguageGuess(_primary(language) or default, 1.0)
    elif text.strip():
        guess = ports.language(text, default)
    else:
        guess = LanguageGuess(default, 0.0)
    lang = replies.language(guess.code)
    if not text.strip():
        answer = replies.handoff_ack(lang, EMPTY_MESSAGE.queue)
        return Reply(guess.code, lang, guess.confidence, "", "", 0.0, True, answer, EMPTY_MESSAGE)
    turn = _Turn(text, ports, conversation, guess, lang)
    return turn.reply()


class _Turn:
    """One message worked through the steps; holds what they found for the reply."""

    def __init__(
        self,
        text: str,
        ports: Ports,
        conversation: Conversation,
        guess: LanguageGuess,
        lang: str,
    ) -> None:
        self.text, self.ports, self.conversation = text, ports, conversation
        self.guess, self.lang = guess, lang
        self.prediction = ports.intent(text)
        self.intent = self.prediction.intent
        self.verdicts = tuple(ports.phishing(text))
        self.diagnosis = (
            ports.diagnose(text, conversation.chain) if extract(text).tx_hashes else None
        )
        self.articles: tuple[ArticleHit, ...] = ()
        self.cited: ArticleHit | None = None
        self.warnings: list[str] = []
        self.opening: list[str] = []
        confidence = self.prediction.confidence
        if asks_about_seed_phrase(text, self.intent, confidence):
            self.warnings.append("seed_phrase")
            self.opening.append(replies.seed_warning(lang))
        flagged = [v.unicode for v in self.verdicts if v.verdict in FLAGGED]
        if flagged:
            self.warnings.append("phishing")
            self.opening.append(replies.phishing_warning(lang, flagged))

    def reply(self) -> Reply:
        handoff = decide(self._signals())
        if handoff is not None:
            return self._handed_off(handoff)
        if self.diagnosis is not None:
            return self._answer(render(self.diagnosis, self.lang))
        if "seed_phrase" in self.warnings:
            found = self._article(SEED_INTENT)
            return self._answer(
                replies.cite(self.lang, found.title, found.slug) if found is not None else ""
            )
        if self.low_confidence:
            return self._handed_off(LOW_CONFIDENCE)
        found = self._article(self.intent)
        if found is None:
            return self._handed_off(NO_ANSWER)
        answer = replies.kb_answer(self.lang, found.snippet, found.title, found.slug)
        if self.intent in TX_INTENTS:
            answer = replies.join(answer, replies.need_tx_hash(self.lang))
        return self._answer(answer)

    @property
    def low_confidence(self) -> bool:
        return self.prediction.handoff_reason == "low_confidence"

    def _signals(self) -> Signals:
        names_site = any(v.verdict is not Verdict.ALLOWED for v in self.verdicts)
        return Signals(
            text=self.text,
            intent=self.intent,
            confidence=self.prediction.confidence,
            category=self.conversation.category,
            names_site=names_site,
            bot_answers=self.conversation.bot_answers,
            earlier=self.conversation.earlier,
            escalate=self.diagnosis is not None and self.diagnosis.escalate,
        )

    def _handed_off(self, handoff: HandOff) -> Reply:
        if handoff.intent is not None:
            self.intent = handoff.intent
        if handoff.queue == "blockchain" and self.diagnosis is not None:
            # The diagnosis says what we know and ends with the hand-off sentence.
            return self._reply(render(self.diagnosis, self.lang), handoff)
        ack = replies.handoff_ack(self.lang, handoff.queue, handoff.reason)
        if handoff.reason == "kyc_dispute":
            found = self._article(KYC_INTENT)
            if found is not None:
                ack = replies.join(ack, replies.kyc_article(self.lang, found.title, found.slug))
        return self._reply(ack, handoff)

    def _answer(self, text: str) -> Reply:
        return self._reply(text, None)

    def _reply(self, text: str, handoff: HandOff | None) -> Reply:
        return Reply(
            language=self.guess.code,
            answer_language=self.lang,
            language_confidence=self.guess.confidence,
            intent=self.intent,
            model_intent=self.prediction.intent,
            confidence=self.prediction.confidence,
            low_confidence=self.low_confidence,
            answer=replies.join(*self.opening, text),
            handoff=handoff,
            diagnosis=self.diagnosis,
            articles=self.articles,
            cited=self.cited,
            verdicts=self.verdicts,
            warnings=tuple(self.warnings),
        )

    def _article(self, intent: str) -> ArticleHit | None:
        """The best article that answers ``intent``; every hit is kept for the record."""
        self.articles = tuple(self.ports.search(self.text, self.lang, intent))
        self.cited = next((a for a in self.articles if a.answers_intent), None)
        return self.cited


def _primary(tag: str | None) -> str | None:
    """``zh-Hant`` -> ``zh``; None or blank -> None."""
    if tag is None or not tag.strip():
        return None
    return tag.strip().lower().replace("_", "-").split("-")[0]
