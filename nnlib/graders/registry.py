"""The checkers of the course, by exercise name and by test cell.

Each topic module (``nnlib/graders/<topic>.py``) decorates its :class:`~.base.Exercise`
subclasses with :func:`register`; :func:`get` and :func:`for_test_cell` import the topic
modules on first use.
"""
from __future__ import annotations

import importlib

from .base import Exercise

__all__ = ["TOPICS", "register", "get", "for_test_cell", "exercises", "UnknownExercise"]

# one module per notebook (05 has two: its output deltas and its activation zoo), in the order of the course
TOPICS = ("basis", "xor", "forward", "backprop", "deltas", "zoo", "initialization", "sgd", "optimizers", "autodiff")

_BY_NAME: dict[str, Exercise] = {}
_loaded = False


class UnknownExercise(KeyError):
    """No checker is registered under that name."""


def register(cls: type[Exercise]) -> type[Exercise]:
    """Class decorator: register one instance of ``cls`` under ``cls.name``.

    Raises:
        ValueError: ``name``/``assignment`` missing, or the name is taken by another checker.
    """
    if not cls.name or not cls.assignment:
        raise ValueError(f"{cls.__name__}: a checker needs `name` and `assignment`")
    other = _BY_NAME.get(cls.name)
    if other is not None and type(other).__qualname__ != cls.__qualname__:
        raise ValueError(f"two checkers for exercise {cls.name!r}: {type(other).__name__} and {cls.__name__}")
    _BY_NAME[cls.name] = cls()
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for topic in TOPICS:
        try:
            importlib.import_module(f"{__package__}.{topic}")
        except ModuleNotFoundError as e:  # a topic not written yet; any other error surfaces
            if e.name != f"{__package__}.{topic}":
                raise
    _loaded = True


def get(name: str) -> Exercise:
    """The checker of exercise ``name`` (the solution cell's grade_id).

    Raises:
        UnknownExercise: no checker has that name.
    """
    _load()
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownExercise(f"no checker for exercise {name!r}; known: "
                              f"{', '.join(sorted(_BY_NAME)) or 'none'}") from None


def for_test_cell(assignment: str, grade_id: str) -> Exercise | None:
    """The checker that judges test cell ``grade_id`` of ``assignment``, or None."""
    _load()
    for ex in _BY_NAME.values():
        if ex.assignment == assignment and ex.test_cell == grade_id:
            return ex
    return None


def exercises(assignment: str | None = None) -> list[Exercise]:
    """Every registered checker (of ``assignment`` only, when given), sorted by name."""
    _load()
    return sorted((ex for ex in _BY_NAME.values()
                   if assignment is None or ex.assignment == assignment), key=lambda e: e.name)
