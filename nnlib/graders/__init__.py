"""The course's graders as code: one checker per exercise, judged outside the student's kernel.

Why here: the visible test runs in the student's kernel, so the checkers must be importable
wherever ``nnlib`` is; they depend on ``nnlib`` and numpy only (no nbgrader). The trusted side
(the nbgrader preprocessor that turns evidence into grades) is ``course.judge``.

- :mod:`.base`: :class:`Exercise` (cases, call, judge), :class:`Case`, :class:`Wrong`;
- :mod:`.evidence`: the pickle-free encoding of results, and the case digest;
- :mod:`.runner`: :func:`check` (visible test), :func:`record` (hidden block),
  :func:`judge_evidence` (the trusted decision);
- :mod:`.common`: pieces shared by checkers (comparisons, adapters, statistics);
- :mod:`.registry`: the checkers by name and test cell;
- one topic module per notebook (``basis``, ``xor``, ``forward``, ``backprop``, ``deltas``,
  ``zoo``, ``initialization``, ``sgd``, ``optimizers``, ``autodiff``), each documenting what it
  checks, on which cases, and which mistakes it names.

A test cell is two lines::

    check("phi", phi)
    ### BEGIN HIDDEN TESTS
    record("phi", phi)
    ### END HIDDEN TESTS
"""
from .base import Case, Exercise, Wrong
from .registry import exercises, for_test_cell, get, register
from .runner import Verdict, check, collect, judge_evidence, record

__all__ = ["Case", "Exercise", "Wrong", "register", "get", "for_test_cell", "exercises",
           "check", "record", "collect", "judge_evidence", "Verdict"]
