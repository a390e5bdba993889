"""Checkers of notebook 09-autodiff, beyond the generic tests of test_graders_unit.py.

What is proved here: every student's hidden cases contain what makes the typical mistakes
visible (measured on the inputs, not read from the checker): non-square layers, a batch of one
and a batch as wide as the layer; all three activations; graphs with a node used twice by one
operation and graphs on which a breadth-first sweep gives other gradients; networks of one and
of several layers with both losses. Each sample mistake then fails the hidden cases of EVERY
student and is named there; calling nnlib's own backward sweep fails; and a student who is
stuck still sees every figure and comparison, drawn with the reference.
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
import numpy as np
import pytest
from answers import autodiff as answers
from graderkit import define, hidden_failure, mistakes, namespace, source_notebook, hidden_cases

from nnlib import graders
from nnlib.graders import autodiff as topic

AID = "09-autodiff"
REPO = Path(__file__).resolve().parent.parent
STUDENTS = [f"student-{k:03d}" for k in range(20)]



def test_every_student_gets_the_layers_that_show_the_mistakes():
    for student in STUDENTS:
        shapes = [(G.shape[0], W.shape[0], W.shape[1]) for G, _, W in
                  (c.args for c in hidden_cases("linear_vjp", student))]
        assert any(N == 1 for N, _, _ in shapes), f"{student}: no batch of one"
        assert any(N == n and n != m for N, n, m in shapes), f"{student}: no N = n_l case"
        assert any(n == m for _, n, m in shapes), f"{student}: no square W"
        assert sum(n != m for _, n, m in shapes) >= 3, f"{student}: too few non-square layers"


def test_every_student_gets_every_activation_and_saturation():
    for student in STUDENTS:
        cases = hidden_cases("activation_vjp", student)
        assert {c.args[3] for c in cases} == {"tanh", "sigmoid", "relu"}
        assert max(np.abs(c.args[1]).max() for c in cases if c.args[3] == "tanh") > 3
        assert min(np.abs(c.args[1]).min() for c in cases if c.args[3] == "relu") > 1e-3


def _uses_a_node_twice(spec):
    return any(len(item) == 3 and item[0] != "leaf" and item[1] == item[2] for item in spec)


def test_every_student_gets_graphs_that_need_accumulation_and_the_right_order():
    for student in STUDENTS:
        specs = [c.args[0] for c in hidden_cases("backward_pass", student)]
        assert sum(_uses_a_node_twice(s) for s in specs) >= 3, f"{student}: few nodes used twice"
        right = [topic.simulate(s, None) for s in specs]
        bfs = [topic.simulate(s, "bfs") for s in specs]
        differs = sum(any(not np.allclose(a, b) for a, b in zip(r, w)) for r, w in zip(right, bfs))
        assert differs >= 2, f"{student}: a breadth-first sweep is right on {len(specs) - differs} graphs"
        assert max(len(s) for s in specs) > 100, f"{student}: no long chain"


def test_the_simulated_right_sweep_agrees_with_central_differences():
    """The checker's graphs and its sweep, against numbers from outside autodiff's rules."""
    from nnlib.gradcheck import numerical_gradient, relative_error
    spec = hidden_cases("backward_pass", STUDENTS[0])[0].args[0]
    grads = topic.simulate(spec, None)
    leaves = [i for i, item in enumerate(spec) if item[0] == "leaf"]
    for i in leaves:
        x = np.array(spec[i][1], dtype=float)

        def f(i=i, x=x):
            changed = tuple(("leaf", x) if k == i else item for k, item in enumerate(spec))
            return float(topic.build_graph(changed)[-1].value)
        assert relative_error(grads[i], numerical_gradient(f, x)) < 1e-7


def test_every_student_gets_deep_and_shallow_networks_with_both_losses():
    for student in STUDENTS:
        cases = hidden_cases("mlp_loss", student)
        depths = {len(c.args[2]) - 1 for c in cases}
        assert 1 in depths and max(depths) >= 3, f"{student}: depths {depths}"
        assert {c.args[4] for c in cases if len(c.args[2]) > 2} == {"tanh", "sigmoid", "relu"}
        assert {c.args[5] for c in cases} == {"mse", "softmax_ce"}
        assert any(c.args[0].shape[0] == 1 for c in cases), f"{student}: no batch of one"
        assert any(np.ndim(c.args[1]) == 2 for c in cases if c.args[5] == "softmax_ce")


def _mistake_params():
    return [pytest.param(m.student, id=f"{m.student}-{m.cell}") for m in mistakes(AID)]


@pytest.mark.parametrize("student", _mistake_params())
def test_each_sample_mistake_fails_the_hidden_cases_of_every_student_and_is_named(student):
    m = next(m for m in mistakes(AID) if m.student == student)
    fn = namespace(AID, {m.cell: m.apply(source_notebook(AID))})[m.cell]
    for k in range(6):
        message = hidden_failure(m.cell, fn, STUDENTS[k])
        assert message is not None, f"{STUDENTS[k]}: {m.why} passes the hidden cases"
        if m.cell != "linear_vjp" or "shape" not in m.diagnosis:
            assert m.diagnosis.lower() in message.lower(), f"{STUDENTS[k]}: not named: {message}"


def test_calling_the_reference_sweep_fails():
    for body in ("ad.backward(loss)", "loss.backward()",
                 "order = ad.topological_order(loss)\n    ad.backward(loss)"):
        fn = define(AID, f"def backward_pass(loss):\n    {body}\n", "backward_pass")
        message = hidden_failure("backward_pass", fn, STUDENTS[0])
        assert message and "calls the reference implementation" in message, message


def test_the_network_checker_compares_with_the_hand_written_backward(monkeypatch):
    """Expected gradients come from nnlib.network: breaking autodiff's own matmul rule
    (which the student's graph and the checker's sweep both use) must make the solution fail."""
    from nnlib import autodiff as ad
    fn = namespace(AID)["mlp_loss"]
    assert hidden_failure("mlp_loss", fn, STUDENTS[0]) is None
    original = ad.matmul

    def bad_matmul(a, b):
        node = original(a, b)
        rule = node.vjp
        node.vjp = lambda g: tuple(0.5 * x for x in rule(g))
        return node
    monkeypatch.setattr(ad, "matmul", bad_matmul)
    assert hidden_failure("mlp_loss", fn, STUDENTS[0]) is not None


def test_right_answers_of_other_styles_are_in_the_answer_module():
    assert set(answers.RIGHT) == {"linear_vjp", "activation_vjp", "backward_pass", "mlp_loss"}


def test_at_least_four_typical_mistakes_per_exercise():
    cells = [m.cell for m in mistakes(AID)]
    for name in answers.RIGHT:
        assert cells.count(name) >= 4, f"{name}: {cells.count(name)} sample mistakes"


@pytest.mark.slow
def test_a_stuck_student_still_sees_every_figure_drawn_with_the_reference(tmp_path):
    """The release, run to the end with nothing written (as nbgrader does, errors allowed)."""
    from nbclient import NotebookClient

    nb = nbformat.read(REPO / "notebooks" / AID / f"{AID}.ipynb", as_version=4)
    old = os.environ.copy()
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    images = sum("image/png" in o.get("data", {}) for o in outputs)
    text = "\n".join(str(o.get("data", {}).get("text/html", "")) + o.get("text", "") for o in outputs)
    errors = [o["ename"] for o in outputs if o.output_type == "error"]
    assert images == 2, f"{images} figures drawn of 2"
    for name in ("linear_vjp", "activation_vjp", "backward_pass", "mlp_loss"):
        assert f"your <code>{name}</code> is not written yet" in text, f"no banner for {name}"
    assert "PyTorch" in text
    assert errors == ["NotImplementedError"] * 4, errors   # the four test cells, nothing else
