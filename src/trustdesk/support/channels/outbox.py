"""Mail out: a transactional outbox for agents' and the bot's public replies.

Nothing in the reply code changes: the dispatcher finds replies to mail by an anti-join of
``support_messages`` (outbound, public, by an agent or the bot, on a mail channel) against
``support_mail_outbox`` and queues them; the reply's own transaction already committed it,
so a reply is mailed exactly when it exists.

Each due row is *claimed* by a conditional UPDATE (state queued, lease free) that one
dispatcher alone can win, on SQLite and PostgreSQL alike; the mail is composed and sent
outside any transaction, then the outcome is recorded under the claim. Sent: the
Message-ID becomes the message's ``thread_key``, which is where intake's threading looks
(``ticket_by_thread``), so the customer's answer lands on the same ticket. A temporary
failure (relay down, 4xx) is retried with backoff, for ever; a permanent 5xx marks the row
failed with its code (``trustdesk mail outbox list|retry``). A crash between sending and
recording resends after the lease, with the same Message-ID.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import structlog
from sqlalchemy import Table, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.core.clock import Clock
from trustdesk.core.errors import Conflict, DomainError, NotFound
from trustdesk.db.engine import UnitOfWork
from trustdesk.support.channels.outbox_rules import (
    MAIL_CHANNELS,
    EmailIdentity,
    Failure,
    OutboxState,
    ThreadKey,
    backoff,
    classify,
    is_message_id,
    recipient,
    reply_message_id,
    thread_headers,
)
from trustdesk.support.mail.outbound import MailSendError, SmtpConfig, compose_reply, send_mail
from trustdesk.support.model import AuthorKind, Direction, IdentityKind, Visibility, storage_key
from trustdesk.support.rows import CustomerRow, IdentityRow, MailOutboxRow, MessageRow, TicketRow

log = structlog.get_logger("trustdesk.mail")

ACTOR: Final = "system:mail-out"
MAX_PAGE: Final = 500
SCAN_LIMIT: Final = 500


class OutboxNotFound(NotFound):
    code = "mail.outbox_not_found"


class NotFailed(Conflict):
    code = "mail.outbox_not_failed"


class MailOutNotConfigured(DomainError):
    code = "mail.out_not_configured"
    status = 500
    title = "Configuration error"


@dataclass(frozen=True)
class OutboxEntry:
    message_id: str
    ticket_id: str
    state: OutboxState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    sent_message_id: str | None
    last_error_code: str | None

    def summary(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "ticket_id": self.ticket_id,
            "state": self.state.value,
            "attempts": self.attempts,
            "created_at": self.created_at.isoformat(),
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "sent_message_id": self.sent_message_id,
            "last_error_code": self.last_error_code,
        }


@dataclass(frozen=True)
class DispatchCounts:
    enqueued: int = 0
    sent: int = 0
    retrying: int = 0  # failed for now, due again later
    failed: int = 0  # permanently refused
    more: bool = False  # a full batch was due: run again at once


@dataclass(frozen=True)
class _Reply:
    ticket_id: str
    to: str
    to_name: str | None
    subject: str
    body: str
    bot: bool
    message_id_header: str
    in_reply_to: str | None
    references: list[str]


class _Undeliverable(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class MailOutbox:
    uow: UnitOfWork
    audit_log: Callable[[Session], AuditLog]
    desk_address: str
    smtp: SmtpConfig | None = None
    batch: int = 50
    lease: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(days=7)

    # --- the dispatcher ----------------------------------------------------------------------

    def dispatch_once(self, now: datetime) -> DispatchCounts:
        """Queue new replies, then try every due one once: how many were sent, are retrying,
        failed for good."""
        smtp = self.smtp
        if smtp is None:
            raise MailOutNotConfigured("set TRUSTDESK_SMTP_HOST to send replies by mail")
        enqueued = self.enqueue(now)
        due = self._due(now)
        sent = retrying = failed = 0
        for message_id in due:
            token = self._claim(message_id, now)
            if token is None:  # another dispatcher has it
                continue
            failure = self._deliver(message_id, token, now, smtp)
            if failure is None:
                sent += 1
            elif failure.permanent:
                failed += 1
            else:
                retrying += 1
        return DispatchCounts(enqueued, sent, retrying, failed, more=len(due) >= self.batch)

    def run(self, stop: threading.Event, clock: Clock, interval: float) -> None:
        """Dispatch until ``stop`` is set; a database outage is logged and retried."""
        while not stop.is_set():
            more = False
            try:
                counts = self.dispatch_once(clock.now())
                more = counts.more
                if counts.sent or counts.retrying or counts.failed:
                    log.info(
                        "mail.outbox_dispatched",
                        sent=counts.sent,
                        retrying=counts.retrying,
                        failed=counts.failed,
                    )
            except Exception as exc:  # noqa: BLE001 - the thread must outlive an outage
                log.error("mail.outbox_failed", error=type(exc).__name__)
            if not more:
                stop.wait(interval)

    def enqueue(self, now: datetime) -> int:
        """Queue public agent and bot replies on mail channels that have no outbox row yet
        (written in the last ``max_age``: turning mail out on does not mail history)."""
        m, o = MessageRow, MailOutboxRow
        stmt = (
            select(m.id, m.ticket_id)
            .outerjoin(o, o.message_id == m.id)
            .where(
                o.message_id.is_(None),
                m.direction == Direction.OUTBOUND.value,
                m.visibility == Visibility.PUBLIC.value,
                m.author_kind.in_([AuthorKind.AGENT.value, AuthorKind.BOT.value]),
                m.channel.in_(sorted(c.value for c in MAIL_CHANNELS)),
                m.created_at >= now - self.max_age,
            )
            .order_by(m.created_at, m.id)
            .limit(SCAN_LIMIT)
        )
        with self.uow.read() as session:
            found = session.execute(stmt).all()
        if not found:
            return 0
        rows = [
            {
                "message_id": message_id,
                "ticket_id": ticket_id,
                "state": OutboxState.QUEUED.value,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
            for message_id, ticket_id in found
        ]
        with self.uow() as session:
            inserted = session.execute(_insert_ignore(session).values(rows)).all()
        return len(inserted)

    def _due(self, now: datetime) -> list[str]:
        o = MailOutboxRow
        with self.uow.read() as session:
            return list(
                session.scalars(
                    select(o.message_id)
                    .where(
                        o.state == OutboxState.QUEUED.value,
                        o.next_attempt_at <= now,
                        or_(o.claimed_until.is_(None), o.claimed_until < now),
                    )
                    .order_by(o.next_attempt_at, o.message_id)
                    .limit(self.batch)
                )
            )

    def _claim(self, message_id: str, now: datetime) -> str | None:
        """Lease the row to this call; None when another dispatcher holds or sent it."""
        o = MailOutboxRow
        token = uuid.uuid4().hex
        with self.uow() as session:
            result = session.execute(
                update(o)
                .where(
                    o.message_id == message_id,
                    o.state == OutboxState.QUEUED.value,
                    o.next_attempt_at <= now,
                    or_(o.claimed_until.is_(None), o.claimed_until < now),
                )
                .values(claimed_until=now + self.lease, claim_token=token, attempts=o.attempts + 1)
            )
            won = _rowcount(result) == 1
        return token if won else None

    def _deliver(
        self, message_id: str, token: str, now: datetime, smtp: SmtpConfig
    ) -> Failure | None:
        try:
            reply = self._reply(message_id)
            mail = compose_reply(
                desk_address=self.desk_address,
                to=reply.to,
                to_name=reply.to_name,
                subject=reply.subject,
                ticket_ref=reply.ticket_id,
                body=reply.body,
                in_reply_to=reply.in_reply_to,
                references=reply.references,
                bot=reply.bot,
                now=now,
            )
            del mail["Message-ID"]
            mail["Message-ID"] = reply.message_id_header
        except _Undeliverable as exc:
            return self._failed(message_id, token, now, Failure(True, exc.code))
        except DomainError as exc:  # compose refused the address or the thread ids
            code = "bad_address" if exc.field in ("to", "desk_address") else "bad_reply"
            return self._failed(message_id, token, now, Failure(True, code))
        try:
            send_mail(mail, smtp)
        except MailSendError as exc:
            return self._failed(message_id, token, now, _send_failure(exc))
        self._sent(message_id, reply, token, now)
        return None

    def _reply(self, message_id: str) -> _Reply:
        with self.uow.read() as session:
            message = session.get(MessageRow, message_id)
            ticket = session.get(TicketRow, message.ticket_id) if message else None
            if message is None or ticket is None:
                raise _Undeliverable("message_gone")
            customer = session.get(CustomerRow, ticket.customer_id)
            identities = session.execute(
                select(IdentityRow.given, IdentityRow.created_at).where(
                    IdentityRow.customer_id == ticket.customer_id,
                    IdentityRow.kind == IdentityKind.EMAIL.value,
                )
            ).all()
            keys = session.execute(
                select(MessageRow.thread_key, MessageRow.direction, MessageRow.created_at)
                .where(
                    MessageRow.ticket_id == ticket.id,
                    MessageRow.thread_key.is_not(None),
                    MessageRow.id != message.id,
                    MessageRow.created_at <= message.created_at,
                )
                .order_by(MessageRow.created_at, MessageRow.id)
            ).all()
        to = recipient([EmailIdentity(given, at) for given, at in identities])
        if to is None:
            raise _Undeliverable("no_address")
        in_reply_to, references = thread_headers(
            [ThreadKey(k, d == Direction.INBOUND.value, at) for k, d, at in keys if k]
        )
        own = message.thread_key
        header = own if is_message_id(own) else None
        return _Reply(
            ticket_id=ticket.id,
            to=to,
            to_name=customer.display_name if customer else None,
            subject=ticket.subject,
            body=message.body,
            bot=message.author_kind == AuthorKind.BOT.value,
            message_id_header=header or reply_message_id(message.id, ticket.id, self.desk_address),
            in_reply_to=in_reply_to,
            references=references,
        )

    def _sent(self, message_id: str, reply: _Reply, token: str, now: datetime) -> None:
        o = MailOutboxRow
        key = storage_key(reply.message_id_header)
        with self.uow() as session:
            result = session.execute(
                update(o)
                .where(o.message_id == message_id, o.claim_token == token)
                .values(
                    state=OutboxState.SENT.value,
                    sent_at=now,
                    sent_message_id=key,
                    claimed_until=None,
                    claim_token=None,
                    last_error_code=None,
                )
            )
            if _rowcount(result) != 1:
                log.warning("mail.outbox_lease_lost", message_id=message_id)
            # The thread key intake's threading finds the customer's answer by.
            session.execute(
                update(MessageRow)
                .where(MessageRow.id == message_id, MessageRow.thread_key.is_(None))
                .values(thread_key=key)
            )
            self._audit(session, "support.reply_mailed", reply.ticket_id, message_id, {})

    def _failed(self, message_id: str, token: str, now: datetime, failure: Failure) -> Failure:
        o = MailOutboxRow
        with self.uow() as session:
            row = session.scalars(
                select(o).where(o.message_id == message_id, o.claim_token == token)
            ).first()
            if row is None:
                return failure
            row.last_error_code = failure.code
            row.claimed_until, row.claim_token = None, None
            if failure.permanent:
                row.state = OutboxState.FAILED.value
                extra = {"error_code": failure.code, "attempts": row.attempts}
                self._audit(session, "support.reply_mail_failed", row.ticket_id, message_id, extra)
            else:
                row.next_attempt_at = now + backoff(row.attempts)
        log.warning(
            "mail.outbox_send_failed",
            message_id=message_id,
            code=failure.code,
            permanent=failure.permanent,
        )
        return failure

    def _audit(
        self,
        session: Session,
        action: str,
        ticket_id: str,
        message_id: str,
        extra: dict[str, Any],
        actor: str = ACTOR,
    ) -> None:
        self.audit_log(session).append(
            AuditEvent(
                actor=actor,
                action=action,
                subject=f"ticket:{ticket_id}",
                payload={"ticket_id": ticket_id, "message_id": message_id, **extra},
            )
        )

    # --- operators ---------------------------------------------------------------------------

    def entries(self, state: str | None = None, limit: int = 50) -> list[OutboxEntry]:
        """Newest first; ``state`` filters (queued, sent, failed)."""
        o = MailOutboxRow
        stmt = select(o).order_by(o.created_at.desc(), o.message_id.desc()).limit(limit)
        if state is not None:
            stmt = stmt.where(o.state == OutboxState(state).value)
        with self.uow.read() as session:
            return [_entry(r) for r in session.scalars(stmt)]

    def retry(self, message_ids: Sequence[str], now: datetime, actor: str) -> list[OutboxEntry]:
        """Queue failed replies again (attempts kept), due at once."""
        o = MailOutboxRow
        done: list[OutboxEntry] = []
        with self.uow() as session:
            for message_id in message_ids:
                row = session.scalars(
                    select(o).where(o.message_id == message_id).with_for_update()
                ).first()
                if row is None:
                    raise OutboxNotFound(f"no outbox entry for message {message_id[:40]}")
                if row.state != OutboxState.FAILED.value:
                    raise NotFailed(
                        f"message {message_id} is {row.state}; only failed ones are retried"
                    )
                row.state, row.next_attempt_at = OutboxState.QUEUED.value, now
                self._audit(session, "support.reply_mail_requeued", row.ticket_id, message_id, {},
                            actor=actor)  # fmt: skip
                session.flush()
                done.append(_entry(row))
        return done

    def failed_ids(self) -> list[str]:
        o = MailOutboxRow
        with self.uow.read() as session:
            return list(
                session.scalars(
                    select(o.message_id)
                    .where(o.state == OutboxState.FAILED.value)
                    .order_by(o.created_at, o.message_id)
                )
            )


def _entry(row: MailOutboxRow) -> OutboxEntry:
    return OutboxEntry(
        message_id=row.message_id,
        ticket_id=row.ticket_id,
        state=OutboxState(row.state),
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        sent_message_id=row.sent_message_id,
        last_error_code=row.last_error_code,
    )


def _send_failure(exc: MailSendError) -> Failure:
    cause = exc.__cause__
    code = exc.smtp_code
    if code is None and isinstance(cause, smtplib.SMTPRecipientsRefused):
        codes = [answer[0] for answer in cause.recipients.values()]
        code = codes[0] if codes else None
    if isinstance(cause, ssl.SSLError):
        fallback = "tls"
    elif isinstance(cause, smtplib.SMTPNotSupportedError):
        fallback = "relay_unsupported"
    else:
        fallback = "unreachable"
    return classify(code, fallback)


def _insert_ignore(session: Session) -> Any:
    table: Table = MailOutboxRow.__table__  # type: ignore[assignment]
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = (pg_insert if postgres else sqlite_insert)(table)
    return stmt.on_conflict_do_nothing(index_elements=["message_id"]).returning(table.c.message_id)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
