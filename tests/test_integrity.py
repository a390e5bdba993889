"""Integrity checks: every tamper pattern is flagged, what the course needs is not; copies of
the reference and shared answers are found; the sample class raises no flag."""
from __future__ import annotations

import copy
import inspect
import re

import nbformat
import pytest
from graderkit import REPO, answer_modules, assignment_ids, mistakes, source_notebook

from course.integrity import answer_cells, check_class
from course.integrity.scan import reference_names, scan_submission, scan_source
from course.integrity.similarity import reference_copies, reference_source
from course.submission import cells_by_grade_id, student_submission
from nnlib import graders

AID = "01-adaptive-basis"
IDS = assignment_ids()


def release(aid=AID):
    return nbformat.read(REPO / "notebooks" / aid / f"{aid}.ipynb", as_version=4)


def submission(aid=AID, answers=None):
    """The release with the solution's answers, some replaced by ``answers``."""
    return student_submission(release(aid), source_notebook(aid), answers or {})


PHI = "def phi(X, U, a, h):\n    return h(X @ U.T + a)\n"

TAMPER = {
    "module-patch": [PHI + "nnlib.checks.check_array = lambda *a, **k: 0.0\n",
                     PHI + "np.allclose = lambda *a, **k: True\n",
                     PHI + "setattr(checks, 'check_array', print)\n",
                     PHI + "import nnlib.graders.runner as r\nr.judge_record = None\n"],
    "introspection": [PHI + "import sys\nsys.modules['nnlib.checks'] = None\n",
                      PHI + "import builtins\n",
                      PHI + "import inspect\n",
                      PHI + "phi.__globals__['np'] = None\n",
                      PHI + "code = phi.__code__\n",
                      PHI + "import gc\n",
                      PHI + "import importlib\n"],
    "dynamic-code": [PHI + "exec('x = 1')\n", PHI + "eval('1')\n", PHI + "compile('1', 'f', 'eval')\n"],
    "tracing": [PHI + "import sys\nsys.setprofile(None)\n", PHI + "import sys\nsys.settrace(None)\n",
                PHI + "import sys\nsys.addaudithook(print)\n"],
    "ipython-hook": [PHI + "get_ipython().input_transformers_post.append(lambda l: [])\n"],
    "file-access": [PHI + "text = open('../../solutions/01-adaptive-basis/01-adaptive-basis.ipynb').read()\n",
                    PHI + "from pathlib import Path\n",
                    PHI + "w = np.load('weights.npy')\n"],
    "process": [PHI + "import os\n", PHI + "import subprocess\n", PHI + "import ctypes\n",
                PHI + "import signal\n", PHI + "import sys\nsys.exit(0)\n",
                PHI + "import threading\n", PHI + "import multiprocessing\n"],
    "fake-number": ["class Anything:\n    def __eq__(self, other):\n        return True\n"
                    "    def __array__(self, dtype=None):\n        return np.zeros(1)\n" + PHI,
                    "class F(float):\n    def __float__(self):\n        return 0.0\n" + PHI],
    "other-library": [PHI + "import torch\n", PHI + "from sklearn.neural_network import MLPClassifier\n",
                      PHI + "import tensorflow as tf\n"],
    "reference": ["def phi(X, U, a, h):\n    return nnlib.network.dense(X, U, a, h)[1]\n",
                  "from nnlib.network import dense\ndef phi(X, U, a, h):\n    return dense(X, U, a, h)[1]\n",
                  "def phi(X, U, a, h):\n    return nnlib.dense(X, U, a, h)[1]\n"],
}

ALLOWED = [
    PHI + "rng = np.random.default_rng(0)\nx = rng.normal(size=3)\n",
    PHI + "import time\nt0 = time.perf_counter()\n",
    PHI + "import math\nimport functools\nimport itertools\nfrom collections import defaultdict\n",
    PHI + "class Layer:\n    def __init__(self, W):\n        self.W = W\n",
    "def phi(X, U, a, h):\n    Z = np.einsum('nd,md->nm', X, U)\n    Z += a\n    return h(Z)\n",
    PHI + "fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.close(fig)\n",
    PHI + "checks_ok = True\nnp_version = np.__version__\n",
]


def _scan(answer, aid=AID, cell="phi"):
    refs = {ex.name: reference_names(ex.references) for ex in graders.exercises(aid)}
    return scan_submission(submission(aid, {cell: answer}), release(aid), refs)


@pytest.mark.parametrize("kind, source", [pytest.param(k, s, id=f"{k}-{i}")
                                          for k, ss in TAMPER.items() for i, s in enumerate(ss)])
def test_tamper_pattern_is_flagged_with_cell_line_and_kind(kind, source):
    found = _scan(source)
    assert any(f.kind == kind for f in found), f"not flagged as {kind}: {source!r}\nfound: {found}"
    f = next(f for f in found if f.kind == kind)
    assert f.cell == "phi" and f.line >= 1 and f.message


@pytest.mark.parametrize("source", ALLOWED)
def test_what_the_course_needs_is_not_flagged(source):
    assert _scan(source) == []


def test_a_cell_added_by_the_student_is_scanned_too():
    nb = submission()
    nb.cells.insert(3, nbformat.v4.new_code_cell("import nnlib.checks\nnnlib.checks.passed = print"))
    found = scan_submission(nb, release())
    assert [f.kind for f in found] == ["module-patch"] and found[0].cell == "#4"


def test_a_cell_that_does_not_parse_is_reported():
    assert [f.kind for f in _scan("def phi(X, U, a, h)\n    return 1\n")] == ["syntax"]


@pytest.mark.parametrize("change, expected", [
    (lambda m: m.update(points=100), "points"),
    (lambda m: m.update(grade=False), "grade"),
    (lambda m: m.update(locked=False), "locked"),
    (lambda m: m.update(grade_id="test_mine"), "does not have"),
])
def test_changed_nbgrader_metadata_is_flagged(change, expected):
    nb = submission()
    change(cells_by_grade_id(nb)["test_phi"].metadata["nbgrader"])
    found = [f for f in scan_submission(nb, release()) if f.kind == "metadata"]
    assert found and expected in found[0].message


def test_pasted_nnlib_source_with_renamed_names_is_a_copy_of_the_reference():
    src = inspect.getsource(__import__("nnlib").network.backward)
    src = re.sub(r'""".*?"""', '"""My backward pass."""', src, flags=re.S)
    for old, new in (("delta", "d"), ("hidden", "acts"), ("fp", "cache"), ("dW", "gw"), ("db", "gb")):
        src = src.replace(old, new)
    copies = reference_copies({"backward": src}, {"backward": reference_source([__import__("nnlib").network.backward])})
    assert copies.get("backward", 0) >= 0.9


def _independent_answers():
    for mod in answer_modules():
        for name, sources in mod.RIGHT.items():
            for i, src in enumerate(sources):
                yield pytest.param(name, src, id=f"{name}-{i}")


@pytest.mark.parametrize("name, source", list(_independent_answers()))
def test_independently_written_correct_answers_are_not_flagged(name, source):
    ex = graders.get(name)
    found = scan_source(source, name, {"np": "numpy", "nnlib": "nnlib"}, {"numpy", "nnlib"},
                        reference_names(ex.references))
    assert found == [], found
    copies = reference_copies({name: source}, {name: reference_source(ex.references)})
    assert copies == {}, f"an independent {name} is flagged as a copy of the reference"


def _distinct_answer(name):
    """A correct answer in a style no sample student uses (the first RIGHT answer)."""
    for mod in answer_modules():
        if mod.RIGHT.get(name):
            return mod.RIGHT[name][0]
    raise LookupError(name)


def test_two_students_sharing_a_renamed_answer_are_paired():
    aid = "01-adaptive-basis"
    names = [ex.name for ex in graders.exercises(aid)]
    shared = {n: _distinct_answer(n) for n in names}
    renamed = {n: re.sub(r"\b(out|Z|n|j)\b", lambda m: m.group(1).upper() + "_r", s) for n, s in shared.items()}
    subs = {s: submission(aid) for s in ("ann", "bob", "cy", "dee", "eve", "fox")}
    subs["ann"] = submission(aid, shared)
    subs["bob"] = submission(aid, renamed)
    flags = check_class(aid, subs, release(aid))
    assert [p[0] for p in flags["ann"].pairs] == ["bob"], flags["ann"].pairs
    assert [p[0] for p in flags["bob"].pairs] == ["ann"]
    assert all(not flags[s].pairs for s in ("cy", "dee", "eve", "fox"))
    assert flags["ann"].pairs[0][3], "the shared lines are listed"


def _calls_reference(m):
    """A sample mistake that is a call of the reference (its `why` says so): a true flag."""
    return "reference" in m.why.lower() and "nnlib" in m.replace


def test_sample_class_and_every_mistake_raise_no_false_flag():
    for aid in IDS:
        rel, src = release(aid), source_notebook(aid)
        subs = {"reference": student_submission(rel, src), "blank": copy.deepcopy(rel)}
        by_student = {m.student: m for m in mistakes(aid)}
        for m in by_student.values():
            subs[m.student] = student_submission(rel, src, {m.cell: m.apply(src)})
        flags = check_class(aid, subs, rel)
        false = {}
        for student, f in flags.items():
            m = by_student.get(student)
            if m is not None and _calls_reference(m):
                kinds = {line.rsplit("[", 1)[-1].rstrip("]") for line in f.findings}
                if kinds != {"reference"} or f.copies or f.pairs:
                    false[student] = f.lines() or ["(the call of the reference is not flagged)"]
            elif f:
                false[student] = f.lines()
        assert not false, f"{aid}: false flags: {false}"


def test_answer_cells_are_the_solution_cells():
    cells = answer_cells(submission())
    assert set(cells) == {ex.name for ex in graders.exercises(AID)} | set(cells)
    assert "phi" in cells and "return h(X @ U.T + a)" in cells["phi"]


def _kinds(flags):
    kinds = {line.rsplit("[", 1)[-1].rstrip("]") for line in flags.findings}
    return kinds | ({"copy"} if flags.copies else set()) | ({"pair"} if flags.pairs else set())


def test_every_sample_cheat_is_flagged_as_it_says():
    from course.sample_class import load_cheats

    cheats = load_cheats(REPO)
    assert cheats, "the sample class has no cheats"
    for aid in sorted({c.assignment for c in cheats}):
        rel, src = release(aid), source_notebook(aid)
        subs = {"reference": student_submission(rel, src), "blank": copy.deepcopy(rel)}
        subs.update({m.student: student_submission(rel, src, {m.cell: m.apply(src)})
                     for m in mistakes(aid)})
        subs.update({c.student: c.notebook(rel, src) for c in cheats if c.assignment == aid})
        flags = check_class(aid, subs, rel)
        assert not flags["reference"], flags["reference"].lines()
        for c in cheats:
            if c.assignment == aid:
                missing = set(c.flags) - _kinds(flags[c.student])
                assert not missing, (f"{aid}/{c.student} ({c.how}): not flagged as {missing}; "
                                     f"flags: {flags[c.student].lines()}")
