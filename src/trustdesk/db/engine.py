"""Engines for SQLite (embedded default) and PostgreSQL, and the unit of work."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's busy timeout alone
    fcntl = None  # type: ignore[assignment]


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN; we take it over so every
    # transaction starts with BEGIN IMMEDIATE: writers queue on the lock instead of
    # failing halfway with "database is locked", and the audit chain cannot fork.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # Read-only units of work (verify, export, look-ups) take no write lock.
        read_only = conn.get_execution_options().get("trustdesk_read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class SqliteWriterQueue:
    """Writers to one SQLite file wait their turn on an OS file lock beside it.

    SQLite's own busy handler polls with sleeps of up to 100 ms, so under concurrent
    writers the lock sits idle between a commit and the next retry: throughput drops and
    p99 reaches seconds. flock wakes the next waiter at once, across threads (each takes
    the lock through its own descriptor) and worker processes. The busy timeout stays the
    fallback for writers outside a unit of work (migrations, other tools)."""

    _held = threading.local()  # paths this thread holds: a nested unit of work re-enters

    def __init__(self, path: str) -> None:
        self.path = f"{path}.writelock"

    @contextmanager
    def hold(self) -> Iterator[None]:
        held: set[str] = self._held.__dict__.setdefault("paths", set())
        if self.path in held:
            yield
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held.add(self.path)
            try:
                yield
            finally:
                held.discard(self.path)
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    @classmethod
    def for_engine(cls, engine: Engine) -> SqliteWriterQueue | None:
        database = engine.url.database
        if engine.dialect.name != "sqlite" or fcntl is None:
            return None
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return cls(os.path.abspath(database))


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class UnitOfWork:
    """One transaction per use case: it commits when the block ends cleanly and rolls back
    on any exception, so a request is never half-written."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(bind=engine, expire_on_commit=False)
        self._writers = SqliteWriterQueue.for_engine(engine)

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        with self._session(read_only=False) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction that only reads: on SQLite it does not block writers."""
        with self._session(read_only=True) as session:
            yield session

    @contextmanager
    def _session(self, read_only: bool) -> Iterator[Session]:
        writers = None if read_only else self._writers
        session = self._factory()
        try:
            # The writer's turn ends with COMMIT (or ROLLBACK): the next writer need not
            # wait while this session hands its connection back to the pool.
            with writers.hold() if writers else nullcontext():
                if read_only:
                    session.connection(execution_options={"trustdesk_read_only": True})
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            session.close()
