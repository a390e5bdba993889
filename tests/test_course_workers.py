"""course.workers: a dying or overrunning task is reported; the others finish."""
import os
import time

from course.workers import run_tasks


def ok(x):
    return x * 2


def die():
    os._exit(3)


def sleep_forever():
    time.sleep(60)


def boom():
    raise ValueError("bad input")


def test_failures_are_isolated():
    seen = []
    results = run_tasks([("a", ok, (1,)), ("b", die, ()), ("c", sleep_forever, ()),
                         ("d", boom, ()), ("e", ok, (5,))],
                        jobs=2, deadline=3, on_done=lambda r: seen.append(r.key))
    by = {r.key: r for r in results}
    assert [r.key for r in results] == ["a", "b", "c", "d", "e"]
    assert sorted(seen) == ["a", "b", "c", "d", "e"]
    assert (by["a"].status, by["a"].value) == ("ok", 2)
    assert (by["e"].status, by["e"].value) == ("ok", 10)
    assert by["b"].status == "died" and "code 3" in by["b"].detail
    assert by["c"].status == "deadline" and "3 s deadline" in by["c"].detail
    assert by["d"].status == "error" and "ValueError: bad input" in by["d"].detail
