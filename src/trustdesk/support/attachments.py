"""Attachments kept with a message: judged (name, sniffed type, limits), bytes stored by
their SHA-256, metadata in the store.

Agents' uploads are strict: one refused file refuses the request (422 naming the file) and
nothing is written. Intake from a channel must lose nothing: a refused file is kept as a
quarantined part, with the reason, and never served.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from trustdesk.core.errors import Conflict, InvalidInput
from trustdesk.core.ids import new_id
from trustdesk.support.env import AttachmentNotFound, SupportEnv
from trustdesk.support.files import Judged, Refusal, judge
from trustdesk.support.model import (
    Attachment,
    AttachmentStatus,
    InboundAttachment,
    Message,
)

MAX_DECLARED: Final = 100


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    data: bytes


def judge_all(env: SupportEnv, files: Sequence[InboundAttachment]) -> list[Judged]:
    judged = []
    for position, file in enumerate(files):
        verdict = judge(file.filename, file.content_type, file.data, env.limits)
        if verdict.accepted and position >= env.limits.max_files:
            detail = f"at most {env.limits.max_files} files per message"
            verdict = replace(verdict, refusal=Refusal.TOO_MANY_FILES, detail=detail)
        judged.append(verdict)
    return judged


def refuse_any(env: SupportEnv, judged: Sequence[Judged]) -> None:
    """For uploads: a 422 that names the first refused file (``files.<n>``)."""
    if len(judged) > env.limits.max_files:
        raise InvalidInput(
            f"at most {env.limits.max_files} files per message",
            field="files",
            code="support.attachment_too_many_files",
        )
    for position, verdict in enumerate(judged):
        if verdict.refusal is not None:
            raise InvalidInput(
                f"{verdict.filename}: {verdict.detail}",
                field=f"files.{position}",
                code=f"support.attachment_{verdict.refusal.value}",
            )


def keep(
    env: SupportEnv,
    message: Message,
    files: Sequence[InboundAttachment],
    judged: Sequence[Judged],
) -> list[Attachment]:
    """Store every file, accepted or quarantined, with its metadata row."""
    kept = []
    for file, verdict in zip(files, judged, strict=True):
        attachment = Attachment(
            id=new_id("att"),
            ticket_id=message.ticket_id,
            message_id=message.id,
            filename=verdict.filename,
            content_type=verdict.content_type,
            declared_type=_declared(file.content_type),
            size=len(file.data),
            sha256=env.blobs.put(file.data),
            status=AttachmentStatus.STORED if verdict.accepted else AttachmentStatus.QUARANTINED,
            reason=verdict.refusal.value if verdict.refusal else None,
            created_at=message.created_at,
        )
        env.store.add_attachment(attachment)
        kept.append(attachment)
    return kept


def quarantined(kept: Sequence[Attachment]) -> list[dict[str, str]]:
    """For the audit entry: ids and reason codes, no names."""
    return [
        {"attachment_id": a.id, "reason": a.reason or ""}
        for a in kept
        if a.status is AttachmentStatus.QUARANTINED
    ]


def download(env: SupportEnv, attachment_id: str) -> Download:
    found = env.store.attachment(attachment_id)
    if found is None:
        raise AttachmentNotFound(f"no attachment {attachment_id[:40]}", field="attachment_id")
    if found.status is AttachmentStatus.QUARANTINED:
        raise Conflict(
            f"{found.filename} is quarantined ({found.reason}) and is not served",
            field="attachment_id",
            code="support.attachment_quarantined",
        )
    return Download(found, env.blobs.get(found.sha256))


def _declared(content_type: str) -> str | None:
    text = content_type.strip()[:MAX_DECLARED]
    return text if text and text.isprintable() else None
