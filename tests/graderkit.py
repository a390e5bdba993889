"""Helpers of the fast grader tests: solutions and mistakes as plain functions, and verdicts.

The checkers (``nnlib.graders``) are tested without a kernel or nbgrader: the solution cells
of ``solutions/<id>/<id>.ipynb`` are executed into a namespace (after the notebook's setup
cell), a function from it is run through the same steps as in grading (evidence collected,
sent through JSON, judged by ``judge_evidence``), and the verdict is looked at. Not a test
module.
"""
from __future__ import annotations

import functools
import importlib
import json
from pathlib import Path

import nbformat

from course.mistakes import load_mistakes
from course.submission import nbgrader_meta, strip_solution_markers
from nnlib import graders
from nnlib.graders.runner import collect


REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
MISTAKES = REPO / "course" / "sample" / "mistakes"


@functools.lru_cache(maxsize=None)
def source_notebook(aid: str):
    return nbformat.read(SOLUTIONS / aid / f"{aid}.ipynb", as_version=4)


def _setup_source(nb) -> str:
    """The notebook's first code cell (its imports), without IPython magics."""
    first = next(c for c in nb.cells if c.cell_type == "code")
    return "\n".join(line for line in first.source.split("\n") if not line.lstrip().startswith("%"))


def namespace(aid: str, patches: dict[str, str] | None = None) -> dict:
    """The globals of notebook ``aid`` after its setup cell and every solution cell
    (markers stripped; ``patches``: ``grade_id -> replacement source``)."""
    nb = source_notebook(aid)
    ns: dict = {"__name__": f"solution_{aid.replace('-', '_')}"}
    exec(compile(_setup_source(nb), f"<{aid} setup>", "exec"), ns)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("solution"):
            text = (patches or {}).get(meta["grade_id"], cell.source)
            exec(compile(strip_solution_markers(text), f"<{aid} {meta['grade_id']}>", "exec"), ns)
    return ns


def define(aid: str, source: str, name: str):
    """Function ``name`` defined by ``source`` in notebook ``aid``'s solution namespace (so that
    it may call the solution's other functions)."""
    ns = namespace(aid)
    exec(compile(source, f"<answer {name}>", "exec"), ns)
    return ns[name]


def verdict(name: str, fn, student: str = "kit-student") -> graders.Verdict:
    """The trusted verdict on ``fn`` for ``student``: evidence collected as in the kernel,
    sent through JSON as in a notebook, judged as in ``course.judge``."""
    doc = json.loads(json.dumps(collect(name, fn, student)))
    return graders.judge_evidence(graders.get(name), student, doc)


def mistakes(aid: str):
    """The sample mistakes of ``aid`` (``course/sample/mistakes/<id>.toml``), validated."""
    path = MISTAKES / f"{aid}.toml"
    return load_mistakes(path, source_notebook(aid)) if path.is_file() else []


def assignment_ids() -> list[str]:
    return sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file())


def answer_modules():
    """``tests/answers/<topic>.py`` modules: ``RIGHT`` (exercise -> list of correct sources
    written differently) and ``WRONG`` (list of ``(exercise, source, text the diagnosis must
    contain)``)."""
    out = []
    for path in sorted((Path(__file__).parent / "answers").glob("*.py")):
        if path.stem.startswith("_"):
            continue
        out.append(importlib.import_module(f"answers.{path.stem}"))
    return out


def hidden_failure(name: str, fn, student: str) -> str | None:
    """The diagnosis of the first of ``student``'s hidden cases of ``name`` that ``fn`` fails,
    or None when it passes them all (the visible cases are not tried)."""
    from nnlib.checks import seeded_rng
    from nnlib.graders.base import Wrong
    from nnlib.graders.runner import judge_record, run_case

    ex = graders.get(name)
    for case in ex.cases(seeded_rng(student, name)):
        try:
            judge_record(ex, case, run_case(ex, fn, case))
        except Wrong as e:
            return str(e)
    return None


def with_mistake(aid: str, student: str):
    """``(namespace, mistake)``: notebook ``aid``'s solution with ``student``'s sample mistake."""
    m = next(m for m in mistakes(aid) if m.student == student)
    return namespace(aid, {m.cell: m.apply(source_notebook(aid))}), m


def wrong_answer(name: str, named: str) -> str:
    """The source of the wrong answer to ``name`` in ``tests/answers`` whose diagnosis must
    contain ``named`` (so topic tests use the written answers instead of copies)."""
    for mod in answer_modules():
        for exercise, source, expected in mod.WRONG:
            if exercise == name and expected == named:
                return source
    raise LookupError(f"no wrong answer to {name} named {named!r} in tests/answers")


def hidden_cases(name: str, student: str) -> list:
    """The hidden cases exercise ``name`` draws for ``student`` (as when grading)."""
    from nnlib.checks import seeded_rng

    ex = graders.get(name)
    return list(ex.cases(seeded_rng(student, ex.name)))
