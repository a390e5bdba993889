"""The gradebook-lock retry used by every grading worker."""
import pytest
from sqlalchemy.exc import OperationalError

from course import autograde_one


def _flaky(failures, message="database is locked"):
    calls = []

    def fn():
        calls.append(1)
        if len(calls) <= failures:
            raise OperationalError("UPDATE ...", {}, Exception(message))
        return "done"
    return fn, calls


def test_locked_gradebook_is_retried_until_it_is_free(monkeypatch):
    monkeypatch.setattr(autograde_one.time, "sleep", lambda s: None)
    fn, calls = _flaky(2)
    assert autograde_one._unlocked(fn) == "done" and len(calls) == 3


def test_other_database_errors_and_a_lock_that_never_clears_propagate(monkeypatch):
    monkeypatch.setattr(autograde_one.time, "sleep", lambda s: None)
    fn, calls = _flaky(1, "no such table: grade")
    with pytest.raises(OperationalError, match="no such table"):
        autograde_one._unlocked(fn)
    assert len(calls) == 1
    fn, calls = _flaky(100)
    with pytest.raises(OperationalError, match="locked"):
        autograde_one._unlocked(fn)
    assert len(calls) == autograde_one.RETRIES
