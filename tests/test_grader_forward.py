"""Checkers of notebook 03-forward-pass beyond the generic grader tests.

- a mistake in ``dense`` costs points once: ``forward``/``two_layer``/``three_layer`` that call
  the notebook's ``dense`` are judged with the reference layer;
- every student's hidden cases contain the stress cases (square W, batch of one, rows of very
  different scale, L = 1 and deep networks, every output unit, h1 != h2), so the sample
  mistakes fail on the hidden cases alone for EVERY student, not only for some draws;
- two students get different cases; the visible test prints one ✔ line per fixed case.
"""
from __future__ import annotations

import numpy as np
import pytest
from graderkit import (define, hidden_failure, namespace, verdict, with_mistake)

from nnlib import graders

AID = "03-forward-pass"
STUDENTS = [f"student-{k:03d}" for k in range(20)]


def _hidden_cases(name, student):
    ex = graders.get(name)
    from nnlib.checks import seeded_rng
    return ex, ex.cases(seeded_rng(student, name))




FORWARD_WITH_DENSE = '''def forward(X, W, b, hidden, output):
    z, a = [None], [X]
    L = len(W) - 1
    for l in range(1, L + 1):
        z_l, a_l = dense(a[-1], W[l], b[l], hidden if l < L else output)
        z.append(z_l)
        a.append(a_l)
    return z, a
'''
TWO_LAYER_WITH_DENSE = '''def two_layer(x, W1, b1, W2, b2, h, sigma):
    _, a1 = dense(x[None, :], W1, b1, h)
    return dense(a1, W2, b2, sigma)[1][0]
'''
THREE_LAYER_WITH_DENSE = '''def three_layer(x, W1, b1, W2, b2, W3, b3, h1, h2, sigma):
    _, a1 = dense(x[None, :], W1, b1, h1)
    _, a2 = dense(a1, W2, b2, h2)
    return dense(a2, W3, b3, sigma)[1][0]
'''


@pytest.mark.parametrize("student", ["ada", "ben"])
def test_a_mistake_in_dense_costs_points_once(student):
    ns, m = with_mistake(AID, student)
    assert m.cell == "dense"
    assert not verdict("dense", ns["dense"]).passed
    for name, source in (("forward", FORWARD_WITH_DENSE), ("two_layer", TWO_LAYER_WITH_DENSE),
                         ("three_layer", THREE_LAYER_WITH_DENSE)):
        exec(compile(source, f"<{name}>", "exec"), ns)
        v = verdict(name, ns[name])
        assert v.passed, f"{name} calling a wrong dense loses points: {v.message}"
    # outside the checker the notebook's (wrong) dense is used: the reference is installed
    # only while the checker runs the function
    x = np.array([[1.0, 2.0]])
    W, b = [None, np.array([[1.0, 2.0], [0.0, 1.0]])], [None, np.array([1.0, -1.0])]
    z, _ = ns["forward"](x, W, b, np.tanh, np.tanh)
    assert not np.allclose(z[1], x @ W[1].T + b[1])


@pytest.mark.parametrize("student", STUDENTS)
def test_every_student_gets_the_stress_cases(student):
    _, dense_cases = _hidden_cases("dense", student)
    shapes = [(c.args[0].shape, c.args[1].shape) for c in dense_cases]
    assert any(W[0] == W[1] for _, W in shapes), "no square W"
    assert any(W[0] != W[1] for _, W in shapes), "no non-square W"
    assert any(A[0] == 1 for A, _ in shapes), "no batch of one"
    assert {c.data["h"] for c in dense_cases} >= {"tanh", "sigmoid", "relu", "elu", "identity"}
    scales = [np.abs(c.args[0]).max(axis=1) for c in dense_cases if c.args[0].shape[0] > 1]
    assert any(s.max() / s.min() > 100 for s in scales), "no rows of very different scale"

    _, fwd = _hidden_cases("forward", student)
    depths = [len(c.args[1]) - 1 for c in fwd]
    assert 1 in depths and max(depths) >= 3
    assert {c.data["f"] for c in fwd} == {"identity", "sigmoid", "softmax"}
    assert any(c.args[0].shape[0] == 1 for c in fwd)
    assert any(np.ptp(np.log10(np.abs(c.args[0]).max(axis=1) + 1e-300)) > 2 for c in fwd
               if c.args[0].shape[0] > 1), "no rows of very different scale"

    _, two = _hidden_cases("two_layer", student)
    assert any(c.args[1].shape[0] == c.args[1].shape[1] == c.args[3].shape[0] for c in two)
    assert all(len(c.args[0]) >= 2 for c in two), "a D = 1 case hides the bias counted D times"
    assert {c.data["sigma"] for c in two} == {"identity", "sigmoid"}

    _, three = _hidden_cases("three_layer", student)
    assert all(c.data["h1"] != c.data["h2"] for c in three)
    assert all({c.data["h1"], c.data["h2"]} != {"relu", "elu"} for c in three)

    _, col = _hidden_cases("collapse", student)
    Ls = [len(c.args[0]) - 1 for c in col]
    assert 1 in Ls
    assert any(len(c.args[0]) > 3 and len({w.shape for w in c.args[0][1:]}) == 1
               and c.args[0][1].shape[0] == c.args[0][1].shape[1] for c in col)


@pytest.mark.parametrize("student", ["ada", "ben", "chen", "gus", "hana", "ivo", "jun"])
def test_sample_mistakes_fail_on_the_hidden_cases_of_every_student(student):
    """Not only on the fixed cases: for 20 students, the hidden cases alone catch them and
    name them (``dara``/``eli``/``fay`` fail on every case by construction)."""
    ns, m = with_mistake(AID, student)
    name = m.cell
    missed = []
    for s in STUDENTS:
        message = hidden_failure(name, ns[name], s)
        if message is None or m.diagnosis.lower() not in message.lower():
            missed.append(f"{s}: {message}")
    assert not missed, f"{student} ({m.why}) is not caught and named for:\n" + "\n".join(missed)


def test_students_get_different_cases():
    for name in ("dense", "forward", "two_layer", "three_layer", "collapse"):
        labels = {tuple(c.label for c in _hidden_cases(name, s)[1]) for s in STUDENTS[:10]}
        assert len(labels) >= 5, f"{name}: the hidden cases hardly differ between students"


def test_changing_the_input_batch_in_place_fails():
    fn = define(AID, '''def dense(A_prev, W, b, h):
    A_prev *= 2.0
    Z = A_prev @ W.T / 2.0 + b
    return Z, h(Z)
''', "dense")
    v = verdict("dense", fn)
    assert not v.passed and "in place" in v.message, v.message


def test_a_forward_that_ignores_its_output_unit_fails_for_every_student():
    fn = define(AID, '''def forward(X, W, b, hidden, output):
    z, a = [None], [X]
    L = len(W) - 1
    for l in range(1, L + 1):
        z.append(a[-1] @ W[l].T + b[l])
        a.append(hidden(z[-1]) if l < L else nnlib.softmax(z[-1]))
    return z, a
''', "forward")
    assert all(hidden_failure("forward", fn, s) for s in STUDENTS)


def test_visible_test_prints_one_line_per_fixed_case(capsys):
    ns = namespace(AID)
    for name in ("dense", "forward", "two_layer", "three_layer", "collapse"):
        graders.check(name, ns[name])
        lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("\u2714")]
        assert len(lines) == len(graders.get(name).fixed_cases()), lines
        assert all(ln.startswith(f"\u2714 {name}: ") for ln in lines)


def test_calling_nnlib_dense_inside_forward_scores_zero():
    fn = define(AID, '''def forward(X, W, b, hidden, output):
    z, a = [None], [X]
    L = len(W) - 1
    for l in range(1, L + 1):
        z_l, a_l = nnlib.dense(a[-1], W[l], b[l], hidden if l < L else output)
        z.append(z_l)
        a.append(a_l)
    return z, a
''', "forward")
    v = verdict("forward", fn)
    assert not v.passed and "reference implementation" in v.message, v.message
