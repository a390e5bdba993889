"""Checkers of notebook 08-optimizers, beyond the generic tests of test_graders_unit.py.

What is proved here: every student's hidden cases contain what makes the typical mistakes
visible (measured on the inputs, not read from the checker): a rotated, ill-conditioned H;
optimizer state that is not zero; an eps large enough that its place matters; Adam steps
after the first; several layers; cases with and without weight decay. Each such mistake then
fails for EVERY student. And a student who is stuck still sees the figures: the release
notebook, run with nothing written, draws them with the reference and says so.
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
import numpy as np
import pytest
from answers import optimizers as answers
from graderkit import define, hidden_failure, hidden_cases

from nnlib import graders

AID = "08-optimizers"
REPO = Path(__file__).resolve().parent.parent
STUDENTS = [f"student-{k:03d}" for k in range(20)]



def test_every_student_gets_rotated_ill_conditioned_matrices():
    for student in STUDENTS:
        Hs = [c.args[0] for c in hidden_cases("max_stable_learning_rate", student)]
        rotated = [H for H in Hs if np.abs(H - np.diag(np.diag(H))).max() > 1e-3 * np.abs(H).max()]
        assert rotated, f"{student}: every H is diagonal"
        cond = max(np.linalg.cond(H) for H in rotated)
        assert cond > 10, f"{student}: condition numbers only up to {cond:.1f}"


@pytest.mark.parametrize("name, state", [("rmsprop_step", 2), ("adam_step", 4)])
def test_every_student_gets_the_cases_that_show_the_mistakes(name, state):
    for student in STUDENTS:
        cases = hidden_cases(name, student)
        depths = {len(c.args[0]) - 1 for c in cases}
        assert max(depths) >= 2, f"{student}: only one-layer networks"
        assert all(np.abs(c.args[4 + k][1]).min() > 0 for c in cases for k in range(state)), \
            f"{student}: some optimizer state starts at zero"
        decays = [c.args[-1] for c in cases]
        assert 0.0 in decays and max(decays) > 0, f"{student}: weight decay {decays}"
        eps = [c.args[-2] for c in cases]
        assert max(eps) >= 1e-2, f"{student}: eps only up to {max(eps):g}"
        if name == "adam_step":
            assert max(c.args[8] for c in cases) > 1, f"{student}: only first steps"


MISTAKES = {
    "eps inside the square root": ("rmsprop_step", "W[l] -= learning_rate * gW / (np.sqrt(sW[l]) + eps)",
                                   "W[l] -= learning_rate * gW / np.sqrt(sW[l] + eps)"),
    "no bias correction": ("adam_step", "theta -= learning_rate * (m / c1) / (np.sqrt(v / c2) + eps)",
                           "theta -= learning_rate * m / (np.sqrt(v) + eps)"),
    "the moments were not updated in place": ("adam_step", "m *= beta1\n            m += (1 - beta1) * g",
                                              "m = beta1 * m + (1 - beta1) * g"),
}


def _solution_source(name):
    nb = nbformat.read(REPO / "solutions" / AID / f"{AID}.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == name)


@pytest.mark.parametrize("diagnosis", sorted(MISTAKES))
def test_the_mistake_fails_the_hidden_cases_of_every_student_and_is_named(diagnosis):
    name, find, replace = MISTAKES[diagnosis]
    source = _solution_source(name)
    assert source.count(find) == 1
    fn = define(AID, source.replace(find, replace), name)
    for student in STUDENTS[:8]:
        message = hidden_failure(name, fn, student)
        assert message is not None, f"{student}: '{diagnosis}' passes the hidden cases"
        assert diagnosis in message, f"{student}: not named: {message}"


def test_right_answers_of_other_styles_are_in_the_answer_module():
    assert set(answers.RIGHT) == {"max_stable_learning_rate", "rmsprop_step", "adam_step"}


@pytest.mark.slow
def test_a_stuck_student_still_sees_every_figure_drawn_with_the_reference(tmp_path):
    """The release, run to the end with nothing written (as nbgrader does, errors allowed)."""
    from nbclient import NotebookClient

    nb = nbformat.read(REPO / "notebooks" / AID / f"{AID}.ipynb", as_version=4)
    env = dict(os.environ, NBGRADER_EXECUTION="autograde")
    old = os.environ.copy()
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.get("outputs", []))
    text = "\n".join(str(o.get("data", {}).get("text/html", "")) + o.get("text", "")
                     for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    errors = [o["ename"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert images == 4, f"{images} figures drawn of 4"
    for name in ("max_stable_learning_rate", "rmsprop_step", "adam_step", "decayed_bias"):
        assert f"your <code>{name}</code> is not written yet" in text, f"no banner for {name}"
    assert "graded run: this demo uses 2 instead of 8" in text
    assert errors == ["NotImplementedError"] * 4, errors   # the four test cells, nothing else
