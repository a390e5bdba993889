"""Serialise gradebook set-up between grading processes that share one PostgreSQL gradebook.

Two instructors (or two ``course grade`` runs) grading into one PostgreSQL database would
otherwise create its tables, or record the same assignment, at the same moment.
``exclusive(db_url)`` holds a PostgreSQL session-level advisory lock
(``pg_advisory_lock``) for the block: the second process waits until the first is done.
For SQLite (one file, one grading process) it does nothing.
"""
from __future__ import annotations

import contextlib
import zlib

LOCK_KEY = zlib.crc32(b"nncourse gradebook set-up")


@contextlib.contextmanager
def exclusive(db_url: str | None):
    """Hold the gradebook set-up lock of ``db_url`` within the block.

    Args:
        db_url: SQLAlchemy URL of the gradebook (None or ``sqlite:...``: no lock).

    Raises:
        sqlalchemy.exc.OperationalError: the PostgreSQL server cannot be reached.
    """
    if not db_url or not db_url.startswith("postgresql"):
        yield
        return
    import sqlalchemy

    engine = sqlalchemy.create_engine(db_url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
    finally:
        engine.dispose()
