"""Checkers of notebook 01-adaptive-basis beyond the generic grader tests.

- stability: the naive logistic loss (and an exponent clipped at 700) fails on the hidden cases
  alone for EVERY student, not only for students whose draw has a large negative margin;
- model_output: a sum over the examples that runs when N = M fails on the hidden cases of
  every student; the mean over the basis functions is named;
- the visible test refuses a call of the reference: no ✔ line is printed for it;
- two students get different hidden cases;
- the widget cell runs on its own after the setup cell and the solution cells (no NameError).
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


@pytest.mark.parametrize("name", ["phi", "model_output", "logistic_loss"])
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
