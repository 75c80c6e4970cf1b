"""The bot tier of the support desk: the bot answers the customer's latest message on a ticket
it holds, or hands the ticket to people.

``run_bot(bot, ticket_id, message_id)``, for a customer message just taken in (call it after
the intake transaction committed):

1. in a read: the ticket must be on the bot tier, waiting for the bot (new or bot), and the
   message its latest public one; the customer's messages since the last reply are the text;
2. outside any transaction: the responder (model, chain node, knowledge base, phishing lists);
3. in one write: the run is recorded under the message id (``bot_runs``: a second run for the
   same message, even a concurrent one, finds it and posts nothing), then either a public bot
   reply (new → bot → waiting_customer) or a public acknowledgement, an internal note with the
   facts (language, intent and confidence, diagnosis, articles, phishing verdicts) and the
   hand-off to the queue's tier (→ waiting_agent); audited as ``bot.replied`` or
   ``bot.handed_off`` with ids and codes, never text.

``sweep`` runs the bot on every bot-tier ticket whose latest message is an unanswered customer
message (mail that came while the bot was down).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import structlog
from sqlalchemy import Float, ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustdesk.audit.model import AuditEvent
from trustdesk.bot.chain_facts import diagnose_message
from trustdesk.bot.handoff import HandOff
from trustdesk.bot.intents import IntentModel
from trustdesk.bot.kb import MAX_QUERY, KnowledgeBase
from trustdesk.bot.kb_store import KbCache
from trustdesk.bot.language import detect_language
from trustdesk.bot.phishing import PhishingChecker
from trustdesk.bot.phishing_store import CheckerCache
from trustdesk.bot.responder import ArticleHit, Conversation, Ports, Reply, respond
from trustdesk.chains.rpc import EthRpc
from trustdesk.core.errors import NotFound
from trustdesk.db.base import Base
from trustdesk.db.engine import UnitOfWork
from trustdesk.db.types import UtcDateTime
from trustdesk.support.model import (
    MAX_BODY,
    AuthorKind,
    Message,
    Status,
    Tier,
    Visibility,
)
from trustdesk.support.service import ReplyIn, SupportDesk, TicketView

log = structlog.get_logger("trustdesk.bot")

ACTOR: Final = "bot"
RPC_TIMEOUT: Final = 5.0  # seconds per JSON-RPC call; a hung node becomes chain_unavailable
KB_HITS: Final = 3
WRITE_ATTEMPTS: Final = 3
SWEEP_LIMIT: Final = 500
# A ticket without a language gets the detected one when detection is at least this sure.
LANGUAGE_KNOWN: Final = 0.5


class BotRunRow(Base):
    """One bot run per customer message: the key that makes running twice harmless."""

    __tablename__ = "bot_runs"

    message_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("support_messages.id"), primary_key=True
    )
    ticket_id: Mapped[str] = mapped_column(String(16), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # replied | handed_off
    language: Mapped[str] = mapped_column(String(16))
    intent: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    queue: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    reply_message_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class NotACustomerMessage(NotFound):
    code = "bot.not_a_customer_message"


# --- the parts the responder runs on ----------------------------------------------------------


@dataclass(frozen=True)
class Knowledge:
    """What the stored data gives the bot: the articles and the phishing lists."""

    kb: KnowledgeBase
    phishing: PhishingChecker


@dataclass
class BotRuntime:
    """The intent model (loaded once, on first use), the knowledge-base and phishing caches,
    and the chain node, for one process."""

    model_dir: Path
    model_version: str | None = None
    rpc_url: str | None = None
    rpc_timeout: float = RPC_TIMEOUT
    kb_cache: KbCache = field(default_factory=KbCache)
    checker_cache: CheckerCache = field(default_factory=CheckerCache)
    _model: IntentModel | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def model(self) -> IntentModel:
        """The pinned version or the newest; ``bot.intent_model`` (run `trustdesk bot train`)
        when there is none."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = IntentModel.load(self.model_dir, self.model_version)
        return self._model

    def knowledge(self, session: Session, now: Callable[[], datetime]) -> Knowledge:
        return Knowledge(self.kb_cache.get(session), self.checker_cache.get(session, now))

    @contextmanager
    def ports(self, knowledge: Knowledge) -> Iterator[Ports]:
        model = self.model()
        rpc = EthRpc(self.rpc_url, self.rpc_timeout) if self.rpc_url else None
        try:
            yield Ports(
                language=detect_language,
                intent=model.predict,
                diagnose=lambda text, chain: diagnose_message(text, chain, rpc),
                search=searcher(knowledge.kb),
                phishing=knowledge.phishing.check,
            )
        finally:
            if rpc is not None:
                rpc.close()


def searcher(kb: KnowledgeBase) -> Callable[[str, str, str | None], list[ArticleHit]]:
    def search(text: str, lang: str, intent: str | None) -> list[ArticleHit]:
        hits = kb.search(text[:MAX_QUERY], lang, KB_HITS, intent=intent)
        return [
            ArticleHit(
                slug=h.slug,
                lang=h.lang,
                title=h.title,
                score=h.score,
                snippet=h.snippet,
                answers_intent=intent is not None
                and intent in kb.articles[(h.slug, h.lang)].intents,
                fallback=h.fallback,
            )
            for h in hits
        ]

    return search


# --- running the bot on a ticket --------------------------------------------------------------


@dataclass(frozen=True)
class BotDesk:
    """What runs the bot on tickets: transactions, the desk as the bot, the runtime."""

    uow: UnitOfWork
    desk_for: Callable[[Session], SupportDesk]  # the support desk acting as "bot"
    runtime: BotRuntime


@dataclass(frozen=True)
class BotRun:
    ticket_id: str
    message_id: str
    outcome: str  # replied | handed_off
    language: str
    intent: str
    confidence: float
    answer: str
    handoff_queue: str | None
    handoff_reason: str | None
    reply_message_id: str | None
    duplicate: bool = False  # an earlier run for this message: nothing was posted now

    def chat_json(self) -> dict[str, Any]:
        """What the in-app chat shows: the answer or the hand-off notice."""
        return {
            "answer": self.answer,
            "handoff_queue": self.handoff_queue,
            "language": self.language,
            "intent": self.intent,
        }


@dataclass(frozen=True)
class Turn:
    """The text the bot answers (the customer's messages since the last reply) and what the
    ticket tells about the conversation."""

    text: str
    conversation: Conversation


def plan_turn(view: TicketView, message_id: str) -> Turn | None:
    """What to answer for ``message_id``, or None: the ticket is not the bot's to answer now,
    or the message was answered, or a later one was taken in (its run answers both)."""
    ticket = view.ticket
    public = [m for m in view.messages if m.visibility is Visibility.PUBLIC]
    index = next((i for i, m in enumerate(public) if m.id == message_id), None)
    if index is None or public[index].author_kind is not AuthorKind.CUSTOMER:
        raise NotACustomerMessage(
            f"{message_id[:40]} is no customer message on ticket {ticket.id}", field="message_id"
        )
    if ticket.tier is not Tier.BOT or ticket.status not in (Status.NEW, Status.BOT):
        return None
    if index != len(public) - 1:
        return None
    start = index
    while start > 0 and public[start - 1].author_kind is AuthorKind.CUSTOMER:
        start -= 1
    text = "\n\n".join(m.body.strip() for m in public[start:] if m.body.strip())
    conversation = Conversation(
        category=ticket.category.value,
        language=ticket.language,
        bot_answers=sum(1 for m in public if m.author_kind is AuthorKind.BOT),
        earlier=tuple(m.body for m in public[:start] if m.author_kind is AuthorKind.CUSTOMER),
    )
    return Turn(text, conversation)


def run_bot(bot: BotDesk, ticket_id: str, message_id: str) -> BotRun | None:
    """Answer, or hand off, for one customer message; None when the bot has nothing to do
    (see ``plan_turn``). Idempotent: a message answered before gives that run back, with
    ``duplicate`` set, and posts nothing. Without a trained model: ``bot.intent_model``."""
    bot.runtime.model()
    with bot.uow.read() as session:
        desk = bot.desk_for(session)
        stored = session.get(BotRunRow, message_id)
        if stored is not None:
            return _stored(stored, desk)
        turn = plan_turn(desk.ticket(ticket_id), message_id)
        if turn is None:
            return None
        knowledge = bot.runtime.knowledge(session, desk.env.clock.now)
    with bot.runtime.ports(knowledge) as ports:
        reply = respond(turn.text, ports, turn.conversation)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with bot.uow() as session:
                return _record(bot.desk_for(session), session, ticket_id, message_id, turn, reply)
        except IntegrityError:
            # Another run recorded this message first; the next attempt finds its row.
            if attempt == WRITE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _record(
    desk: SupportDesk, session: Session, ticket_id: str, message_id: str, turn: Turn, reply: Reply
) -> BotRun | None:
    stored = session.get(BotRunRow, message_id)
    if stored is not None:
        return _stored(stored, desk)
    view = desk.ticket(ticket_id)
    # The ticket may have moved on while the bot thought (an agent took it, a message came).
    if plan_turn(view, message_id) != turn:
        return None
    ticket = view.ticket
    outcome = "handed_off" if reply.handoff is not None else "replied"
    row = BotRunRow(
        message_id=message_id,
        ticket_id=ticket.id,
        outcome=outcome,
        language=reply.language[:16],
        intent=reply.intent[:64],
        confidence=round(reply.confidence, 6),
        queue=reply.handoff_queue,
        reason=None if reply.handoff is None else reply.handoff.reason,
        created_at=desk.env.clock.now(),
    )
    session.add(row)
    session.flush()  # a concurrent run of this message stops here, before posting anything
    if ticket.status is Status.NEW:
        desk.set_status(ticket.id, Status.BOT.value)
    if ticket.language is None and reply.language_confidence >= LANGUAGE_KNOWN:
        desk.update(ticket.id, language=reply.language)  # routing rules read it
    _, posted = desk.reply(ticket.id, ReplyIn(reply.answer, None, AuthorKind.BOT))
    row.reply_message_id = posted.id
    if reply.handoff is not None:
        note = ReplyIn(facts_note(reply, reply.handoff), None, AuthorKind.BOT, Visibility.INTERNAL)
        desk.reply(ticket.id, note)
        _hand_off(desk, ticket.id, reply.handoff.queue)
    _audit(desk, ticket.id, message_id, posted.id, reply)
    return _run(row, reply.answer)


def _hand_off(desk: SupportDesk, ticket_id: str, queue: str) -> None:
    if desk.env.desk is not None:
        desk.hand_off(ticket_id, queue)  # routed and assigned on the new tier
        return
    desk.update(ticket_id, tier=queue)  # a desk without routing rules: tier and status only
    desk.set_status(ticket_id, Status.WAITING_AGENT.value)


def _audit(desk: SupportDesk, ticket_id: str, message_id: str, reply_id: str, reply: Reply) -> None:
    env = desk.env
    payload: dict[str, Any] = {
        "ticket_id": ticket_id,
        "message_id": message_id,
        "reply_message_id": reply_id,
        "language": reply.language,
        "intent": reply.intent,
        "model_intent": reply.model_intent,
        "confidence": round(reply.confidence, 4),
        "queue": reply.handoff_queue,
        "reason": None if reply.handoff is None else reply.handoff.reason,
        "findings": list(reply.findings),
        "articles": [] if reply.cited is None else [reply.cited.slug],
        "warnings": list(reply.warnings),
        "phishing": [v.verdict.value for v in reply.verdicts],
    }
    action = "bot.handed_off" if reply.handoff is not None else "bot.replied"
    env.audit.append(
        AuditEvent(
            actor=env.actor,
            action=action,
            subject=f"ticket:{ticket_id}",
            payload=payload,
            request_id=env.request_id,
        )
    )


def facts_note(reply: Reply, handoff: HandOff) -> str:
    """The internal note for the agent who takes over: why, and everything the bot found
    (as JSON, so nothing is lost in the wording). A diagnosis too large for one note keeps
    its findings and drops the raw chain facts."""
    facts = reply.to_dict()
    facts.pop("answer")  # the customer's copy is the public message just before
    below = ", below threshold" if reply.low_confidence else ""
    head = (
        f"Bot hand-off to {handoff.queue} ({handoff.reason}). Language {reply.language}, "
        f"intent {reply.intent} (model: {reply.model_intent}, confidence "
        f"{reply.confidence:.4f}{below})."
    )

    def note() -> str:
        return f"{head}\n\n```json\n{json.dumps(facts, ensure_ascii=False, indent=2)}\n```"

    text = note()
    if len(text) > MAX_BODY and facts["diagnosis"] is not None:
        facts["diagnosis"] = {k: v for k, v in facts["diagnosis"].items() if k != "facts"}
        text = note()
    return text[:MAX_BODY]


def _run(row: BotRunRow, answer: str, *, duplicate: bool = False) -> BotRun:
    return BotRun(
        ticket_id=row.ticket_id,
        message_id=row.message_id,
        outcome=row.outcome,
        language=row.language,
        intent=row.intent,
        confidence=row.confidence,
        answer=answer,
        handoff_queue=row.queue,
        handoff_reason=row.reason,
        reply_message_id=row.reply_message_id,
        duplicate=duplicate,
    )


def _stored(row: BotRunRow, desk: SupportDesk) -> BotRun:
    messages = desk.ticket(row.ticket_id).messages
    posted = next((m for m in messages if m.id == row.reply_message_id), None)
    return _run(row, posted.body if posted is not None else "", duplicate=True)


# --- the sweep --------------------------------------------------------------------------------


@dataclass
class SweepReport:
    runs: list[BotRun] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # ticket ids

    def to_json(self) -> dict[str, Any]:
        return {
            "replied": sorted(r.ticket_id for r in self.runs if r.outcome == "replied"),
            "handed_off": sorted(r.ticket_id for r in self.runs if r.outcome == "handed_off"),
            "failed": sorted(self.failed),
        }


def unanswered(bot: BotDesk, limit: int = SWEEP_LIMIT) -> list[tuple[str, str]]:
    """(ticket id, message id) of bot-tier tickets whose latest public message is a customer
    message the bot never ran on."""
    found: list[tuple[str, str]] = []
    with bot.uow.read() as session:
        desk = bot.desk_for(session)
        for status in (Status.NEW, Status.BOT):
            for ticket in desk.tickets(tier=Tier.BOT.value, status=status.value, limit=limit):
                last = _last_public(desk.ticket(ticket.id).messages)
                if last is None or last.author_kind is not AuthorKind.CUSTOMER:
                    continue
                if session.scalar(select(BotRunRow.message_id).filter_by(message_id=last.id)):
                    continue
                found.append((ticket.id, last.id))
    return found


def sweep(bot: BotDesk, limit: int = SWEEP_LIMIT) -> SweepReport:
    """Run the bot on every unanswered bot-tier ticket; one failing ticket is logged and
    skipped. The model is loaded first, so a missing model is one clear error."""
    bot.runtime.model()
    report = SweepReport()
    for ticket_id, message_id in unanswered(bot, limit):
        try:
            run = run_bot(bot, ticket_id, message_id)
        except Exception:  # noqa: BLE001 - one bad ticket must not stop the sweep
            log.exception("bot.sweep_failed", ticket_id=ticket_id)
            report.failed.append(ticket_id)
            continue
        if run is not None and not run.duplicate:
            report.runs.append(run)
    return report


def _last_public(messages: tuple[Message, ...]) -> Message | None:
    public = [m for m in messages if m.visibility is Visibility.PUBLIC]
    return public[-1] if public else None
