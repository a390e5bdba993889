"""The plotting helpers draw what they say, and reject bad shapes."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnlib import MLP, data, fit, plotting


def test_decision_boundary_shades_both_classes():
    X, t = data.moons(60, rng=0)
    net = MLP([2, 8, 2], rng=0)
    fit(net, X, t, epochs=5, rng=0)
    ax = plotting.decision_boundary(net.predict, X, t, resolution=30, title="moons")
    assert ax.get_title() == "moons" and len(ax.collections) >= 2
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plotting.decision_boundary(net.predict, np.zeros((5, 3)), np.zeros(5))
    plt.close("all")


def test_basis_functions_and_training_curves_and_histograms():
    x = np.linspace(-1, 1, 20)
    Phi = np.tanh(np.outer(x, [1.0, -2.0, 3.0]))
    ax = plotting.basis_functions(x, Phi, w=np.ones(3), target=x**2)
    assert len(ax.lines) == 5  # 3 basis functions, their weighted sum, the data
    with pytest.raises(ValueError, match="Phi"):
        plotting.basis_functions(x, Phi[:5])
    X, t = data.xor()
    net = MLP([2, 3, 1], loss="bce", rng=0)
    h = {"a": fit(net, X, t.reshape(-1, 1), epochs=4, rng=0)}
    ax = plotting.training_curves(h)
    assert ax.get_yscale() == "log" and len(ax.lines) == 1
    fig = plotting.layer_histograms([np.ones(5), np.arange(4.0)], title="activations")
    assert len(fig.axes) == 2
    fig = plotting.digit_grid(data.digits().images_test[:5], labels=[1] * 5, predictions=[2] * 5)
    assert len(fig.axes) == 8
    plt.close("all")


def test_computational_graph_draws_a_box_per_node_and_an_arrow_per_edge():
    from nnlib import autodiff as ad
    x, W, b = ad.Tensor(np.ones((2, 3))), ad.Tensor(np.ones((4, 3))), ad.Tensor(np.zeros(4))
    E = ad.sum(ad.tanh(x @ W.T + b))          # x, W, b, W.T, @, +, tanh, sum: 8 nodes, 7 edges
    ax = plotting.computational_graph(E, names={id(W): "W"}, title="a layer")
    boxes = [t.get_text() for t in ax.texts if t.get_bbox_patch() is not None]
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(boxes) == 8 and "W\n4x3" in boxes and "sum\nscalar" in boxes
    assert len(arrows) == 7
    with pytest.raises(TypeError):
        plotting.computational_graph(np.ones(2))
    plt.close("all")

