"""nnlib.approx: the bump, the staircase network and the deep and shallow sawtooth networks.

Expected values are worked out by hand (sigmoid(0) = 1/2, the tent map's values at dyadic
points, the number of linear pieces), not taken from the code under test.
"""
from __future__ import annotations

import numpy as np
import pytest

from nnlib import approx, network


def test_bump_is_half_height_at_the_edges_and_full_height_inside():
    y = approx.bump(np.array([0.0, 0.5, 1.0, -5.0, 6.0]), 0.0, 1.0, 3.0, 200.0)
    assert y[0] == pytest.approx(1.5) and y[2] == pytest.approx(1.5)
    assert y[1] == pytest.approx(3.0) and abs(y[3]) < 1e-12 and abs(y[4]) < 1e-12


def test_bump_is_finite_for_a_huge_steepness_and_rejects_bad_input():
    assert np.all(np.isfinite(approx.bump(np.linspace(-1, 2, 7), 0.0, 1.0, 1.0, 1e6)))
    with pytest.raises(ValueError, match="left < right"):
        approx.bump(np.zeros(3), 1.0, 0.0, 1.0, 5.0)
    with pytest.raises(ValueError, match="steepness"):
        approx.bump(np.zeros(3), 0.0, 1.0, 1.0, 0.0)
    with pytest.raises(ValueError, match=r"shape \(N,\)"):
        approx.bump(np.zeros((3, 1)), 0.0, 1.0, 1.0, 5.0)


def test_staircase_network_shapes_and_its_error_falls_with_M():
    W, b = approx.staircase_network(np.sin, 6, 50.0)
    assert [w.shape for w in W[1:]] == [(6, 1), (1, 6)] and [v.shape for v in b[1:]] == [(6,), (1,)]
    x = np.linspace(0.0, 1.0, 501)

    def error(M):
        W, b = approx.staircase_network(lambda u: u, M, 5000.0)
        return approx.sup_error(network.forward(x[:, None], W, b, "sigmoid", "sse").y[:, 0], x)

    # a staircase of K steps for g(x) = x is off by half a step, 1 / (2K), at the edges
    assert error(4) == pytest.approx(0.25, abs=0.01)
    assert error(64) == pytest.approx(1 / 64, abs=0.005)
    with pytest.raises(ValueError, match="even"):
        approx.staircase_network(np.sin, 5, 10.0)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_deep_and_shallow_sawtooth_networks_agree_with_the_tent_map(k):
    x = np.arange(2 ** k + 1) / 2 ** k                      # the corners: 0 and 1 alternate
    corners = np.array([0.0, 1.0] * 2 ** k)[: 2 ** k + 1]
    np.testing.assert_allclose(approx.sawtooth(x, k), corners)
    grid = np.linspace(0.0, 1.0, 2 ** (k + 3) + 1)
    for W, b, units in [(*approx.sawtooth_deep(k), 2 * k), (*approx.sawtooth_shallow(k), 2 ** k)]:
        assert sum(w.shape[0] for w in W[1:-1]) == units
        y = network.forward(grid[:, None], W, b, "relu", "sse").y[:, 0]
        np.testing.assert_allclose(y, approx.sawtooth(grid, k), atol=1e-12)
        assert approx.count_pieces(grid, y) == 2 ** k


def test_count_pieces_counts_kinks_between_grid_points_once():
    x = np.linspace(0.0, 1.0, 10)                            # the kink at 0.3 is off the grid
    assert approx.count_pieces(x, np.abs(x - 0.3)) == 2
    assert approx.count_pieces(x, 2 * x + 1) == 1
