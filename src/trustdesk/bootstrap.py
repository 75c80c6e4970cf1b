"""The one composition root: settings in, a container of ready services out.

Used by the web app factory and by the CLI; nothing here runs at import.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from trustdesk.audit.store import SqlAuditLog
from trustdesk.auth.delivery import ChannelRouter, FileOutbox, Sender, SmtpSender, TwilioSmsSender
from trustdesk.auth.factors import StepUpEnv
from trustdesk.auth.flows import AfterCommit, StepUp
from trustdesk.auth.key_cache import KeyCache
from trustdesk.auth.secretbox import Keyring
from trustdesk.auth.store import SqlStepUpStore
from trustdesk.auth.tokens import StepUpTokens
from trustdesk.auth.webpush import VapidSigner
from trustdesk.compliance.packs import default_packs
from trustdesk.compliance.screener import Screener
from trustdesk.compliance.store import SqlSanctionsStore
from trustdesk.core.clock import Clock, FixedClock, SystemClock
from trustdesk.core.errors import DomainError
from trustdesk.db.engine import UnitOfWork, make_engine
from trustdesk.lists.store import SqlListStore
from trustdesk.risk.adapters import (
    AuditedAssessments,
    ListsLookup,
    ScreenedNames,
)
from trustdesk.risk.countries import load_atlas
from trustdesk.risk.model import Assessment
from trustdesk.risk.policy import Policy, load_policy
from trustdesk.risk.schemas import AssessmentIn
from trustdesk.risk.service import RiskPorts, assess_transaction
from trustdesk.risk.store import SqlAssessmentStore, SqlVelocity
from trustdesk.settings import Settings
from trustdesk.support.desk_config import DEFAULT_PATH as DEFAULT_DESK
from trustdesk.support.desk_config import DeskConfig, default_desk_config, load_desk_config
from trustdesk.support.env import NewTicketHook
from trustdesk.support.files import AttachmentLimits
from trustdesk.support.macros import Macro, default_macros
from trustdesk.support.model import InboundMessage, IntakeResult, Tier
from trustdesk.support.service import SupportDesk
from trustdesk.support.sweep import SweepReport
from trustdesk.support.wiring import run_intake, run_sweep, support_desk

if TYPE_CHECKING:
    from trustdesk.bot.desk_bot import BotDesk, BotRun, BotRuntime
    from trustdesk.bot.desk_bot import SweepReport as BotSweepReport

T = TypeVar("T")


@dataclass
class Container:
    settings: Settings
    engine: Engine
    uow: UnitOfWork
    clock: Clock
    policy: Policy
    keyring: Keyring
    tokens: StepUpTokens
    router: ChannelRouter
    vapid: VapidSigner | None
    screener: Screener
    # A custom router for new tickets (see support.env.NewTicketHook); it replaces the desk's
    # rules for new tickets. None: the desk routes them (desk_config).
    on_new_ticket: NewTicketHook | None = None
    # The support desk's rules (routing, tiers, SLA) and the shipped macros.
    desk_config: DeskConfig | None = None
    macros: Mapping[str, Macro] | None = None
    # The bot's model, knowledge-base and phishing caches: built on first use (bot_desk).
    bot_runtime: BotRuntime | None = None
    # API keys checked in the last settings.api_key_cache_seconds (web/deps.get_principal).
    key_cache: KeyCache = field(default_factory=lambda: KeyCache(0))

    @property
    def pepper(self) -> bytes:
        return self.settings.hash_pepper.get_secret_value().encode()

    def audit_log(self, session: Session) -> SqlAuditLog:
        return SqlAuditLog(session, self.pepper, self.clock)

    def list_store(self, session: Session) -> SqlListStore:
        return SqlListStore(session)

    def risk_ports(self, session: Session) -> RiskPorts:
        return RiskPorts(
            assessments=SqlAssessmentStore(session, self.pepper),
            velocity=SqlVelocity(session, self.pepper),
            lists=ListsLookup(self.list_store(session)),
            audit=AuditedAssessments(self.audit_log(session)),
            names=ScreenedNames(self.screener, SqlSanctionsStore(session)),
            packs=default_packs(),
        )

    def stepup(
        self,
        session: Session,
        actor: str,
        request_id: str | None = None,
        ip: str | None = None,
    ) -> StepUp:
        s = self.settings
        env = StepUpEnv(
            store=SqlStepUpStore(session),
            keyring=self.keyring,
            # A key of its own for code hashes, derived so the pepper is never reused as is.
            pepper=hmac.new(self.pepper, b"trustdesk.one-time-codes", hashlib.sha256).digest(),
            clock=self.clock,
            rules=self.policy.stepup,
            issuer=s.issuer,
            rp_id=s.webauthn_rp_id,
            origin=s.webauthn_origin,
            router=self.router,
            vapid=self.vapid,
            vapid_subject=s.vapid_subject,
            push_allow_insecure=s.push_allow_insecure,
        )
        return StepUp(env, self.audit_log(session), self.tokens, actor, request_id, ip)

    def run_stepup(
        self,
        work: Callable[[StepUp, Session], T],
        actor: str,
        request_id: str | None = None,
        ip: str | None = None,
    ) -> T:
        """One step-up action in one transaction. Refusals that follow a write (a failed
        attempt, a lock-out, a rate-limit hit) commit that write before they are raised."""
        refusal: AfterCommit | None = None
        with self.uow() as session:
            try:
                return work(self.stepup(session, actor, request_id, ip), session)
            except AfterCommit as exc:
                refusal = exc
        raise refusal.error

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.uow() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.uow.read() as session:
            yield session

    def support(
        self,
        session: Session,
        actor: str,
        request_id: str | None = None,
        *,
        clock: Clock | None = None,
    ) -> SupportDesk:
        s = self.settings
        return support_desk(
            session,
            audit=self.audit_log(session),
            clock=clock or self.clock,
            attachments_dir=s.attachments_dir,
            limits=AttachmentLimits(s.attachment_max_bytes, s.attachment_max_files),
            actor=actor,
            request_id=request_id,
            on_new_ticket=self.on_new_ticket,
            desk_config=self.desk_config,
            macros=self.macros,
        )

    def support_sweep(self, at: datetime | None = None) -> SweepReport:
        """SLA warnings, breaches and escalations, silent assignees' tickets moved on, and
        backlogs drained, as of ``at`` (default: now). Run it every minute from ``serve``;
        running it twice at one instant changes nothing the second time."""
        now = at or self.clock.now()
        clock = FixedClock(now)
        return run_sweep(
            self.uow, lambda session: self.support(session, "system:sla", clock=clock), now
        )

    def support_intake(
        self, msg: InboundMessage, actor: str = "system:intake", request_id: str | None = None
    ) -> IntakeResult:
        """One inbound message from any channel, in a transaction of its own, idempotent."""
        return run_intake(self.uow, lambda session: self.support(session, actor, request_id), msg)

    def bot_desk(self) -> BotDesk:
        """The bot tier: the intent model (loaded on first use), caches and the chain node."""
        from trustdesk.bot.desk_bot import ACTOR, BotDesk, BotRuntime

        if self.bot_runtime is None:
            s = self.settings
            url = s.eth_rpc_url.get_secret_value() if s.eth_rpc_url else None
            self.bot_runtime = BotRuntime(s.bot_model_dir, s.bot_model_version, url or None)
        return BotDesk(self.uow, lambda session: self.support(session, ACTOR), self.bot_runtime)

    def run_bot(self, ticket_id: str, message_id: str) -> BotRun | None:
        """The bot's answer or hand-off for a customer message on a bot-tier ticket; call it
        after the intake transaction committed. Idempotent per message (a second call posts
        nothing and returns the first run, ``duplicate`` set); None: nothing for the bot."""
        from trustdesk.bot.desk_bot import run_bot

        return run_bot(self.bot_desk(), ticket_id, message_id)

    def warm_up_bot(self) -> bool:
        """Load the language detector and the intent model now rather than on the first
        message (seconds); False when no model is trained yet (the bot then waits)."""
        from trustdesk.bot.language import warm_up

        try:
            self.bot_desk().runtime.model()
        except DomainError:
            return False  # no model: the detector would only take memory and seconds
        warm_up()
        return True

    def bot_sweep(self) -> BotSweepReport:
        """Run the bot on every bot-tier ticket with an unanswered customer message."""
        from trustdesk.bot.desk_bot import sweep

        return sweep(self.bot_desk())

    def assess(self, body: AssessmentIn, actor: str, request_id: str | None = None) -> Assessment:
        """One assessment, one transaction: decision, history and audit entry, or nothing."""
        with self.uow() as session:
            return assess_transaction(
                body,
                ports=self.risk_ports(session),
                policy=self.policy,
                clock=self.clock,
                actor=actor,
                request_id=request_id,
            )

    def close(self) -> None:
        self.engine.dispose()


# py_ecc (under eth-account) raises the process-wide recursion limit to 100000 when it is
# imported. At that depth a deeply nested JSON body overflows the C stack and kills the
# worker instead of raising RecursionError, which the API and CLI turn into a clear error.
SAFE_RECURSION_LIMIT = 1000


def build_container(settings: Settings, clock: Clock | None = None) -> Container:
    if sys.getrecursionlimit() > SAFE_RECURSION_LIMIT:
        sys.setrecursionlimit(SAFE_RECURSION_LIMIT)
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url)
    vapid_pem = settings.vapid_private_key
    return Container(
        settings=settings,
        engine=engine,
        uow=UnitOfWork(engine),
        clock=clock,
        policy=load_policy(settings.policy_file, load_atlas()),
        keyring=_setting("TRUSTDESK_SECRET_KEYS", Keyring.from_spec, settings.secret_keys),
        tokens=_setting("TRUSTDESK_STEPUP_SIGNING_KEY", StepUpTokens, settings.stepup_signing_key),
        router=build_router(settings, clock),
        vapid=_setting("TRUSTDESK_VAPID_PRIVATE_KEY", VapidSigner.from_private_key_pem, vapid_pem)
        if vapid_pem
        else None,
        screener=Screener(),
        desk_config=load_desk(settings.support_config),
        macros=default_macros().macros,
        key_cache=KeyCache(settings.api_key_cache_seconds),
    )


def load_desk(path: Path) -> DeskConfig:
    """The desk configuration; its queues must be ticket tiers."""
    try:
        same = path.resolve() == DEFAULT_DESK
        config = default_desk_config() if same else load_desk_config(path)
    except DomainError as exc:
        raise ConfigError(f"TRUSTDESK_SUPPORT_CONFIG: {exc.message}") from None
    tiers = {t.value for t in Tier}
    unknown = sorted(set(config.queues) - tiers)
    if unknown:
        raise ConfigError(
            f"TRUSTDESK_SUPPORT_CONFIG: queues {', '.join(unknown)} are not ticket tiers "
            f"({', '.join(sorted(tiers))})"
        )
    return config


class ConfigError(DomainError):
    code = "config.invalid"
    status = 500
    title = "Configuration error"


def _setting(name: str, parse: Callable[[str], T], value: SecretStr) -> T:
    """Parse a secret setting; an error names the variable and never echoes its value."""
    try:
        return parse(value.get_secret_value())
    except (ValueError, DomainError) as exc:
        reason = exc.message if isinstance(exc, DomainError) else str(exc)
        raise ConfigError(f"{name}: {reason}") from None


def build_router(settings: Settings, clock: Clock) -> ChannelRouter:
    """Real channels where configured; in dev and test, a file outbox for the rest."""
    senders: dict[str, Sender] = {}
    if settings.smtp_host:
        password = settings.smtp_password
        senders["email"] = SmtpSender(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            username=settings.smtp_username,
            password=password.get_secret_value() if password else None,
            security=settings.smtp_security,
            clock=clock,
        )
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from:
        senders["sms"] = TwilioSmsSender(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            settings.twilio_from,
            base_url=settings.twilio_base_url,
        )
    if settings.env != "prod" or settings.outbox_dir is not None:
        outbox = FileOutbox(settings.outbox_dir or Path("outbox"), clock=clock)
        for channel in ("email", "sms"):
            senders.setdefault(channel, outbox)
    return ChannelRouter(senders)
