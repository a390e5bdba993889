"""Every loss's value and output-layer delta, including the non-canonical pairs."""
import numpy as np
import pytest

from nnlib.activations import sigmoid, softmax
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.losses import Loss, get_loss
from nettargets import random_targets


PAIRS = [
    ("sse", None), ("bce", None), ("softmax_ce", None), ("logistic", None),
    ("sse", "sigmoid"), ("sse", "softmax"), ("sse", "tanh"), ("bce", "identity"),
    ("softmax_ce", "sigmoid"), ("logistic", "tanh"),
]


@pytest.mark.parametrize("error,output", PAIRS)
def test_delta_matches_central_difference(error, output):
    rng = np.random.default_rng(3)
    loss = Loss(error, output)
    n, k = 5, 3
    z = rng.normal(size=(n, k))
    if error == "bce" and output == "identity":
        z = rng.uniform(0.1, 0.9, size=(n, k))  # the error needs outputs in (0, 1)
    t = random_targets(loss.error.targets, n, k, rng)
    num = numerical_gradient(lambda: loss.value(z, t), z)
    assert relative_error(loss.delta(z, t), num) < 1e-7


@pytest.mark.parametrize("error", ["sse", "bce", "softmax_ce"])
def test_canonical_pairs_give_output_minus_target_over_n(error):
    rng = np.random.default_rng(4)
    loss = get_loss(error)
    assert loss.canonical
    z = rng.normal(size=(6, 3))
    t = random_targets(loss.error.targets, 6, 3, rng)
    y = {"sse": z, "bce": sigmoid(z), "softmax_ce": softmax(z)}[error]
    assert np.allclose(loss.delta(z, t), (y - t) / 6)


def test_logistic_delta_equals_sigmoid_minus_01_target():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(4, 2))
    t = (2 * rng.integers(0, 2, size=(4, 2)) - 1).astype(float)
    assert np.allclose(Loss("logistic").delta(z, t), (sigmoid(z) - (t + 1) / 2) / 4)


def test_values_match_textbook_formulas():
    z = np.array([[0.3, -1.2], [2.0, 0.1]])
    t01 = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = sigmoid(z)
    bce = -np.mean(np.sum(t01 * np.log(y) + (1 - t01) * np.log(1 - y), axis=1))
    assert Loss("bce").value(z, t01) == pytest.approx(bce, rel=1e-12)
    tpm = 2 * t01 - 1
    assert Loss("logistic").value(z, tpm) == pytest.approx(np.mean(np.sum(np.log1p(np.exp(-tpm * z)), axis=1)))
    t = np.array([[0.5, 1.0], [-1.0, 0.0]])
    assert Loss("sse").value(z, t) == pytest.approx(np.mean(0.5 * np.sum((z - t) ** 2, axis=1)))
    ce = -np.mean(np.sum(t01 * np.log(softmax(z)), axis=1))
    assert Loss("softmax_ce").value(z, t01) == pytest.approx(ce, rel=1e-12)


def test_logistic_and_bce_stable_for_huge_margins():
    z = np.array([[1000.0], [-1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert Loss("logistic").value(z, np.array([[1.0], [-1.0]])) == 0.0
        assert Loss("logistic").value(z, np.array([[-1.0], [1.0]])) == pytest.approx(1000.0)
        assert Loss("bce").value(z, np.array([[0.0], [1.0]])) == pytest.approx(1000.0)
    assert np.all(np.isfinite(Loss("softmax_ce").delta(np.array([[1000.0, -1000.0]]), np.array([1]))))


def test_integer_labels_equal_one_hot():
    rng = np.random.default_rng(6)
    z = rng.normal(size=(5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    loss = Loss("softmax_ce")
    assert loss.value(z, labels) == pytest.approx(loss.value(z, np.eye(4)[labels]))
    assert np.allclose(loss.delta(z, labels), loss.delta(z, np.eye(4)[labels]))


@pytest.mark.parametrize("t,match", [
    (np.array([0, 4, 1]), r"0\.\.3"),
    (np.array([-1, 0, 1]), r"0\.\.3"),
    (np.zeros((3, 3)), r"\(3, 3\).*\(3, 4\)"),
    (np.zeros((4, 4)), r"\(4, 4\).*\(3, 4\)"),
    (np.array([0.5, 1.0, 2.0]), "integers"),
])
def test_bad_softmax_targets_are_rejected(t, match):
    with pytest.raises(ValueError, match=match):
        Loss("softmax_ce").delta(np.zeros((3, 4)), t)


def test_targets_are_never_broadcast():
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 1\)"):
        Loss("sse").value(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="-1 or \\+1"):
        Loss("logistic").value(np.zeros((2, 1)), np.array([[0.0], [1.0]]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Loss("bce").value(np.zeros((2, 1)), np.array([[2.0], [1.0]]))


def test_unknown_loss_lists_known_ones():
    with pytest.raises(ValueError) as info:
        get_loss("hinge")
    assert all(name in str(info.value) for name in ("sse", "bce", "softmax_ce", "logistic"))


def test_softmax_ce_from_the_output_agrees_with_log_softmax_even_for_huge_logits():
    from nnlib.activations import log_softmax, softmax

    rng = np.random.default_rng(0)
    z = np.r_[rng.normal(size=(5, 4)), [[1000.0, -1000.0, 0.0, 3.0]], [[-800.0, -700.0, -900.0, -750.0]]]
    soft = rng.dirichlet(np.ones(4), size=len(z))  # soft targets: rows summing to 1
    hard = np.eye(4)[rng.integers(0, 4, len(z))]
    loss = Loss("softmax_ce")
    for t in (soft, hard):
        expected = -np.sum(t * log_softmax(z), axis=1)
        got = loss.per_example(z, t, y=softmax(z))
        assert np.all(np.isfinite(got)) and np.allclose(got, expected, rtol=1e-12, atol=1e-12)
