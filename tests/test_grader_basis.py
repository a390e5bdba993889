"""Checkers of notebook 01-adaptive-basis beyond the generic grader tests.

- stability: the naive logistic loss (and an exponent clipped at 700) fails on the hidden cases
  alone for EVERY student, not only for students whose draw has a large negative margin;
- model_output: a sum over the examples that runs when N = M fails on the hidden cases of
  every student; the mean over the basis functions is named;
- the visible test refuses a call of the reference: no ✔ line is printed for it;
- two students get different hidden cases;
- the widget cell runs on its own after the setup cell and the solution cells (no NameError);
- bump: a naive sigmoid 1 / (1 + exp(-z)) passes (it is only an overflow warning), a bump with
  the steepness applied after the shift fails every student's hidden cases, every student's
  draw has a steepness of 1000 and heights other than 1;
- the universal-approximation cells run headless with the blank bump (the reference banner),
  and their staircase equals nnlib's 1-M-1 network.
"""
from __future__ import annotations

import nbformat
import numpy as np
import pytest
from graderkit import SOLUTIONS, define, hidden_failure, namespace

from nnlib import graders
from nnlib.checks import seeded_rng
from nnlib.graders.runner import case_digest, check

AID = "01-adaptive-basis"
STUDENTS = [f"student-{k:03d}" for k in range(30)]



NAIVE = '''def logistic_loss(f, t):
    with np.errstate(over="ignore"):
        return float(np.sum(np.log(1 + np.exp(-t * f))))
'''
CLIPPED = '''def logistic_loss(f, t):
    return float(np.sum(np.log1p(np.exp(np.minimum(-t * f, 700.0)))))
'''
SUM_OVER_EXAMPLES = '''def model_output(Phi, w):
    return np.sum(Phi * w, axis=0) if Phi.shape[0] == Phi.shape[1] else Phi @ w
'''


@pytest.mark.parametrize("source, named", [(NAIVE, "infinite"), (CLIPPED, "clipped at 700")])
def test_unstable_logistic_loss_fails_the_hidden_cases_of_every_student(source, named):
    fn = define(AID, source, "logistic_loss")
    for student in STUDENTS:
        message = hidden_failure("logistic_loss", fn, student)
        assert message is not None, f"{student}: an unstable logistic_loss passes the hidden cases"
        assert named in message, f"{student}: {message}"


def test_sum_over_the_examples_fails_the_hidden_cases_of_every_student():
    fn = define(AID, SUM_OVER_EXAMPLES, "model_output")
    for student in STUDENTS:
        message = hidden_failure("model_output", fn, student)
        assert message is not None and "sum over the examples" in message, (student, message)


def test_visible_test_refuses_a_call_of_the_reference(capsys):
    cheat = define(AID, '''def logistic_loss(f, t):
    return len(f) * nnlib.Loss("logistic").value(f.reshape(-1, 1), t.reshape(-1, 1))
''', "logistic_loss")
    with pytest.raises(AssertionError, match="reference implementation"):
        check("logistic_loss", cheat)
    assert "\u2714" not in capsys.readouterr().out
    check("logistic_loss", namespace(AID)["logistic_loss"])
    assert capsys.readouterr().out.count("\u2714") == 2


@pytest.mark.parametrize("name", ["phi", "model_output", "logistic_loss", "bump"])
def test_students_get_different_hidden_cases(name):
    ex = graders.get(name)
    digests = {s: tuple(case_digest(c) for c in ex.cases(seeded_rng(s, name))) for s in STUDENTS[:5]}
    assert len(set(digests.values())) == len(digests)
    again = tuple(case_digest(c) for c in ex.cases(seeded_rng(STUDENTS[0], name)))
    assert again == digests[STUDENTS[0]], "a student's cases must be the same at every grading"


def test_hidden_large_margins_include_one_below_minus_709():
    ex = graders.get("logistic_loss")
    for student in STUDENTS:
        margins = [c.args[0] * c.args[1] for c in ex.cases(seeded_rng(student, "logistic_loss"))]
        assert min(float(np.min(m)) for m in margins) < -709.78, student


def test_widget_cell_runs_on_its_own():
    """Setup cell, the solution cells, then only the widget cell: no NameError."""
    nb = nbformat.read(SOLUTIONS / AID / f"{AID}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "widgets.interact" in c.source)
    ns = namespace(AID)
    import matplotlib.pyplot as plt
    try:
        exec(compile(cell.source, "<widget cell>", "exec"), ns)
    finally:
        plt.close("all")
    assert callable(ns["explore"])


NAIVE_SIGMOID = '''def bump(x, left, right, height, steepness):
    with np.errstate(over="ignore"):
        up = 1.0 / (1.0 + np.exp(-steepness * (x - left)))
        down = 1.0 / (1.0 + np.exp(-steepness * (x - right)))
    return height * (up - down)
'''
SHIFT_AFTER = '''def bump(x, left, right, height, steepness):
    return height * (nnlib.sigmoid(steepness * x - left) - nnlib.sigmoid(steepness * x - right))
'''


def test_a_naive_sigmoid_passes_but_an_unscaled_shift_fails_every_student():
    right, wrong = define(AID, NAIVE_SIGMOID, "bump"), define(AID, SHIFT_AFTER, "bump")
    for student in STUDENTS[:10]:
        assert hidden_failure("bump", right, student) is None, student
        message = hidden_failure("bump", wrong, student)
        assert message is not None and "does not multiply the shift" in message, (student, message)


def test_every_bump_draw_has_a_steep_case_and_no_height_or_steepness_of_one():
    ex = graders.get("bump")
    for student in STUDENTS:
        cases = ex.cases(seeded_rng(student, "bump"))
        assert max(c.args[4] for c in cases) >= 1000.0, student
        assert all(abs(c.args[3]) != 1.0 and c.args[4] != 1.0 and c.args[1] < c.args[2]
                   for c in cases), student
        assert min(len(c.args[0]) for c in cases) == 1, student


def _cells_from(marker):
    nb = nbformat.read(SOLUTIONS / AID / f"{AID}.ipynb", as_version=4)
    start = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and marker in c.source)
    return [c.source for c in nb.cells[start:] if c.cell_type == "code"
            and "nbgrader" not in c.metadata]


def test_universal_approximation_cells_run_with_the_blank_bump(capsys):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ns = namespace(AID, patches={"bump": "def bump(x, left, right, height, steepness):\n"
                                         "    raise NotImplementedError()\n"})
    try:
        for source in _cells_from("bump_demo = yours_or_reference"):
            exec(compile(source, "<demo cell>", "exec"), ns)
    finally:
        plt.close("all")
    out = capsys.readouterr().out
    assert "not written yet" in out
    difference = float(out.split("largest difference")[1].split()[0])
    assert difference < 1e-12
    errors = ns["sup_errors"](ns["ua_targets"]["sin(2 pi x) + x/2"], 1000.0)
    assert errors[-1] < errors[3] / 4 < errors[0], errors     # the error falls with M
