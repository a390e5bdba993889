"""Checkers of notebook 05-output-deltas, beyond the generic tests of test_graders_unit.py.

What is proved here: the stress cases are in every student's hidden cases (their properties
are measured on the inputs, not read from the checker's code), so a stability shortcut or a
row-wise operation done over the whole batch fails for EVERY student; the cases differ
between students; ``1 - z**2`` fails while ``1 - a**2`` passes; a broken ``softmax`` of
exercise 1 costs nothing in ``softmax_ce``; a correct answer that makes numpy warn writes
nothing to stderr (nbgrader would fail the cell); every extra wrong answer is named. For the
activation zoo: every student meets the kink, a plain number, a 3-D array, a batch of one,
exponentials that overflow and several alphas; any subgradient at the kink passes and a value
outside them is named; an ELU whose discarded branch overflows passes without a warning, one
whose overflow reaches the result fails for every student and is named.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from answers import deltas as answers
from graderkit import define, namespace, verdict, hidden_cases

from nnlib import graders
from nnlib.graders.runner import all_cases, case_digest, collect

AID = "05-output-deltas"
STUDENTS = [f"student-{k:03d}" for k in range(20)]


def _fn(name, source):
    return define(AID, source, name)


# --- the stress cases are there for everyone ------------------------------------------------


@pytest.mark.parametrize("name", ["softmax", "softmax_ce"])
def test_every_student_gets_rows_of_very_different_scale_and_logits_of_size_1000(name):
    for student in STUDENTS:
        Zs = [c.args[0] for c in hidden_cases(name, student)]
        # a batch where one row's maximum lies more than 745 below the batch maximum: there
        # exp(z - max over the batch) is 0 for the whole row (float64 underflows at -745)
        gap = max(float(Z.max() - Z.max(axis=1).min()) for Z in Zs)
        assert gap > 745, f"{student}: no batch with rows of very different scale ({gap:.0f})"
        # rows whose sizes differ by more than a factor 10^5
        ratio = max(float(np.abs(Z).max(axis=1).max() / np.abs(Z).max(axis=1).min()) for Z in Zs)
        assert ratio > 1e5, f"{student}: row sizes differ by {ratio:.1e} only"
        # logits near +1000 (every row), and logits of +-1000 in every row of one batch
        assert any(Z.min() > 900 for Z in Zs), f"{student}: no batch of logits near +1000"
        assert any(np.all(Z.max(axis=1) > 900) and np.all(Z.min(axis=1) < -900) for Z in Zs), \
            f"{student}: no batch with logits of both signs of size 1000 in every row"
        assert any(Z.shape[0] == 1 for Z in Zs), f"{student}: no batch of one"


def test_every_student_gets_a_target_whose_probability_underflows():
    for student in STUDENTS:
        worst = min(float(np.min((Z - Z.max(axis=1, keepdims=True))[T > 0]))
                    for Z, T in (c.args for c in hidden_cases("softmax_ce", student)))
        assert worst < -745, f"{student}: every target class has exp(z - m) > 0 ({worst:.0f})"


def test_every_student_gets_tanh_cases_where_z_and_a_differ():
    for student in STUDENTS:
        cases = hidden_cases("tanh_backward", student)
        for c in cases:
            z = c.args[2]
            assert np.abs(z).max() > 1.4, f"{student} {c.label}: every |z| <= 1.4"
        shapes = [(c.args[1].shape, c.args[0].shape[0]) for c in cases]
        assert any(W[0] == W[1] for W, _ in shapes), f"{student}: no square W_next"
        assert any(N == 1 for _, N in shapes), f"{student}: no batch of one"
        assert any(len({N, *W}) == 3 for W, N in shapes), f"{student}: no case with N, n_l+1, n_l all different"


def test_the_cases_differ_between_students():
    for name in ("softmax", "softmax_ce", "tanh_backward", "sigmoid_sse_delta"):
        ex = graders.get(name)
        a = [case_digest(c) for c in all_cases(ex, "student-a")]
        b = [case_digest(c) for c in all_cases(ex, "student-b")]
        assert a[0] == b[0], f"{name}: the visible case must be the same for everyone"
        assert not set(a[1:]) & set(b[1:]), f"{name}: two students share a hidden case"
        assert a == [case_digest(c) for c in all_cases(ex, "student-a")], f"{name}: not reproducible"


# --- shortcuts fail for EVERY student ---------------------------------------------------------

SHORTCUTS = [
    ("softmax", '''def softmax(Z):
    e = np.exp(Z - Z.max())
    return e / e.sum(axis=1, keepdims=True)
''', "maximum of the whole batch"),
    ("softmax", '''def softmax(Z):
    e = np.exp(Z)
    return e / e.sum(axis=1, keepdims=True)
''', "overflows"),
    ("softmax", '''def softmax(Z):
    e = np.exp(Z - Z.mean(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
''', "instead of its maximum"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    Y = e / e.sum(axis=1, keepdims=True)
    return -np.sum(T * np.log(Y)) / len(Z), (Y - T) / len(Z)
''', "ln of the softmax"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    Y = e / e.sum(axis=1, keepdims=True)
    c = T.argmax(axis=1)
    return -np.mean(np.log(Y[np.arange(len(Z)), c])), (Y - T) / len(Z)
''', "ln of the softmax"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    Y = e / e.sum(axis=1, keepdims=True)
    return -np.sum(T * np.log(np.clip(Y, 1e-15, 1.0))) / len(Z), (Y - T) / len(Z)
''', "capped"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    g = Z - Z.max()
    log_y = g - np.log(np.exp(g).sum(axis=1, keepdims=True))
    return -np.sum(T * log_y) / len(Z), (np.exp(log_y) - T) / len(Z)
''', "maximum of the whole batch"),
    ("tanh_backward", '''def tanh_backward(delta_next, W_next, z, a):
    return (delta_next @ W_next) * (1 - z**2)
''', "pre-activation"),
    ("sigmoid_sse_delta", '''def sigmoid_sse_delta(Z, T):
    Y = np.exp(Z) / (1 + np.exp(Z))
    return (Y - T) * Y * (1 - Y) / len(Z)
''', "overflows"),
]


def test_one_minus_a_squared_passes_for_every_student_one_minus_z_squared_fails():
    good = _fn("tanh_backward", '''def tanh_backward(delta_next, W_next, z, a):
    return (delta_next @ W_next) * (1 - a**2)
''')
    for student in STUDENTS:
        assert verdict("tanh_backward", good, student).passed, student


# --- upstream, warnings, the visible test ------------------------------------------------------

def test_a_broken_softmax_of_exercise_1_costs_nothing_in_softmax_ce():
    ns = namespace(AID, {"softmax": '''def softmax(Z):
    e = np.exp(Z)
    return e / e.sum(axis=0, keepdims=True)
'''})
    exec(compile('''def softmax_ce(Z, T):
    m = Z.max(axis=1, keepdims=True)
    log_y = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return -np.sum(T * log_y) / len(Z), (softmax(Z) - T) / len(Z)
''', "<answer>", "exec"), ns)
    assert not verdict("softmax", ns["softmax"]).passed
    v = verdict("softmax_ce", ns["softmax_ce"])
    assert v.passed, v.message
    assert ns["softmax"].__name__ == "softmax" and ns["softmax"].__module__ != "nnlib.activations"


def test_a_correct_answer_that_makes_numpy_warn_writes_no_warning():
    fn = _fn("sigmoid_sse_delta", answers.RIGHT["sigmoid_sse_delta"][2])   # 1 / (1 + exp(-Z))
    with np.errstate(over="warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = collect("sigmoid_sse_delta", fn, "student-000")
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], caught
    assert all("output" in rec for rec in doc["cases"])
    assert verdict("sigmoid_sse_delta", fn).passed


# --- the extra wrong answers: all named --------------------------------------------------------

def test_every_extra_wrong_answer_fails_and_is_named():
    missed = []
    for name, source, expected in answers.WRONG:
        v = verdict(name, _fn(name, source))
        if v.passed or expected.lower() not in v.message.lower():
            missed.append(f"{name} ({expected!r}): {'passes' if v.passed else v.message}")
    print(f"05 extra wrong answers named: {len(answers.WRONG) - len(missed)}/{len(answers.WRONG)}")
    assert not missed, "\n".join(missed)


def test_at_least_two_right_and_three_wrong_answers_per_exercise():
    from answers import symbolic, zoo  # the answers kept with their checker modules
    right = {**answers.RIGHT, **zoo.RIGHT, **symbolic.RIGHT}
    wrong = answers.WRONG + zoo.WRONG + symbolic.WRONG
    for ex in graders.exercises(AID):
        assert len(right.get(ex.name, [])) >= 2, ex.name
        assert sum(1 for w in wrong if w[0] == ex.name) >= 3, ex.name


# --- the activation zoo: h and h' of ReLU, leaky ReLU, ELU and GELU -----------------------------

ZOO = ["relu", "relu_prime", "leaky_relu", "leaky_relu_prime", "elu", "elu_prime", "gelu", "gelu_prime"]


@pytest.mark.parametrize("name", ZOO)
def test_every_student_gets_the_zoos_stress_cases(name):
    ex = graders.get(name)
    for student in STUDENTS:
        cases = hidden_cases(name, student)
        zs = [np.asarray(c.args[0], dtype=float) for c in cases]
        assert any(np.any(z == 0) for z in zs), f"{student}: no z = 0 (the kink)"
        assert any(z.ndim == 0 for z in zs), f"{student}: no plain number"
        assert any(z.ndim == 3 for z in zs), f"{student}: no 3-D array"
        assert any(z.ndim == 2 and z.shape[0] == 1 for z in zs), f"{student}: no batch of one"
        # e^z overflows above 709.78: a careless exponential gives inf for every student
        assert any(z.max() > 709.79 for z in zs) and any(z.min() < -709.79 for z in zs), student
        if getattr(ex, "has_alpha", False):
            alphas = {c.args[1] for c in cases}
            assert len(alphas) > 1 and not alphas & {0.01, 1.0}, f"{student}: alpha {alphas}"


def test_the_zoos_cases_differ_between_students():
    for name in ZOO:
        ex = graders.get(name)
        a = [case_digest(c) for c in all_cases(ex, "student-a")]
        b = [case_digest(c) for c in all_cases(ex, "student-b")]
        assert a[0] == b[0], f"{name}: the visible case must be the same for everyone"
        assert not set(a[1:]) & set(b[1:]), f"{name}: two students share a hidden case"


@pytest.mark.parametrize("at_zero", [0.0, 0.25, 0.5, 1.0])
def test_any_subgradient_at_the_kink_passes_for_every_student(at_zero):
    relu_prime = _fn("relu_prime", f'''def relu_prime(z):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, np.where(z < 0, 0.0, {at_zero}))
''')
    leaky = _fn("leaky_relu_prime", f'''def leaky_relu_prime(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, np.where(z < 0, alpha, alpha + {at_zero} * (1 - alpha)))
''')
    for student in STUDENTS:
        assert verdict("relu_prime", relu_prime, student).passed, student
        assert verdict("leaky_relu_prime", leaky, student).passed, student


@pytest.mark.parametrize("at_zero", [-0.5, 1.5, "np.nan"])
def test_a_value_at_the_kink_outside_the_subgradients_is_named(at_zero):
    fn = _fn("relu_prime", f'''def relu_prime(z):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, np.where(z < 0, 0.0, {at_zero}))
''')
    v = verdict("relu_prime", fn)
    assert not v.passed and "not a subgradient" in v.message and "between 0 and 1" in v.message, v.message


ZOO_SHORTCUTS = [
    ("elu", '''def elu(z, alpha):
    z = np.asarray(z, dtype=float)
    return (z > 0) * z + (z <= 0) * alpha * (np.exp(z) - 1)
''', "e^z overflows"),
    ("elu_prime", '''def elu_prime(z, alpha):
    z = np.asarray(z, dtype=float)
    return (z > 0) * 1.0 + (z <= 0) * alpha * np.exp(z)
''', "e^z overflows"),
    ("gelu", '''def gelu(z):
    u = np.sqrt(2 / np.pi) * (z + 0.044715 * z ** 3)
    return 0.5 * z * (1 + (np.exp(2 * u) - 1) / (np.exp(2 * u) + 1))
''', "tanh written out"),
    ("relu", '''def relu(z):
    if np.ndim(z) == 0:
        return max(z, 0.0)
    z[z < 0] = 0.0
    return z
''', "in place"),
]


@pytest.mark.parametrize("name, source, named", SHORTCUTS + ZOO_SHORTCUTS,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SHORTCUTS + ZOO_SHORTCUTS)])
def test_a_shortcut_fails_for_every_student_and_is_named(name, source, named):
    fn = _fn(name, source)
    for student in STUDENTS:
        v = verdict(name, fn, student)
        assert not v.passed, f"{student}: the shortcut passes"
        assert named.lower() in v.message.lower(), f"{student}: not named ({named!r}): {v.message}"


def test_an_elu_whose_discarded_branch_overflows_passes_and_writes_no_warning():
    fn = _fn("elu", '''def elu(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * (np.exp(z) - 1))
''')
    with np.errstate(over="warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = collect("elu", fn, "student-000")
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], caught
    assert all("output" in rec for rec in doc["cases"])
    for student in STUDENTS:
        assert verdict("elu", fn, student).passed, student


@pytest.mark.parametrize("name", ["softmax", "softmax_ce", "tanh_backward", "sigmoid_sse_delta", *ZOO])
def test_the_visible_test_prints_its_case_and_nothing_on_stderr(name, capsys):
    fn = namespace(AID)[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graders.check(name, fn)
    out = capsys.readouterr()
    label = graders.get(name).fixed_cases()[0].label
    assert out.out.startswith(f"\u2714 {name}: {label}"), out.out
    assert not out.err
    if name == "relu_prime":    # the subgradient the solution chose at the kink is shown
        assert "h'(0) = 0, a subgradient in [0, 1]" in out.out, out.out
