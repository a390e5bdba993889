"""The checkers, fast, without a kernel: solutions pass for many students, mistakes fail and
are named, answers written differently pass, every graded test cell has a checker.

Sources: the solution cells of ``solutions/<id>/<id>.ipynb``; the sample mistakes of
``course/sample/mistakes/<id>.toml`` (each with the ``diagnosis`` text its message must
contain); ``tests/answers/<topic>.py`` (correct answers in other styles, and further wrong
answers with the text their diagnosis must contain).
"""
from __future__ import annotations

import functools

import pytest
from graderkit import (answer_modules, assignment_ids, define, mistakes, namespace,
                       source_notebook, verdict)

from course.submission import graded_test_ids
from nnlib import graders

IDS = assignment_ids()
EXERCISES = [ex for ex in graders.exercises() if ex.assignment in IDS]
ANSWERS = answer_modules()


@functools.lru_cache(maxsize=None)
def _solution(aid):
    return namespace(aid)


def _mistake_params():
    return [pytest.param(aid, m.student, id=f"{aid}-{m.student}") for aid in IDS for m in mistakes(aid)]


@pytest.mark.parametrize("aid", IDS)
def test_every_graded_test_cell_has_a_checker(aid):
    cells = graded_test_ids(source_notebook(aid))
    missing = [g for g in cells if graders.for_test_cell(aid, g) is None]
    assert not missing, f"{aid}: graded test cells without a checker in nnlib.graders: {missing}"


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.name)
def test_solution_passes_for_every_student(ex):
    fn = _solution(ex.assignment)[ex.name]
    failed = []
    for k in range(ex.test_students):
        v = verdict(ex.name, fn, student=f"student-{k:03d}")
        if not v.passed:
            failed.append(f"student-{k:03d}: {v.message}")
    assert not failed, f"the solution of {ex.name} fails for {len(failed)} student(s):\n" + "\n".join(failed[:5])


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.name)
def test_blank_and_none_fail(ex):
    def blank(*args, **kwargs):
        raise NotImplementedError()

    v = verdict(ex.name, blank)
    assert not v.passed and "not written yet" in v.message, v.message


@functools.lru_cache(maxsize=None)
def _mistake_verdicts(aid, student):
    """``(mistake, {exercise: Verdict})``: every checker of ``aid`` on ``student``'s patched
    solution (computed once, for the test of the mistake and for the measure)."""
    m = next(m for m in mistakes(aid) if m.student == student)
    ns = namespace(aid, {m.cell: m.apply(source_notebook(aid))})
    return m, {ex.name: verdict(ex.name, ns[ex.name]) for ex in graders.exercises(aid)}


@functools.lru_cache(maxsize=None)
def _wrong_verdict(name, source):
    ex = graders.get(name)
    return verdict(name, define(ex.assignment, source, name))


@pytest.mark.parametrize("aid, student", _mistake_params())
def test_mistake_fails_where_it_breaks_and_is_named(aid, student):
    m, verdicts = _mistake_verdicts(aid, student)
    problems = []
    for ex in graders.exercises(aid):
        v = verdicts[ex.name]
        if ex.test_cell in m.breaks:
            if v.passed:
                problems.append(f"{ex.name}: passes, but the mistake ({m.why}) must fail it")
            elif m.diagnosis and m.diagnosis.lower() not in v.message.lower():
                problems.append(f"{ex.name}: the message does not name the mistake "
                                f"(expected {m.diagnosis!r}): {v.message}")
        elif not v.passed:
            problems.append(f"{ex.name}: fails, but only {', '.join(m.breaks)} should: {v.message}")
    assert not problems, f"{aid}/{student} ({m.cell}: {m.why}):\n  " + "\n  ".join(problems)


def _right_params():
    return [pytest.param(name, src, id=f"{name}-{i}") for mod in ANSWERS
            for name, sources in mod.RIGHT.items() for i, src in enumerate(sources)]


def _wrong_params():
    return [pytest.param(name, src, expected, id=f"{name}-{i}")
            for mod in ANSWERS for i, (name, src, expected) in enumerate(mod.WRONG)]


@pytest.mark.parametrize("name, source", _right_params())
def test_correct_answer_written_differently_passes(name, source):
    ex = graders.get(name)
    fn = define(ex.assignment, source, name)
    for k in range(max(1, min(10, ex.test_students // 4))):
        v = verdict(name, fn, student=f"student-{k:03d}")
        assert v.passed, f"a correct {name} written differently fails: {v.message}\n{source}"


@pytest.mark.parametrize("name, source, expected", _wrong_params())
def test_wrong_answer_fails(name, source, expected):
    assert not _wrong_verdict(name, source).passed, f"a wrong {name} passes:\n{source}"


def test_feedback_names_the_mistake_for_nine_in_ten_wrong_answers():
    """Measured over the sample mistakes and the extra wrong answers: the diagnosis contains
    the text that names the mistake for at least 90% of them (and every sample mistake has
    such a text)."""
    named, total, missed = 0, 0, []
    for aid in IDS:
        for m in mistakes(aid):
            assert m.diagnosis, f"{aid}/{m.student}: the mistake has no `diagnosis` text"
            _, verdicts = _mistake_verdicts(aid, m.student)
            for ex in graders.exercises(aid):
                if ex.test_cell in m.breaks:
                    v = verdicts[ex.name]
                    total += 1
                    ok = not v.passed and m.diagnosis.lower() in v.message.lower()
                    named += ok
                    if not ok:
                        missed.append(f"{aid}/{m.student} {ex.name}: {v.message[:200]}")
    for mod in ANSWERS:
        for name, source, expected in mod.WRONG:
            v = _wrong_verdict(name, source)
            total += 1
            ok = not v.passed and expected.lower() in v.message.lower()
            named += ok
            if not ok:
                missed.append(f"{name} (expected {expected!r}): {v.message[:200]}")
    assert total, "no wrong answers to measure"
    print(f"diagnoses naming the mistake: {named}/{total} = {named / total:.0%}")
    assert named >= 0.9 * total, (f"only {named}/{total} diagnoses name the mistake:\n  "
                                  + "\n  ".join(missed))
