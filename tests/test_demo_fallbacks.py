"""The notebooks run top to bottom for a student who has written nothing yet.

Every code cell except the test cells runs, in order, with every solution cell blanked as in
the release (``raise NotImplementedError()`` between the solution markers): each demo cell that
uses an exercise must fall back to nnlib's reference with the banner instead of stopping. The
run uses the demo sizes of a graded run (``NBGRADER_EXECUTION=autograde``), and the references
the fallbacks use agree with the solutions.
"""
from __future__ import annotations

import re

import matplotlib
import numpy as np
import pytest
from graderkit import namespace, source_notebook

from course.submission import nbgrader_meta

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SOLUTION = re.compile(r"^(\s*)### BEGIN SOLUTION\n.*?^\s*### END SOLUTION$", re.S | re.M)

# the exercises whose functions the demo cells of each notebook use
USED_BY_DEMOS = {"01-adaptive-basis": ["phi", "model_output", "logistic_loss", "bump"],
                 "02-xor": ["linear_accuracy", "xor_network", "success_rate"],
                 "03-forward-pass": ["forward", "two_layer", "collapse"],
                 "05-output-deltas": ["softmax", "softmax_ce", "tanh_backward", "sigmoid_sse_delta",
                                      "relu", "relu_prime", "leaky_relu", "leaky_relu_prime", "elu",
                                      "elu_prime", "gelu", "gelu_prime", "logistic_delta",
                                      "softmax_ce_delta_formula"],
                 "07-sgd": ["minibatches", "sgd_step", "warmup", "gradients", "train", "train_digits"],
                 "08-optimizers": ["max_stable_learning_rate", "rmsprop_step", "adam_step",
                                   "decayed_bias"],
                 "09-autodiff": ["linear_vjp", "activation_vjp", "backward_pass", "mlp_loss"]}
SHRINKS = {"01-adaptive-basis", "02-xor", "07-sgd", "08-optimizers"}  # demos that are smaller while grading


def blank(source: str) -> str:
    return SOLUTION.sub(lambda m: f"{m.group(1)}raise NotImplementedError()", source)


@pytest.mark.parametrize("aid", sorted(USED_BY_DEMOS))
def test_demo_cells_fall_back_to_the_reference_when_nothing_is_written(aid, capsys, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setattr(plt, "show", lambda *a, **k: plt.close("all"))
    ns: dict = {"__name__": "blank_student"}
    nb = source_notebook(aid)
    try:
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if cell.cell_type != "code" or meta.get("grade"):
                continue
            source = blank(cell.source) if meta.get("solution") else cell.source
            source = "\n".join(l for l in source.split("\n") if not l.lstrip().startswith("%"))
            exec(compile(source, f"<{aid} cell>", "exec"), ns)
    finally:
        plt.close("all")
    out = capsys.readouterr().out
    for name in USED_BY_DEMOS[aid]:
        assert f"your <code>{name}</code> is not written yet" in out or \
            f"your {name} is not written yet" in out.replace("<code>", "").replace("</code>", ""), \
            f"{aid}: no fallback banner for {name}"
    assert ("(graded run: this demo uses" in out) == (aid in SHRINKS)


def test_the_references_agree_with_the_solutions():
    from nnlib.graders import basis, forward, xor
    rng = np.random.default_rng(0)
    ns1, ns2, ns3 = (namespace(a) for a in ("01-adaptive-basis", "02-xor", "03-forward-pass"))
    X, U, a, w = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=4)
    np.testing.assert_allclose(basis.reference_phi(X, U, a, np.tanh), ns1["phi"](X, U, a, np.tanh))
    Phi = ns1["phi"](X, U, a, np.tanh)
    np.testing.assert_allclose(basis.reference_model_output(Phi, w), ns1["model_output"](Phi, w))
    f, t = 300 * rng.normal(size=6), rng.choice([-1.0, 1.0], size=6)
    assert basis.reference_logistic_loss(f, t) == pytest.approx(ns1["logistic_loss"](f, t))
    x = rng.uniform(-1, 2, size=9)
    np.testing.assert_allclose(basis.reference_bump(x, 0.2, 0.9, -1.5, 30.0),
                               ns1["bump"](x, 0.2, 0.9, -1.5, 30.0), atol=1e-12)
    Xx, tx = rng.normal(size=(7, 2)), rng.integers(0, 2, size=7)
    assert xor.reference_linear_accuracy(np.array([1.0, -2.0]), 0.3, Xx, tx) == \
        ns2["linear_accuracy"](np.array([1.0, -2.0]), 0.3, Xx, tx)
    assert xor.reference_success_rate(2, range(4), epochs=30) == ns2["success_rate"](2, range(4), epochs=30)
    from nnlib.graders.runner import check
    check("xor_network", xor.reference_xor_network)
    W = [None, rng.normal(size=(3, 2)), rng.normal(size=(4, 3)), rng.normal(size=(2, 4))]
    b = [None, rng.normal(size=3), rng.normal(size=4), rng.normal(size=2)]
    Xf = rng.normal(size=(5, 2))
    mine, ref = ns3["forward"](Xf, W, b, np.tanh, ns3["softmax"]), forward.reference_forward(Xf, W, b, np.tanh, ns3["softmax"])
    assert mine[0][0] is None and ref[0][0] is None
    for got, exp in zip(mine[0][1:] + mine[1], ref[0][1:] + ref[1]):
        np.testing.assert_allclose(got, exp)
    for got, exp in zip(ns3["collapse"](W, b), forward.reference_collapse(W, b)):
        np.testing.assert_allclose(got, exp, atol=1e-12)
    xs = rng.normal(size=2)
    np.testing.assert_allclose(forward.reference_two_layer(xs, W[1], b[1], W[2], b[2], np.tanh, np.tanh),
                               ns3["two_layer"](xs, W[1], b[1], W[2], b[2], np.tanh, np.tanh))


def test_05s_references_agree_with_its_solutions():
    from nnlib.graders import deltas
    ns = namespace("05-output-deltas")
    rng = np.random.default_rng(1)
    Z, T = 5 * rng.normal(size=(6, 4)), np.eye(4)[rng.integers(0, 4, size=6)]
    np.testing.assert_allclose(deltas.reference_softmax(Z), ns["softmax"](Z))
    for got, exp in zip(deltas.reference_softmax_ce(Z, T), ns["softmax_ce"](Z, T)):
        np.testing.assert_allclose(got, exp)
    d, W, z = rng.normal(size=(6, 3)), rng.normal(size=(3, 5)), rng.normal(size=(6, 5))
    np.testing.assert_allclose(deltas.reference_tanh_backward(d, W, z, np.tanh(z)),
                               ns["tanh_backward"](d, W, z, np.tanh(z)))
    T01 = rng.integers(0, 2, size=(6, 4)).astype(float)
    np.testing.assert_allclose(deltas.reference_sigmoid_sse_delta(Z, T01), ns["sigmoid_sse_delta"](Z, T01))


def test_07s_references_agree_with_its_solutions():
    from nnlib import MLP, training
    from nnlib.graders import sgd
    ns = namespace("07-sgd")
    rng = np.random.default_rng(2)
    for S in (0, 1, 7):
        mine, ref = ns["warmup"](0.3, S), training.warmup(0.3, S)
        assert [mine(s) for s in range(20)] == pytest.approx([ref(s) for s in range(20)])
    for loss, y in (("softmax_ce", rng.integers(0, 3, size=6)), ("logistic", rng.choice([-1.0, 1.0], size=(6, 3)))):
        net = MLP([4, 5, 3], hidden="gelu", loss=loss, rng=3)
        X = rng.normal(size=(6, 4))
        mine, ref = ns["gradients"](net, X, y), sgd.reference_gradients(net, X, y)
        assert mine[0] == pytest.approx(ref[0])
        for got, exp in zip(mine[1][1:] + mine[2][1:], ref[1][1:] + ref[2][1:]):
            np.testing.assert_allclose(got, exp, rtol=1e-10)


def test_09s_references_agree_with_its_solutions():
    from nnlib import MLP, autodiff as ad
    ns = namespace("09-autodiff")
    rng = np.random.default_rng(2)
    G, A, W = rng.normal(size=(5, 2)), rng.normal(size=(5, 3)), rng.normal(size=(2, 3))
    for got, exp in zip(ns["linear_vjp"](G, A, W), ad.linear_vjp(G, A, W)):
        np.testing.assert_allclose(got, exp)
    z = rng.normal(size=(5, 2))
    for h, fn in (("tanh", np.tanh), ("sigmoid", lambda v: 1 / (1 + np.exp(-v))), ("relu", lambda v: np.maximum(v, 0))):
        np.testing.assert_allclose(ns["activation_vjp"](G, z, fn(z), h), ad.activation_vjp(G, z, fn(z), h))
    net = MLP([3, 4, 2], hidden="relu", loss="softmax_ce", rng=0)
    T = rng.integers(0, 2, size=5)
    results = []
    for loss_fn, sweep in ((ns["mlp_loss"], ns["backward_pass"]), (ad.mlp_loss, ad.backward)):
        TW, Tb = ad.parameters(net.W, net.b)
        E = loss_fn(A, T, TW, Tb, "relu", "softmax_ce")
        sweep(E)
        results.append([float(E.value)] + [t.grad for t in TW[1:] + Tb[1:]])
    for got, exp in zip(*results):
        np.testing.assert_allclose(got, exp)

