"""The grading checks: every diagnosis fires on its mistake and stays quiet on a right answer."""
import os
import subprocess
import sys

import numpy as np
import pytest

import nnlib
from nnlib import checks

EXPECTED = np.arange(1.0, 7.0).reshape(2, 3)


def _message(got, expected=EXPECTED, **kwargs):
    with pytest.raises(AssertionError) as info:
        checks.check_array(got, expected, "dW[1]", **kwargs)
    return str(info.value)


def test_right_answer_passes_also_when_written_differently():
    assert checks.check_array(EXPECTED.tolist(), EXPECTED) == 0.0
    assert checks.check_array(np.einsum("ij->ij", EXPECTED) * (1 + 1e-9), EXPECTED) < 1e-7


@pytest.mark.parametrize("got,kwargs,pattern", [
    (None, {}, "returned None"),
    ("abc", {}, "numeric array"),
    (EXPECTED.T, {}, r"transposed. Got shape \(3, 2\), expected \(2, 3\)"),
    (EXPECTED.ravel(), {}, r"wrong shape \(6,\).*values are right"),
    (np.ones((4, 4)), {}, r"wrong shape \(4, 4\), expected \(2, 3\)"),
    (-EXPECTED, {}, "Wrong sign"),
    (8 * EXPECTED, {"batch_size": 8}, "factor N = 8, the batch size.*summed"),
    (EXPECTED / 8, {"batch_size": 8}, "1/N = 1/8"),
    (2.5 * EXPECTED, {}, "2.5 times"),
    (np.where(EXPECTED > 3, np.inf, EXPECTED), {}, "NaN or infinite.*overflow"),
    (EXPECTED + np.array([[0, 0, 0], [0, 1.0, 0]]), {}, r"relative error .*index \(1, 1\)"),
    (np.arange(9.0).reshape(3, 3).T, {"expected": np.arange(9.0).reshape(3, 3)}, "Transposed: your matrix"),
    (EXPECTED ** 2, {"wrong": {"missing the activation derivative h'(z)": EXPECTED ** 2}},
     "known mistake: missing the activation derivative"),
])
def test_each_mistake_is_named(got, kwargs, pattern):
    import re

    msg = _message(got, **kwargs)
    assert msg.startswith("dW[1]: ") and re.search(pattern, msg), msg


def test_check_scalar():
    checks.check_scalar(np.float64(2.0), 2.0)
    checks.check_scalar(np.array([2.0]), 2.0)
    with pytest.raises(AssertionError, match="single number"):
        checks.check_scalar(np.ones(3), 2.0)
    with pytest.raises(AssertionError, match="Got 3, expected 2"):
        checks.check_scalar(3.0, 2.0)


def _rng_in_subprocess(student):
    env = {**os.environ, checks.STUDENT_ENV: student, "PYTHONHASHSEED": "random"}
    code = "from nnlib import checks; print(checks.student_rng('ex').integers(10**9))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_student_rng_is_stable_across_processes_and_differs_between_students():
    assert _rng_in_subprocess("alice") == _rng_in_subprocess("alice")
    assert _rng_in_subprocess("alice") != _rng_in_subprocess("bob")


def test_student_id_from_env_or_nbgrader_layout(tmp_path, monkeypatch):
    monkeypatch.delenv(checks.STUDENT_ENV, raising=False)
    d = tmp_path / "autograded" / "carol" / "02-xor"
    d.mkdir(parents=True)
    monkeypatch.chdir(d)
    assert checks.student_id() == "carol"
    monkeypatch.chdir(tmp_path)
    assert checks.student_id() == "local"
    monkeypatch.setenv(checks.STUDENT_ENV, "dave")
    assert checks.student_id() == "dave"


def test_forbid_catches_the_reference_under_any_alias():
    from nnlib.network import backward as renamed

    rng = np.random.default_rng(0)
    net = nnlib.MLP([2, 3, 1], loss="sse", rng=rng)
    X, T = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))

    def cheating():
        return renamed(net.forward(X), T, net.W, net.hidden, net.loss)

    with pytest.raises(checks.CalledReference, match="nnlib.network.backward"):
        with checks.forbid(nnlib.network.backward, exercise="backward"):
            cheating()
    with pytest.raises(checks.CalledReference):
        with checks.forbid(nnlib.network.backward, nnlib.MLP.backward):
            net.backward(net.forward(X), T)
    with checks.forbid(nnlib.network.backward):  # honest code runs through
        net.forward(X)
    assert sys.getprofile() is None


def test_forbid_reports_the_reference_call_even_when_the_code_then_fails():
    def cheating_then_crashing():
        nnlib.activations.sigmoid_prime(np.zeros(2))
        raise IndexError("student bug after the call")

    with pytest.raises(checks.CalledReference, match="sigmoid_prime"):
        with checks.forbid(nnlib.activations.sigmoid_prime):
            cheating_then_crashing()
    with pytest.raises(IndexError):  # an honest crash stays what it is
        with checks.forbid(nnlib.activations.sigmoid_prime):
            raise IndexError("honest bug")
