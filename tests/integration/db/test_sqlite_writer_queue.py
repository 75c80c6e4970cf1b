"""SQLite writers queue on a file lock instead of polling in SQLite's busy handler."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from trustdesk.db.engine import SqliteWriterQueue, UnitOfWork, make_engine


def _uow(tmp_path: Path) -> UnitOfWork:
    engine = make_engine(f"sqlite:///{tmp_path / 'q.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS log (n INTEGER)"))
    return UnitOfWork(engine)


def test_queue_only_for_sqlite_files(tmp_path: Path) -> None:
    queue = SqliteWriterQueue.for_engine(make_engine(f"sqlite:///{tmp_path / 'a.db'}"))
    assert queue is not None
    assert queue.path == str(tmp_path / "a.db") + ".writelock"
    assert SqliteWriterQueue.for_engine(make_engine("sqlite://")) is None
    assert SqliteWriterQueue.for_engine(make_engine("postgresql+psycopg://u@h/db")) is None


def test_second_writer_starts_after_first_commits(tmp_path: Path) -> None:
    uow = _uow(tmp_path)
    first_in, events = threading.Event(), []
    release = threading.Event()

    def first() -> None:
        with uow() as session:
            first_in.set()
            release.wait(5)
            session.execute(text("INSERT INTO log VALUES (1)"))
            events.append("first done")

    def second() -> None:
        first_in.wait(5)
        with uow() as session:
            events.append("second in")
            session.execute(text("INSERT INTO log VALUES (2)"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_in.wait(5)
    threading.Timer(0.2, release.set).start()  # the second writer must still be waiting
    for t in threads:
        t.join(10)
    assert events == ["first done", "second in"]
    with uow.read() as session:
        assert session.execute(text("SELECT n FROM log ORDER BY rowid")).scalars().all() == [1, 2]


def test_reader_does_not_wait_for_writer(tmp_path: Path) -> None:
    uow = _uow(tmp_path)
    read_done = threading.Event()

    def reader() -> None:
        with uow.read() as session:
            session.execute(text("SELECT count(*) FROM log")).scalar_one()
        read_done.set()

    with uow() as session:
        session.execute(text("INSERT INTO log VALUES (1)"))
        thread = threading.Thread(target=reader)
        thread.start()
        assert read_done.wait(5)
    thread.join(5)


def test_nested_unit_of_work_in_one_thread_reenters(tmp_path: Path) -> None:
    uow = _uow(tmp_path)
    finished = threading.Event()

    def nested() -> None:
        # The outer unit has not touched the database yet, so only the queue could block.
        with uow(), uow() as inner:
            inner.execute(text("INSERT INTO log VALUES (7)"))
        finished.set()

    thread = threading.Thread(target=nested, daemon=True)
    thread.start()
    assert finished.wait(5)
    with uow.read() as session:
        assert session.execute(text("SELECT n FROM log")).scalars().all() == [7]
