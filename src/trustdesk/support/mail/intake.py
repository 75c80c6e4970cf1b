"""The ``accept`` callable the SMTP listener and the IMAP poller hand raw mail to.

Its contract: the mail is either delivered to the support core or held in the quarantine
before it returns; it raises only when it could do neither (the database is down), and
then the listener answers 451 (the sending server retries) and the poller leaves the mail
unseen (the next poll retries). So nothing is ever dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog

from trustdesk.core.errors import DomainError
from trustdesk.support.mail.parse import MailRejected, ParsedMail, parse_mail
from trustdesk.support.mail.quarantine import QuarantinedMail
from trustdesk.support.mail.store import Quarantine

log = structlog.get_logger("trustdesk.mail")

Accept = Callable[[bytes, str, list[str]], None]
# The support core's intake for one parsed mail (idempotent on Message-ID); the raw bytes
# come along for whoever keeps the original.
Deliver = Callable[[ParsedMail, bytes], None]


@dataclass
class MailIntake:
    quarantine: Quarantine
    deliver: Deliver
    max_bytes: int
    source: str = "smtp"

    def __call__(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        """Deliver or quarantine; raises only if the quarantine write itself failed."""
        try:
            self._deliver(raw, self.max_bytes)
        except MailRejected as exc:
            self._hold(raw, sender, recipients, exc.reason_code, exc.message)
        except DomainError as exc:
            self._hold(raw, sender, recipients, "intake_refused", f"{exc.code}: {exc.message}")
        except Exception as exc:  # noqa: BLE001 - a bug or outage downstream must not lose mail
            log.error("mail.intake_failed", error=type(exc).__name__, source=self.source)
            self._hold(raw, sender, recipients, "intake_failed", type(exc).__name__)

    def redeliver(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        """Parse and deliver, raising on any failure: what a quarantine release runs. The
        size limit is waived: an admin chose to let this one in."""
        self._deliver(raw, max(self.max_bytes, len(raw)))

    def _deliver(self, raw: bytes, max_bytes: int) -> None:
        self.deliver(parse_mail(raw, max_bytes=max_bytes), raw)

    def _hold(
        self, raw: bytes, sender: str, recipients: list[str], code: str, reason: str
    ) -> QuarantinedMail:
        held = self.quarantine.hold(
            raw,
            sender=sender,
            recipients=recipients,
            reason_code=code,
            reason=reason,
            source=self.source,
        )
        log.info("mail.quarantined", id=held.id, reason_code=code, source=self.source)
        return held
