"""What a checker is: an :class:`Exercise` with its cases, how to call the answer, how to judge.

A checker is split in two so that the decision can be taken outside the student's kernel:

- :meth:`Exercise.fixed_cases` and :meth:`Exercise.cases` make the inputs (:class:`Case`):
  the small fixed ones of the visible test, and the student's own randomized ones, drawn from
  a generator seeded by the student's id (always including the stress cases);
- :meth:`Exercise.call` calls the student's function on one case *in the kernel* and returns
  what it produced (plain data: arrays, numbers, lists; it becomes the evidence);
- :meth:`Exercise.judge` decides, from the case and that output alone, with expected values
  and named wrong variants computed from ``nnlib``; it raises :class:`Wrong` with the
  diagnosis. It runs in the kernel for the visible test and in the instructor's process
  (``course.judge``) for the grade.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

import numpy as np

__all__ = ["Case", "Exercise", "Wrong"]


class Wrong(AssertionError):
    """The answer is wrong; the message is the diagnosis shown to the student."""


@dataclass
class Case:
    """One input of an exercise.

    ``label``: how the case is named in messages (e.g. ``"N=3, D=2, M=4, tanh"``);
    ``args``/``kwargs``: what the student's function is called with; ``data``: anything else
    the judge needs (seeds, settings), never passed to the student. ``args`` and ``kwargs``
    are hashed into the case's digest, so they must be made deterministically from the rng.
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)


class Exercise:
    """Base class of a checker; subclass once per exercise and register the instance.

    Class attributes:

    - ``name``: the grade_id of the solution cell (and the function's name), e.g. ``"phi"``;
    - ``assignment``: the assignment id, e.g. ``"01-adaptive-basis"``;
    - ``test_cell``: the grade_id of the test cell judged (default ``"test_" + name``);
    - ``references``: nnlib functions that are this exercise's reference implementation:
      a call of one of them while the student's function runs fails the case;
    - ``upstream``: ``{global name: reference function}`` for earlier exercises the function
      uses; during the call those names of the student's namespace point to the reference,
      so one mistake costs points once (the namespace is restored afterwards);
    - ``may_mutate``: whether the function is meant to change its arguments in place
      (otherwise changing a caller's array is a failure);
    - ``test_students``: how many students' cases the fast tests try on the solution.
    """

    name: ClassVar[str] = ""
    assignment: ClassVar[str] = ""
    test_cell: ClassVar[str] = ""
    references: ClassVar[tuple[Callable, ...]] = ()
    upstream: ClassVar[dict[str, Callable]] = {}
    may_mutate: ClassVar[bool] = False
    # how many students' hidden cases the fast tests try (fewer for checkers that train)
    test_students: ClassVar[int] = 20

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.name and not cls.test_cell:
            cls.test_cell = f"test_{cls.name}"

    # --- the inputs ------------------------------------------------------------------
    def fixed_cases(self) -> list[Case]:
        """The visible test's cases: small, fixed, checkable by hand."""
        raise NotImplementedError

    def cases(self, rng: np.random.Generator) -> list[Case]:
        """The hidden cases drawn from the student's generator ``rng`` (stress cases included)."""
        raise NotImplementedError

    # --- the call, in the kernel -----------------------------------------------------
    def call(self, fn: Callable, case: Case) -> Any:
        """Call the student's ``fn`` on ``case`` and return what the judge needs (plain data).

        Default: ``fn(*case.args, **case.kwargs)``. Override for answers that are objects
        (return their arrays) or for exercises that need several calls (reproducibility).
        """
        return fn(*case.args, **case.kwargs)

    # --- the decision ----------------------------------------------------------------
    def judge(self, case: Case, output: Any) -> str | None:
        """Decide one case from its output; raise :class:`Wrong` (or ``AssertionError``, e.g.
        from :mod:`nnlib.checks`) with the diagnosis. May return a short note for the ✔ line.

        ``output`` is what :meth:`call` returned, after a round trip through the evidence
        (tuples and lists, numpy arrays, Python numbers; objects as ``Opaque``)."""
        raise NotImplementedError

    def explain_error(self, case: Case, error: str, message: str) -> str | None:
        """A diagnosis for the student's function raising ``error`` (the exception's class
        name) with ``message`` on ``case``, or None for the generic one."""
        return None

    def __repr__(self):
        return f"<checker {self.assignment}/{self.name}>"
