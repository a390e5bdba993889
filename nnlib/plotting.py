"""Plotting helpers used by the notebooks (matplotlib). Each returns the Axes or Figure it drew on."""
from __future__ import annotations

import numpy as np

__all__ = ["decision_boundary", "basis_functions", "training_curves", "layer_histograms", "digit_grid",
           "computational_graph"]


def _axes(ax, figsize=(5, 4)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def decision_boundary(predict, X, t, ax=None, resolution=200, margin=0.5, title=None):
    """Shade the regions a 2-D classifier assigns to each class and scatter the data on top.

    ``predict``: function mapping a batch ``(M, 2)`` to class ids ``(M,)`` (e.g. ``net.predict``).
    ``X``: ``(N, 2)`` inputs; ``t``: ``(N,)`` class ids (or -1/+1). Raises ``ValueError`` unless
    ``X`` has 2 columns.
    """
    X = np.asarray(X, dtype=float)
    t = np.asarray(t).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary needs 2-D inputs X of shape (N, 2), got {X.shape}")
    ax = _axes(ax)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    pred = np.asarray(predict(grid)).reshape(g0.shape)
    ax.contourf(g0, g1, pred, alpha=0.3, cmap="coolwarm", levels=np.unique(np.append(pred, t)).size)
    ax.scatter(X[:, 0], X[:, 1], c=t, cmap="coolwarm", edgecolors="k", s=40)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def basis_functions(x, Phi, w=None, ax=None, title=None, target=None, labels=None):
    """Draw each basis function phi_j(x) and, given ``w``, the model output w^T phi(x).

    ``x``: ``(N,)`` or ``(N, 1)`` sorted inputs; ``Phi``: ``(N, M)`` with column j = phi_j(x);
    ``w``: ``(M,)`` output weights (optional); ``target``: ``(N,)`` values to draw as dots;
    ``labels``: M legend labels for the columns (default ``phi_j(x)``).
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    Phi = np.asarray(Phi, dtype=float)
    if Phi.ndim != 2 or Phi.shape[0] != x.size:
        raise ValueError(f"Phi must have shape (N, M) with N = {x.size}, got {Phi.shape}")
    ax = _axes(ax)
    if labels is None:
        labels = [f"$\\phi_{{{j + 1}}}(x)$" for j in range(Phi.shape[1])]
    elif len(labels) != Phi.shape[1]:
        raise ValueError(f"labels has {len(labels)} entries but Phi has {Phi.shape[1]} columns")
    for j in range(Phi.shape[1]):
        ax.plot(x, Phi[:, j], "--", lw=1.2, label=labels[j])
    if w is not None:
        w = np.asarray(w, dtype=float).reshape(-1)
        ax.plot(x, Phi @ w, "k-", lw=2.5, label="$w^T\\phi(x)$")
    if target is not None:
        ax.plot(x, np.asarray(target).reshape(-1), "o", color="tab:blue", ms=3, alpha=0.6, label="data")
    ax.set_xlabel("$x$")
    ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title(title)
    return ax


def training_curves(histories, ax=None, metric="loss", logy=None, title=None):
    """Plot one metric per epoch for one or several trainings.

    ``histories``: a :class:`~nnlib.training.History` or ``{label: History}``; ``metric``:
    ``'loss'``, ``'accuracy'``, ``'val_loss'`` or ``'val_accuracy'``. The loss axis is
    logarithmic by default.
    """
    ax = _axes(ax)
    if not isinstance(histories, dict):
        histories = {None: histories}
    for label, h in histories.items():
        values = np.asarray(getattr(h, metric), dtype=float)
        ax.plot(np.arange(1, values.size + 1), values, label=label)
    if logy if logy is not None else metric.endswith("loss"):
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric.replace("_", " "))
    if any(label is not None for label in histories):
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def layer_histograms(values, title="activations", bins=40, range=None, fig=None):
    """One histogram per layer, side by side (the figure style of Glorot & Bengio 2010).

    ``values``: list of arrays, one per layer (e.g. ``fp.a[1:]`` or ``grads.dW[1:]``), flattened
    for the histogram. Each panel is titled with the layer number and the standard deviation.
    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    n = len(values)
    if fig is None:
        fig = plt.figure(figsize=(min(2.0 * n, 16), 2.4))
    axes = fig.subplots(1, n, sharey=True, squeeze=False)[0]
    for l, (ax, v) in enumerate(zip(axes, values), start=1):
        v = np.asarray(v, dtype=float).ravel()
        ax.hist(v, bins=bins, range=range, color="tab:blue", histtype="stepfilled")
        ax.set_title(f"layer {l}\nstd {v.std():.2g}", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10)
    if hasattr(fig, "tight_layout"):  # a SubFigure has no layout engine of its own
        fig.tight_layout()
    return fig


def digit_grid(images, labels=None, predictions=None, ncols=8, fig=None):
    """A grid of 8x8 digit images, titled ``label`` or ``label -> prediction``. Returns the Figure.

    ``images``: ``(M, 8, 8)`` or ``(M, 64)``; ``labels``, ``predictions``: ``(M,)`` ints.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images, dtype=float).reshape(-1, 8, 8)
    m = len(images)
    nrows = max(1, int(np.ceil(m / ncols)))
    if fig is None:
        fig = plt.figure(figsize=(1.2 * ncols, 1.4 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= m:
            continue
        ax.imshow(images[i], cmap="gray_r")
        if labels is not None:
            text = f"{labels[i]}" + (f"\u2192{predictions[i]}" if predictions is not None else "")
            ax.set_title(text, fontsize=9)
    fig.tight_layout()
    return fig


def computational_graph(root, names=None, ax=None, title=None):
    """Draw the graph of :mod:`nnlib.autodiff` Tensors that ``root`` was computed from.

    Nodes are placed in columns by their depth (a leaf in column 0, every other node one column
    right of its deepest parent), so arrows point from inputs to the loss; each box shows the
    node's name (``names``: ``{id(tensor): label}``, e.g. ``{id(W1): "W[1]"}``), else its
    operation, and the shape of its value. Returns the Axes. Raises ``TypeError`` if ``root``
    is not a Tensor.
    """
    from .autodiff import topological_order

    order = topological_order(root)
    names = names or {}
    depth = {}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
    columns = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    pos = {}
    for d, nodes in columns.items():
        for k, node in enumerate(nodes):
            pos[id(node)] = (d, (len(nodes) - 1) / 2 - k)
    ax = _axes(ax, figsize=(1.6 * (len(columns) + 1), 1.0 * max(len(c) for c in columns.values()) + 2.0))
    for node in order:
        x1, y1 = pos[id(node)]
        for p in node.parents:
            x0, y0 = pos[id(p)]
            span = x1 - x0            # an edge that skips columns arcs over the nodes between
            ax.annotate("", xy=(x1 - 0.3, y1), xytext=(x0 + 0.3, y0),
                        arrowprops=dict(arrowstyle="->", color="0.4", lw=1,
                                        connectionstyle=f"arc3,rad={-0.25 * (span > 1) - 0.08 * max(span - 2, 0)}"))
    for node in order:
        x, y = pos[id(node)]
        leaf = not node.parents
        label = names.get(id(node), node.op)
        shape = "x".join(str(n) for n in node.shape) or "scalar"
        ax.text(x, y, f"{label}\n{shape}", ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", fc="#dbe9f6" if leaf else "#fde2c4",
                          ec="#1f77b4" if leaf else "#d62728"))
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ys = [y for _, y in pos.values()]
    arcs = any(depth[id(n)] - depth[id(p)] > 1 for n in order for p in n.parents)
    ax.set_ylim(min(ys) - 0.7, max(ys) + (1.6 if arcs else 0.7))
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax

