"""The one composition root: settings in, a container of ready services out.

Used by the web app factory and by the CLI; nothing here runs at import.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from trustdesk.audit.store import SqlAuditLog
from trustdesk.core.clock import Clock, SystemClock
from trustdesk.db.engine import UnitOfWork, make_engine
from trustdesk.lists.store import SqlListStore
from trustdesk.risk.adapters import AuditedAssessments, ListsLookup
from trustdesk.risk.countries import load_atlas
from trustdesk.risk.model import Assessment
from trustdesk.risk.policy import Policy, load_policy
from trustdesk.risk.schemas import AssessmentIn
from trustdesk.risk.service import RiskPorts, assess_transaction
from trustdesk.risk.store import SqlAssessmentStore, SqlVelocity
from trustdesk.settings import Settings


@dataclass
class Container:
    settings: Settings
    engine: Engine
    uow: UnitOfWork
    clock: Clock
    policy: Policy

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
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.uow() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.uow.read() as session:
            yield session

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


def build_container(settings: Settings, clock: Clock | None = None) -> Container:
    engine = make_engine(settings.database_url)
    return Container(
        settings=settings,
        engine=engine,
        uow=UnitOfWork(engine),
        clock=clock or SystemClock(),
        policy=load_policy(settings.policy_file, load_atlas()),
    )
