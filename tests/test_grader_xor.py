"""Checkers of notebook 02-xor beyond the generic grader tests.

- linear_accuracy: the sample mistakes (bias sign, z >= 0, a count) and a column layout fail
  on the hidden cases alone for EVERY student, and the column layout is never diagnosed as
  another mistake (the old feedback named "the bias with the wrong sign" for it);
- xor_network: weights laid out as a column are named as such, with the remark that the
  values are right; a W[1] laid out the other way round is named; the hidden case reorders
  the points per student;
- success_rate: every student's hidden cases vary every argument away from the visible one,
  and contain a seed whose outcome changes when the learning rate, tol, the number of hidden
  units or the number of epochs is ignored (so such an answer fails for every student);
- two students get different hidden cases, the same student always the same ones.
"""
from __future__ import annotations

import numpy as np
import pytest
from graderkit import define, hidden_failure, mistakes, namespace, source_notebook, verdict

from nnlib import graders
from nnlib.checks import seeded_rng
from nnlib.graders.runner import case_digest

AID = "02-xor"
STUDENTS = [f"student-{k:03d}" for k in range(20)]

COLUMN = '''def linear_accuracy(w, b, X, t):
    z = X @ np.reshape(w, (-1, 1)) + b
    return float(np.mean((z > 0).astype(int) == t))
'''



def _mistake_fn(student, name):
    m = next(m for m in mistakes(AID) if m.student == student)
    return namespace(AID, {m.cell: m.apply(source_notebook(AID))})[name], m


@pytest.mark.parametrize("student", ["chen", "dara", "gus"])
def test_linear_accuracy_mistakes_fail_the_hidden_cases_of_every_student(student):
    fn, m = _mistake_fn(student, "linear_accuracy")
    for s in STUDENTS:
        message = hidden_failure("linear_accuracy", fn, s)
        assert message is not None, f"{s}: the mistake of {student} ({m.why}) passes the hidden cases"
        assert m.diagnosis.lower() in message.lower(), f"{s}: {message}"


def test_column_layout_is_diagnosed_as_such_for_every_student():
    fn = define(AID, COLUMN, "linear_accuracy")
    for s in STUDENTS:
        v = verdict("linear_accuracy", fn, student=s)
        assert not v.passed
        assert "laid out as a column" in v.message and "wrong sign" not in v.message, v.message
        hidden = hidden_failure("linear_accuracy", fn, s)
        assert hidden and "laid out as a column" in hidden and "wrong sign" not in hidden, hidden


def test_xor_network_column_and_transposed_layouts_are_named():
    fn, _ = _mistake_fn("ben", "xor_network")
    v = verdict("xor_network", fn)
    assert "laid out as a column" in v.message and "The values are right" in v.message, v.message
    assert "wrong sign" not in v.message
    other_layout = define(AID, '''def xor_network():
    W1 = np.array([[20.0, -20.0], [20.0, -20.0]])   # column k = weights into unit k
    return [None, W1, np.array([[20.0, 20.0]])], [None, np.array([-10.0, 30.0]), np.array([-30.0])], "sigmoid"
''', "xor_network")
    v = verdict("xor_network", other_layout)
    assert not v.passed and "W[1] transposed" in v.message, v.message


def test_xor_network_hidden_order_differs_between_students():
    ex = graders.get("xor_network")
    orders = {tuple(ex.cases(seeded_rng(s, "xor_network"))[0].data["order"]) for s in STUDENTS}
    assert len(orders) > 5
    for order in orders:
        assert sorted(set(order)) == [0, 1, 2, 3], "every XOR point must be in the hidden case"


def test_success_rate_cases_vary_every_argument_and_witness_each_ignored_one():
    ex = graders.get("success_rate")
    visible = ex.fixed_cases()[0]
    for s in STUDENTS[:6]:
        a, b = ex.cases(seeded_rng(s, "success_rate"))
        for key in ("learning_rate", "epochs"):
            assert a.kwargs[key] != visible.kwargs.get(key, 3.0), (s, key)
        assert b.kwargs["tol"] != 0.1 and b.args[0] != visible.args[0], s
        assert set(a.args[1]).isdisjoint(visible.args[1])
        E, E3 = np.array(a.data["E"]), np.array(a.data["E_lr3"])
        assert np.any((E < 0.1) != (E3 < 0.1)), f"{s}: ignoring learning_rate would pass"
        E, tol = np.array(b.data["E"]), b.data["tol"]
        assert np.any((E < tol) != (E < 0.1)), f"{s}: ignoring tol would pass"
        assert np.any((E < tol) != (np.array(b.data["E_h2"]) < tol)), f"{s}: ignoring hidden_units would pass"
        assert np.any((E < tol) != (np.array(b.data["E100"]) < tol)), f"{s}: ignoring epochs would pass"


def test_success_rate_reference_errors_are_those_of_the_recipe():
    """The errors stored in a case are those of an independent run of the notebook's recipe."""
    import nnlib
    ex = graders.get("success_rate")
    case = ex.cases(seeded_rng(STUDENTS[0], "success_rate"))[1]
    X, t = nnlib.data.xor()
    T = t.reshape(-1, 1)
    for seed, E in zip(case.args[1], case.data["E"]):
        rng = np.random.default_rng(seed)
        net = nnlib.MLP([2, case.args[0], 1], hidden="tanh", loss="bce", rng=rng)
        nnlib.fit(net, X, T, case.kwargs["epochs"], batch_size=4,
                  learning_rate=case.kwargs["learning_rate"], rng=rng)
        assert net.error(X, T) == pytest.approx(E, rel=1e-12)


@pytest.mark.parametrize("name", ["linear_accuracy", "xor_network", "success_rate"])
def test_students_get_different_hidden_cases(name):
    ex = graders.get(name)
    digests = {s: tuple(case_digest(c) for c in ex.cases(seeded_rng(s, name))) for s in STUDENTS[:3]}
    if name != "xor_network":   # its hidden case has no inputs: only the order of the points differs
        assert len(set(digests.values())) == len(digests)
    again = tuple(case_digest(c) for c in ex.cases(seeded_rng(STUDENTS[0], name)))
    assert again == digests[STUDENTS[0]]
