"""Attachments on SQLite and PostgreSQL: stored by hash, privately, atomically; refused
uploads write nothing; refused intake parts are kept in quarantine."""

from __future__ import annotations

import hashlib
import stat
from operator import methodcaller
from pathlib import Path

import pytest

from tests.integration.support.helpers import (
    PDF,
    PNG,
    attachment,
    audit,
    count,
    inbound,
    make_container,
    read,
    write,
)
from trustdesk.bootstrap import Container
from trustdesk.core.errors import Conflict, InvalidInput, NotFound
from trustdesk.support.model import Visibility
from trustdesk.support.service import ReplyIn

NOTE = ReplyIn(body="", author_id="agent-7", visibility=Visibility.INTERNAL)


def opened(container: Container) -> str:
    return container.support_intake(inbound()).ticket_id


def test_files_are_stored_by_hash_privately(container: Container) -> None:
    ticket_id = opened(container)
    _, message = write(
        container,
        lambda d: d.reply(ticket_id, NOTE, [attachment("receipt.pdf", PDF, "application/pdf")]),
    )
    [kept] = message.attachments
    digest = hashlib.sha256(PDF).hexdigest()
    assert (kept.filename, kept.content_type, kept.size, kept.sha256) == (
        "receipt.pdf",
        "application/pdf",
        len(PDF),
        digest,
    )
    root = container.settings.attachments_dir
    blob = root / digest[:2] / digest[2:4] / digest
    assert blob.read_bytes() == PDF
    assert stat.S_IMODE(blob.stat().st_mode) == 0o600
    for folder in (root, blob.parent, blob.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in blob.parent.iterdir()] == [digest]  # no temporary file left
    assert read(container, lambda d: d.download(kept.id)).data == PDF
    # The same bytes again: one file on disk, two rows.
    write(container, lambda d: d.reply(ticket_id, NOTE, [attachment("copy.pdf", PDF)]))
    assert count(container, "support_attachments") == 2
    assert sum(1 for p in root.rglob("*") if p.is_file()) == 1


def test_a_path_in_the_name_goes_nowhere(container: Container, tmp_path: Path) -> None:
    ticket_id = opened(container)
    data = b"root:x:0:0:root:/root:/bin/bash\n"
    _, message = write(
        container, lambda d: d.reply(ticket_id, NOTE, [attachment("../../etc/passwd", data)])
    )
    [kept] = message.attachments
    assert (kept.filename, kept.content_type) == ("passwd", "text/plain")
    root = container.settings.attachments_dir
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    digest = hashlib.sha256(data).hexdigest()
    assert files == [root / digest[:2] / digest[2:4] / digest]


def test_refused_uploads_write_nothing(container: Container) -> None:
    ticket_id = opened(container)
    small = make_container(
        container.settings.database_url,
        container.settings.attachments_dir.parent,
        attachment_max_bytes=1000,
    )
    try:
        cases = [
            (
                [attachment("big.png", PNG + bytes(1000))],
                "files.0",
                "too_large",
                "big.png: 1033 bytes; at most 1000 bytes per file",
            ),
            (
                [attachment("a.png", PNG), attachment("page.html", b"<html><body>x")],
                "files.1",
                "type_not_allowed",
                "page.html: the content is not an allowed type (PNG, JPEG, "
                "GIF, WebP, PDF, plain text, CSV, e-mail (.eml))",
            ),
            (
                [attachment(f"{n}.png", PNG) for n in range(6)],
                "files",
                "too_many_files",
                "at most 5 files per message",
            ),
            ([attachment("empty.txt", b"")], "files.0", "empty", "empty.txt: the file is empty"),
        ]
        for files, field, code, message in cases:
            with pytest.raises(InvalidInput) as caught:
                write(small, methodcaller("reply", ticket_id, NOTE, files))
            assert (caught.value.field, caught.value.code, caught.value.message) == (
                field,
                f"support.attachment_{code}",
                message,
            )
    finally:
        small.close()
    assert count(container, "support_messages") == 1
    assert count(container, "support_attachments") == 0
    assert not container.settings.attachments_dir.exists()


def test_intake_quarantines_what_it_cannot_accept(container: Container) -> None:
    parts = tuple(
        [attachment("shot.png", PNG, "image/png"), attachment("invoice.exe", b"MZ\x90\x00")]
        + [attachment(f"n{i}.txt", f"note {i}".encode()) for i in range(4)]
    )
    result = container.support_intake(inbound(attachments=parts))
    [message] = read(container, lambda d: d.ticket(result.ticket_id)).messages
    got = [(a.filename, a.content_type, a.status.value, a.reason) for a in message.attachments]
    assert got == [
        ("shot.png", "image/png", "stored", None),
        ("invoice.exe", "application/octet-stream", "quarantined", "type_not_allowed"),
        ("n0.txt", "text/plain", "stored", None),
        ("n1.txt", "text/plain", "stored", None),
        ("n2.txt", "text/plain", "stored", None),
        ("n3.txt", "text/plain", "quarantined", "too_many_files"),
    ]
    exe = message.attachments[1]
    with pytest.raises(Conflict) as caught:
        read(container, lambda d: d.download(exe.id))
    assert (caught.value.code, caught.value.message) == (
        "support.attachment_quarantined",
        "invoice.exe is quarantined (type_not_allowed) and is not served",
    )
    # Kept all the same: nothing a customer sends is lost.
    root = container.settings.attachments_dir
    assert (root / exe.sha256[:2] / exe.sha256[2:4] / exe.sha256).read_bytes() == b"MZ\x90\x00"
    [payload] = [p for a, _, p in audit(container) if a == "support.message_added"]
    assert payload["attachments"] == 6
    assert payload["quarantined"] == [
        {"attachment_id": exe.id, "reason": "type_not_allowed"},
        {"attachment_id": message.attachments[5].id, "reason": "too_many_files"},
    ]
    with pytest.raises(NotFound):
        read(container, lambda d: d.download("att_missing"))
