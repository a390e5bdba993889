"""A throw-away PostgreSQL server for the tests (not a test module).

``postgres()`` runs ``initdb`` and ``pg_ctl`` (Debian's ``postgresql`` package, or any
PostgreSQL on PATH) into a temporary directory, listening only on a Unix socket there,
and yields the SQLAlchemy URL of an empty database. As root, the server runs as
``nobody`` (PostgreSQL refuses to run as root).
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

USER = "nobody"


def pg_bin() -> Path | None:
    """The directory with ``initdb`` and ``pg_ctl``, or None."""
    found = shutil.which("initdb")
    candidates = ([os.path.dirname(os.path.realpath(found))] if found else []) + \
        sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for d in candidates:
        if os.access(os.path.join(d, "initdb"), os.X_OK) and \
                os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            return Path(d)
    return None


def problem() -> str | None:
    """Why no server can be started here, or None."""
    if pg_bin() is None:
        return "PostgreSQL (initdb, pg_ctl) is not installed: apt-get install postgresql"
    return None


def _run(args, as_user):
    cmd = (["runuser", "-u", USER, "--"] if as_user else []) + [str(a) for a in args]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


@contextlib.contextmanager
def postgres():
    """Yield ``postgresql+psycopg2://grader@/nncourse?host=SOCKETDIR`` of a fresh server."""
    import psycopg2

    bindir = pg_bin()
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="nncourse-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if as_root:
        ent = pwd.getpwnam(USER)
        for d in (base, sock):
            os.chown(d, ent.pw_uid, ent.pw_gid)
    started = False
    try:
        _run([bindir / "initdb", "-D", data, "-U", "grader", "--auth=trust", "-E", "UTF8",
              "--no-sync"], as_root)
        _run([bindir / "pg_ctl", "-D", data, "-l", base / "server.log", "-w", "-t", "60",
              "-o", f"-k {sock} -c listen_addresses='' -c fsync=off", "start"], as_root)
        started = True
        conn = psycopg2.connect(dbname="postgres", user="grader", host=str(sock))
        conn.autocommit = True
        conn.cursor().execute("CREATE DATABASE nncourse")
        conn.close()
        yield f"postgresql+psycopg2://grader@/nncourse?host={sock}"
    finally:
        if started:
            _run([bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], as_root)
        shutil.rmtree(base, ignore_errors=True)
