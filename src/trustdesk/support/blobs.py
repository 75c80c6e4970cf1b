"""Attachment bytes on disk, content-addressed: ``<dir>/ab/cd/<sha256>``.

Written atomically (a temporary file in the same directory, fsync, rename), readable and
writable by the owner only, never executable; the name is the hash, never the sender's
file name, so nothing a sender chooses reaches the file system. Equal files are kept once.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Final

_SHA256: Final = re.compile(r"[0-9a-f]{64}")
_FILE_MODE: Final = 0o600
_DIR_MODE: Final = 0o700


class FileBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError("a blob is named by its lowercase hex SHA-256")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        self.root.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        for folder in (target.parent.parent, target.parent):
            folder.mkdir(mode=_DIR_MODE, exist_ok=True)  # each level private, not just the last
        temp = target.parent / f".{digest}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _FILE_MODE)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)  # atomic: readers see the whole file or none
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        data = self.path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OSError(f"attachment blob {sha256} does not match its hash")
        return data
