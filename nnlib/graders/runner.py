"""Running a checker: the visible test, the hidden block's evidence, and the judgment.

In a test cell (the student's kernel)::

    check("phi", phi)         # visible: fixed cases, judged here, prints the ✔ lines
    ### BEGIN HIDDEN TESTS
    record("phi", phi)        # hidden: the student's cases, results emitted as evidence
    ### END HIDDEN TESTS

In the instructor's process, :func:`judge_evidence` regenerates the cases from the student's
id, reads the evidence and decides (``course.judge`` does this for every graded test cell).
Nothing the kernel emits can make a case pass: it is judged from the returned values alone.
"""
from __future__ import annotations

import contextlib
import copy
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from .. import checks
from .base import Case, Exercise, Wrong
from .evidence import MIME, VERSION, EvidenceError, decode, digest, encode
from .registry import get

__all__ = ["check", "record", "collect", "judge_evidence", "judge_record", "run_case",
           "all_cases", "Verdict"]

_MISSING = object()


def all_cases(ex: Exercise, student: str) -> list[Case]:
    """The fixed cases, then the hidden cases drawn from ``student``'s generator."""
    return list(ex.fixed_cases()) + list(ex.cases(checks.seeded_rng(student, ex.name)))


def case_digest(case: Case) -> str:
    """The digest of a case's inputs (label, args, kwargs)."""
    return digest((case.label, case.args, case.kwargs))


@contextlib.contextmanager
def replaced_globals(fn: Callable, names: dict[str, Callable]) -> Iterator[None]:
    """Point ``names`` of ``fn``'s global namespace (the notebook's) at other objects while
    the block runs, so helpers of the student's see them too; restore them afterwards."""
    space = getattr(fn, "__globals__", None)
    if not names or not isinstance(space, dict):
        yield
        return
    saved = {k: space.get(k, _MISSING) for k in names}
    space.update(names)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is _MISSING:
                space.pop(k, None)
            else:
                space[k] = v


def _snapshot(value):
    try:
        return copy.deepcopy(value)
    except Exception:  # an argument that cannot be copied is not checked for changes
        return _MISSING


def _changed(before, after, path="") -> list[str]:
    """Paths (``args[0]``, ``args[2][1]``, ...) of arrays/lists that differ."""
    if isinstance(before, np.ndarray):
        # a perturbation undone by arithmetic may leave a last-bit difference: not a change
        same = (isinstance(after, np.ndarray) and before.shape == after.shape
                and (np.array_equal(before, after) if before.dtype.kind not in "fc" else
                     np.allclose(before, after, rtol=1e-12, atol=0.0, equal_nan=True)))
        return [] if same else [path]
    if isinstance(before, (list, tuple)):
        if not isinstance(after, (list, tuple)) or len(before) != len(after):
            return [path]
        return [p for i, (b, a) in enumerate(zip(before, after)) for p in _changed(b, a, f"{path}[{i}]")]
    if isinstance(before, dict):
        if not isinstance(after, dict) or before.keys() != after.keys():
            return [path]
        return [p for k in before for p in _changed(before[k], after[k], f"{path}[{k!r}]")]
    return []


def forbidden(ex: Exercise) -> tuple:
    """The references whose call fails a case: ``ex.references`` except the functions the
    checker itself installs as ``upstream`` (calling those is calling the earlier exercise)."""
    installed = {getattr(getattr(u, "__func__", u), "__code__", None) for u in ex.upstream.values()}
    return tuple(r for r in ex.references
                 if getattr(getattr(r, "__func__", r), "__code__", None) not in installed)


def run_case(ex: Exercise, fn: Callable, case: Case) -> dict:
    """Call the student's ``fn`` on ``case`` (in the kernel) and return the case's evidence.

    The record has ``digest`` and ``label``, then exactly one of ``output`` (the encoded
    value :meth:`Exercise.call` returned), ``raised`` (``[exception class, message]``) or
    ``called_reference`` (the reference function's name); and ``mutated`` (paths of the
    arguments changed in place, for exercises that must not).
    """
    rec: dict[str, Any] = {"digest": case_digest(case), "label": case.label}
    before = _MISSING if ex.may_mutate else _snapshot((case.args, case.kwargs))
    try:
        # floating-point warnings would go to stderr, which nbgrader scores as a failure:
        # the values are judged (a NaN or inf is named), not the warnings
        refs = forbidden(ex)  # no profiler at all when nothing is forbidden (it slows the call)
        watch = checks.forbid(*refs, exercise=ex.name) if refs else contextlib.nullcontext()
        with replaced_globals(fn, dict(ex.upstream)), np.errstate(all="ignore"), \
                warnings.catch_warnings(), watch:
            warnings.simplefilter("ignore")
            out = ex.call(fn, case)
    except checks.CalledReference as e:
        rec["called_reference"] = str(e)
        return rec
    except Exception as e:  # the student's error is evidence, not a crash of the test
        rec["raised"] = [type(e).__name__, str(e)[:2000]]
        return rec
    rec["output"] = encode(out)
    if before is not _MISSING:
        rec["mutated"] = [p.replace("[0]", "args", 1) if p.startswith("[0]") else
                          p.replace("[1]", "kwargs", 1) for p in _changed(before, (case.args, case.kwargs))]
    return rec


def judge_record(ex: Exercise, case: Case, rec: dict) -> str | None:
    """Judge one case's evidence record; raise :class:`Wrong` with the diagnosis.

    Returns the checker's note for the ✔ line (or None).
    """
    if "called_reference" in rec:
        raise Wrong(str(rec["called_reference"]))
    if "raised" in rec:
        ename, message = (list(rec["raised"]) + ["", ""])[:2]
        if ename == "NotImplementedError":
            raise Wrong(f"{ex.name} is not written yet (it raises NotImplementedError): "
                        f"replace `raise NotImplementedError()` by your code")
        raise Wrong(ex.explain_error(case, str(ename), str(message))
                    or f"your function raised {ename}: {message}")
    if "output" not in rec:
        raise Wrong("no result was recorded for this case")
    mutated = rec.get("mutated") or []
    if mutated:
        raise Wrong(f"your function changed its argument {mutated[0]} in place (the caller's "
                    f"array). Compute new arrays instead of writing into the inputs.")
    try:
        output = decode(rec["output"])
    except EvidenceError as e:
        raise Wrong(f"the recorded result cannot be read ({e})") from None
    if output is None:
        raise Wrong(f"{ex.name} returned None. Did you forget `return`?")
    try:
        return ex.judge(case, output)
    except Wrong:
        raise
    except AssertionError as e:
        raise Wrong(str(e)) from None
    except Exception as e:  # an output of a form the checker did not foresee: fail closed
        raise Wrong(f"your result could not be judged ({type(e).__name__}: {e}); check the "
                    f"type and shape of what your function returns") from None


def _fail(ex: Exercise, i: int, case: Case, message: str) -> Wrong:
    return Wrong(f"{ex.name}, case {i + 1} ({case.label}): {message}")


def check(name: str, fn: Callable) -> None:
    """The visible test of exercise ``name``: run the fixed cases on ``fn``, judge them here,
    print a ✔ line per case.

    Raises:
        NotImplementedError: ``fn`` is still the release's stub.
        AssertionError: with the diagnosis of the first failing case.
    """
    ex = get(name)
    for i, case in enumerate(ex.fixed_cases()):
        rec = run_case(ex, fn, case)
        if (rec.get("raised") or [""])[0] == "NotImplementedError":
            raise NotImplementedError(f"{name} is not written yet: replace "
                                      f"`raise NotImplementedError()` by your code")
        try:
            note = judge_record(ex, case, rec)
        except Wrong as e:  # a plain AssertionError: what the student sees is the message
            raise AssertionError(str(_fail(ex, i, case, str(e)))) from None
        checks.passed(f"{name}: {case.label}" + (f" ({note})" if note else ""))


def collect(name: str, fn: Callable, student: str | None = None) -> dict:
    """The evidence document of exercise ``name`` for ``fn``: every case's record
    (fixed, then ``student``'s hidden ones; default: the running student's id)."""
    ex = get(name)
    student = checks.student_id() if student is None else student
    return {"exercise": name, "version": VERSION, "student": student,
            "cases": [run_case(ex, fn, c) for c in all_cases(ex, student)]}


def record(name: str, fn: Callable) -> None:
    """The hidden block of exercise ``name``: emit :func:`collect`'s document as one display
    output of MIME type :data:`~.evidence.MIME` (outside a kernel, it is printed as JSON)."""
    doc = collect(name, fn)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover (ipykernel is a dependency)
        get_ipython = lambda: None  # noqa: E731
    if get_ipython() is not None:
        display({MIME: doc}, raw=True)
    else:
        import json
        print(json.dumps(doc))


@dataclass
class Verdict:
    """The trusted judgment of one test cell: ``passed``; ``message`` (the diagnosis, or a
    summary when passed); ``cases``: how many cases were judged."""

    passed: bool
    message: str
    cases: int = 0


def judge_evidence(ex: Exercise, student: str, doc: Any) -> Verdict:
    """Judge the evidence document ``doc`` that a kernel emitted for ``ex`` and ``student``.

    The cases are regenerated here from ``student``; evidence for other inputs (another
    student, other cases), for another exercise, or missing/unreadable, fails.
    """
    if not isinstance(doc, dict) or doc.get("exercise") != ex.name:
        got = doc.get("exercise") if isinstance(doc, dict) else type(doc).__name__
        return Verdict(False, f"the test cell recorded evidence for {got!r}, not for {ex.name!r}")
    if doc.get("version") != VERSION:
        return Verdict(False, f"evidence of version {doc.get('version')!r}; expected {VERSION}")
    records = doc.get("cases")
    cases = all_cases(ex, student)
    if not isinstance(records, list) or len(records) != len(cases):
        n = len(records) if isinstance(records, list) else "no"
        return Verdict(False, f"the test cell recorded {n} case(s); {len(cases)} were expected "
                              f"(was the notebook run for another student, or the test cell edited?)")
    for i, (case, rec) in enumerate(zip(cases, records)):
        if not isinstance(rec, dict) or rec.get("digest") != case_digest(case):
            return Verdict(False, f"{ex.name}, case {i + 1}: the recorded result is for other "
                                  f"inputs than this student's case ({case.label})", i)
        try:
            judge_record(ex, case, rec)
        except Wrong as e:
            return Verdict(False, str(_fail(ex, i, case, str(e))), i + 1)
    return Verdict(True, f"{ex.name}: all {len(cases)} cases correct", len(cases))
