"""Checkers of notebook 04-backprop beyond the generic grader tests.

- the visible test refuses a call of the reference (nnlib's ``sigmoid_prime`` and its
  ``Activation`` methods, nnlib's ``numerical_gradient``) instead of printing ✔;
- the step ``eps`` differs between the cases, and an answer that ignores it fails for EVERY
  student (``numerical_gradient`` and ``gradient_check``);
- an absolute error in place of the relative one fails for EVERY student, named;
- the overflowing form of sigma' fails for EVERY student (the extreme case is always drawn);
- one mistake costs points once: ``gradient_check`` is judged with the reference ``backward``
  and ``numerical_gradient``, ``backward`` with the reference ``output_delta``;
- the hidden cases of ``backward`` vary the depth (1-4), the hidden activation (six of nnlib's)
  and the output pair (all three canonical ones), with a batch of one and non-square layers, so
  a hard-coded sigmoid derivative fails for EVERY student; the old signature without
  ``h_prime`` is named;
- two students get different cases; the timing demo is short in a graded run and says so.
"""
from __future__ import annotations

import pytest
from graderkit import (define, hidden_failure, mistakes, namespace, source_notebook, verdict,
                       with_mistake, wrong_answer)

from nnlib import graders
from nnlib.checks import seeded_rng
from nnlib.graders import check
from nnlib.graders.base import Wrong
from nnlib.graders.runner import all_cases, judge_record, run_case

AID = "04-backprop"
STUDENTS = [f"student-{k:03d}" for k in range(20)]
NAMES = ("sigmoid_prime", "numerical_gradient", "output_delta", "backward", "gradient_check")




@pytest.mark.parametrize("source, name", [
    ("def sigmoid_prime(u):\n    return nnlib.activations.sigmoid_prime(u)\n", "sigmoid_prime"),
    ("def sigmoid_prime(u):\n    return nnlib.get_activation('sigmoid').prime(u)\n", "sigmoid_prime"),
    ("def sigmoid_prime(u):\n    s = nnlib.sigmoid(u)\n"
     "    return nnlib.get_activation('sigmoid').prime_given(u, s)\n", "sigmoid_prime"),
    ("def numerical_gradient(f, x, eps=1e-6):\n    w = np.array(x, dtype=float)\n"
     "    return nnlib.gradcheck.numerical_gradient(lambda: f(w), w, eps)\n", "numerical_gradient"),
])
def test_visible_test_refuses_a_call_of_the_reference(source, name, capsys):
    fn = define(AID, source, name)
    with pytest.raises(AssertionError, match="reference implementation"):
        check(name, fn)
    assert "\u2714" not in capsys.readouterr().out


def test_visible_tests_print_a_check_mark_per_fixed_case(capsys):
    ns = namespace(AID)
    for name in NAMES:
        check(name, ns[name])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("\u2714")]
    assert len(lines) == sum(len(graders.get(n).fixed_cases()) for n in
                             NAMES)


@pytest.mark.parametrize("name", ["numerical_gradient", "gradient_check"])
def test_the_step_eps_is_varied(name):
    ex = graders.get(name)
    for student in STUDENTS[:5]:
        steps = [c.kwargs.get("eps", "default") for c in all_cases(ex, student)]
        assert len(set(steps)) >= 3, steps
        assert "default" in steps, steps           # the default is used in one case


IGNORES_EPS = {
    "numerical_gradient": '''def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += 1e-6
        xm[i] -= 1e-6
        g[i] = (f(xp) - f(xm)) / 2e-6
    return g
''',
    "gradient_check": '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    backward_fn = backward_fn or backward
    dW, db = backward_fn(W, b, *forward(X, W, b, hidden, output), T, h_prime)
    out = {}
    for l in range(1, len(W)):
        nW = numerical_gradient(lambda W_l: error(W[:l] + [W_l] + W[l + 1:], b, X, T, hidden, output, loss), W[l])
        nb = numerical_gradient(lambda b_l: error(W, b[:l] + [b_l] + b[l + 1:], X, T, hidden, output, loss), b[l])
        out[f"W[{l}]"] = nnlib.relative_error(dW[l], nW)
        out[f"b[{l}]"] = nnlib.relative_error(db[l], nb)
    return out
''',
}


@pytest.mark.parametrize("name", sorted(IGNORES_EPS))
def test_ignoring_eps_fails_for_every_student(name):
    fn = define(AID, IGNORES_EPS[name], name)
    for student in STUDENTS:
        message = hidden_failure(name, fn, student)
        assert message and "eps is ignored" in message, (student, message)


ABSOLUTE = wrong_answer("gradient_check", "absolute error")


def test_absolute_error_fails_for_every_student_on_large_and_tiny_gradients():
    fn = define(AID, ABSOLUTE, "gradient_check")
    ex = graders.get("gradient_check")
    for student in STUDENTS:
        cases = [c for c in ex.cases(seeded_rng(student, "gradient_check"))
                 if "large gradients" in c.label or "tiny gradients" in c.label]
        assert len(cases) == 2
        for case in cases:              # each of the two stress cases alone catches it
            with pytest.raises(Wrong, match="absolute error"):
                judge_record(ex, case, run_case(ex, fn, case))


def test_overflowing_sigmoid_prime_fails_for_every_student():
    fn = define(AID, "def sigmoid_prime(u):\n    return np.exp(-u) / (1 + np.exp(-u)) ** 2\n",
                "sigmoid_prime")
    for student in STUDENTS:
        message = hidden_failure("sigmoid_prime", fn, student)
        assert message and "NaN or infinite" in message, (student, message)


def test_forward_difference_fails_for_every_student_on_hidden_cases():
    ns = with_mistake(AID, "fay")[0]
    for student in STUDENTS:
        message = hidden_failure("numerical_gradient", ns["numerical_gradient"], student)
        assert message and "forward difference" in message, (student, message)


def test_gradient_check_is_judged_with_the_reference_backward_and_numerical_gradient():
    # the notebook's backward (forgetting h') and numerical_gradient (a forward difference) are
    # both wrong; the solution's gradient_check calls them, and still passes
    nb = source_notebook(AID)
    patches = {}
    for student in ("ben", "fay"):
        m = next(m for m in mistakes(AID) if m.student == student)
        patches[m.cell] = m.apply(nb)
    ns = namespace(AID, patches)
    assert not verdict("backward", ns["backward"]).passed
    assert not verdict("numerical_gradient", ns["numerical_gradient"]).passed
    for student in STUDENTS[:5]:
        v = verdict("gradient_check", ns["gradient_check"], student)
        assert v.passed, v.message


def test_backward_is_judged_with_the_reference_output_delta():
    ns = with_mistake(AID, "mia")[0]         # output_delta returns (T - y) / N
    source = '''def backward(W, b, z, a, T, h_prime):
    L = len(W) - 1
    delta = [None] * (L + 1)
    delta[L] = output_delta(a[L], T)
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(z[l])
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])
'''
    exec(compile(source, "<backward using output_delta>", "exec"), ns)
    assert not verdict("output_delta", ns["output_delta"]).passed
    assert verdict("backward", ns["backward"]).passed


def test_a_broken_backward_fn_is_caught_however_it_is_broken():
    # reporting the errors of a correct backward pass for every backward_fn (backward_fn
    # ignored) fails, and is named
    fn = define(AID, '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    dW, db = backward(W, b, *forward(X, W, b, hidden, output), T, h_prime)
    return {f"{p}[{l}]": nnlib.relative_error((dW if p == "W" else db)[l], numerical_gradient(
        (lambda v: error(W[:l] + [v] + W[l + 1:], b, X, T, hidden, output, loss)) if p == "W" else
        (lambda v: error(W, b[:l] + [v] + b[l + 1:], X, T, hidden, output, loss)), (W if p == "W" else b)[l], eps))
        for l in range(1, len(W)) for p in "Wb"}
''', "gradient_check")
    v = verdict("gradient_check", fn)
    assert not v.passed and "backward_fn is ignored" in v.message, v.message


@pytest.mark.parametrize("name", NAMES)
def test_two_students_get_different_cases(name):
    from nnlib.graders.runner import case_digest
    ex = graders.get(name)
    one = [case_digest(c) for c in ex.cases(seeded_rng("student-a", name))]
    two = [case_digest(c) for c in ex.cases(seeded_rng("student-b", name))]
    assert one != two
    assert [case_digest(c) for c in ex.cases(seeded_rng("student-a", name))] == one


def _timing_cell():
    nb = source_notebook(AID)
    return next(c for c in nb.cells if c.cell_type == "code" and "network_numerical_gradients(net" in c.source)


def test_timing_demo_is_short_in_a_graded_run_and_says_so(monkeypatch, capsys):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ns = namespace(AID)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    source = _timing_cell().source
    exec(compile(source, "<timing demo>", "exec"), ns)
    plt.close("all")
    out = capsys.readouterr().out
    assert "graded run" in out
    full = eval(source.split("full_depths = ", 1)[1].split("\n", 1)[0])   # the list the cell starts from
    assert 0 < len(ns["depths"]) < len(full)
    assert out.count("depth ") == len(ns["depths"])     # one line per depth that was timed


def test_backward_cases_vary_depth_hidden_activation_and_output_pair():
    # an answer that ignores h_prime, assumes one depth or one pair must meet cases that catch it
    from nnlib.graders.backprop import NAME_OF_PRIME
    ex = graders.get("backward")
    for student in STUDENTS[:5]:
        cases = all_cases(ex, student)
        depths = {len(c.args[0]) - 1 for c in cases}
        primes = {NAME_OF_PRIME[c.args[5]] for c in cases}
        pairs = {c.label.split("output ")[1].split(",")[0].split(" (")[0] for c in cases}
        assert {1, 2, 3, 4} <= depths, depths
        assert len(primes) == 6, primes               # sigmoid, tanh, relu, leaky_relu, elu, swish
        assert pairs >= {"identity + MSE", "sigmoid + BCE", "softmax + CE"}, pairs
        assert any(c.args[4].shape[0] == 1 for c in cases)        # a batch of one
        assert any(c.args[0][1].shape[0] != c.args[0][1].shape[1] for c in cases)   # non-square


def test_backward_with_sigmoid_hard_coded_fails_for_every_student():
    fn = define(AID, '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * a[l] * (1 - a[l])
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])
''', "backward")
    for student in STUDENTS:
        assert hidden_failure("backward", fn, student), student


def test_gradient_check_cases_cover_every_output_pair():
    from nnlib.graders.backprop import PAIRS
    ex = graders.get("gradient_check")
    for student in STUDENTS[:5]:
        losses_used = {c.args[7] for c in all_cases(ex, student)}
        assert losses_used == {err for _, err, _ in PAIRS.values()}, student


def test_the_old_signature_without_h_prime_is_named():
    fn = define(AID, '''def backward(W, b, z, a, T):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * a[l] * (1 - a[l])
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])
''', "backward")
    v = verdict("backward", fn)
    assert not v.passed and "sixth argument" in v.message, v.message
