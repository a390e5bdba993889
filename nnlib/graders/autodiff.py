"""Checkers of notebook 09-autodiff (the local rules, the backward sweep, a network as a graph).

``linear_vjp(G, A, W)``: the vector-Jacobian products of a dense layer ``Z = A @ W.T + b``,
``(dA, dW, db) = (G @ W, G.T @ A, G.sum(axis=0))``. Cases: visible, one non-square layer
(N=3, n_(l-1)=4, n_l=2); hidden, six layers with every size drawn (non-square), a batch of one,
one case with N = n_l (so a sum over the wrong axis has the right shape) and one with
n_l = n_(l-1), rows of G of very different scale. Named mistakes: the matrix products in the
wrong order (shapes that do not fit, or dA = G @ W.T); dW transposed (A.T @ G); the bias
gradient not summed over the batch (the shape of G), averaged instead of summed (1/N), summed
over the units instead of the batch; dW divided by N once more (the 1/N is already in G).

``activation_vjp(G, z, a, h)``: ``dE/dz = G * h'(z)`` for ``h`` in tanh, sigmoid, relu, from
``nnlib.activations``. Cases: visible, each of the three on a (2, 3) batch; hidden, each
activation twice with drawn shapes, one case with saturated units (|z| up to 8), z kept away
from relu's kink. Named mistakes: h' missing (G itself); the derivative of the wrong quantity
(1 - z**2, z (1 - z)); multiplied by the activation a instead of h'(z); h' evaluated at a
(h'(a) instead of h'(z)).

``backward_pass(loss)``: the reverse sweep over a graph of ``nnlib.autodiff.Tensor`` nodes,
judged by every node's ``grad`` against ``nnlib.autodiff.backward``, from the loss down.
Cases: visible, ``sum(x * x)`` (a node used twice by one operation), a diamond
``mean(t + sigmoid(t) * t)`` with paths of different lengths, and a dense layer with its bias;
hidden, five random graphs (a layer, then tanh/sigmoid/add/mul nodes whose inputs are drawn
among the earlier ones, nodes used twice), a residual chain ``h <- h + tanh(h)`` twelve deep,
and a chain of 150 nodes. Named mistakes: the grad of the loss not seeded with 1; ``=``
instead of ``+=`` (no accumulation); a wrong order (breadth-first or depth-first pre-order
from the loss: a node propagated before all its consumers added to it); the topological order
not reversed; a node processed once per path (no set of visited nodes).

``mlp_loss(X, T, W, b, hidden, loss)``: the error of an L-layer network built from
``nnlib.autodiff`` operations; judged by ``E`` and by the gradients the reference backward
sweep finds through the student's graph, against nnlib's hand-written network
(``nnlib.network``, the delta recursion of notebook 04). Cases: visible, a 2-3-2 tanh network
with the mean squared error and a 3-4-3 relu network with softmax cross-entropy; hidden, six
networks of 1 to 4 layers, every hidden activation, both losses, targets as class ids and as
one-hot rows, a batch of one, input rows of different scale. Named mistakes: the hidden
activation on the output layer too; no hidden activation; another activation than ``hidden``;
the bias left out; the sum over the batch instead of the mean (factor N); the squared error
without its 1/2, or averaged over the outputs too; W not transposed (shapes that do not fit);
a result that is not a scalar Tensor, or a graph the weights are not part of.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from .. import activations, autodiff as ad, checks, network
from .base import Case, Exercise, Wrong
from .common import expect_sequence, scaled_rows, size_other_than
from .registry import register

ASSIGNMENT = "09-autodiff"
H_PRIME = {"tanh": activations.tanh_prime, "sigmoid": activations.sigmoid_prime,
           "relu": activations.relu_prime}
H = {"tanh": activations.tanh, "sigmoid": activations.sigmoid, "relu": activations.relu}


# --- Exercise 1: linear_vjp ------------------------------------------------------------------
@register
class LinearVjp(Exercise):
    name = "linear_vjp"
    assignment = ASSIGNMENT
    references = (ad.linear_vjp,)

    def fixed_cases(self):
        G = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, -1.0]])
        A = np.array([[1.0, 2.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0], [2.0, 0.0, 1.0, 1.0]])
        W = np.array([[1.0, 0.0, -1.0, 2.0], [0.5, 1.0, 0.0, -1.0]])
        return [Case("N=3, n_(l-1)=4, n_l=2", (G, A, W))]

    def cases(self, rng):
        out = []
        for k in range(6):
            n_prev = int(rng.integers(2, 6))
            n = size_other_than(rng, n_prev, 1, 6)
            N = int(rng.integers(2, 7))
            if k == 1:
                N = 1                                  # a batch of one
            elif k == 2:
                N = n = max(n, 2)                      # a sum over the wrong axis fits
                n_prev = size_other_than(rng, n, 1, 6)
            elif k == 3:
                n = n_prev                             # square W: dA = G @ W.T runs
            G = scaled_rows(rng, N, n, decades=2.0) if k == 4 else rng.normal(size=(N, n))
            A, W = rng.normal(size=(N, n_prev)), rng.normal(size=(n, n_prev))
            out.append(Case(f"N={N}, n_(l-1)={n_prev}, n_l={n}", (G, A, W)))
        return out

    def explain_error(self, case, error, message):
        if error == "ValueError" and ("matmul" in message or "align" in message or "shape" in message):
            G, A, W = case.args
            return (f"linear_vjp raised ValueError ({message}): the shapes of a matrix product do "
                    f"not fit. G is (N, n_l) = {G.shape}, A is (N, n_(l-1)) = {A.shape}, W is "
                    f"(n_l, n_(l-1)) = {W.shape}: dA = G @ W, dW = G.T @ A, each with the shape "
                    f"of its input.")
        return None

    def judge(self, case, output):
        G, A, W = case.args
        N, n = G.shape
        dA, dW, db = expect_sequence(output, 3, "linear_vjp", "the triple (dA, dW, db)")
        wrong_dA = {}
        if W.shape[0] == W.shape[1]:
            wrong_dA["dA = G @ W.T: Z = A @ W.T, so dE/dA = G @ W (the transpose is undone)"] = G @ W.T
        checks.check_array(dA, G @ W, "dA = dE/dA", wrong=wrong_dA)
        checks.check_array(dW, G.T @ A, "dW = dE/dW", batch_size=N,
                           wrong={"dW divided by N: the 1/N of the mean is already in G": G.T @ A / N}
                           if N > 1 else {})
        db = np.asarray(db, dtype=float)
        if db.shape == G.shape and db.shape != (n,):
            raise Wrong(f"db has the shape of G {G.shape}: the bias (n_l,) was added to every row "
                        f"of the batch, so its gradient sums G over the batch: G.sum(axis=0), "
                        f"shape {(n,)}.")
        if db.shape == (N,) and N != n:
            raise Wrong(f"db has shape {(N,)}: summed over the units (axis=1) instead of over the "
                        f"batch (axis=0); expected shape {(n,)}.")
        wrong = {}
        if N == n:
            wrong["summed over the units (axis=1) instead of over the batch (axis=0)"] = G.sum(axis=1)
        checks.check_array(db, G.sum(axis=0), "db = dE/db", batch_size=N, wrong=wrong)


# --- Exercise 2: activation_vjp --------------------------------------------------------------
def _away_from_kink(z):
    z = np.array(z, dtype=float)
    small = np.abs(z) < 1e-2
    z[small] = np.where(z[small] < 0, -0.5, 0.5)
    return z


@register
class ActivationVjp(Exercise):
    name = "activation_vjp"
    assignment = ASSIGNMENT
    references = (ad.activation_vjp,)

    def fixed_cases(self):
        G = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 3.0]])
        z = np.array([[0.5, -1.0, 2.0], [1.5, -0.3, 0.2]])
        return [Case(f"{h}, N=2, n=3", (G, z, H[h](z), h)) for h in ("tanh", "sigmoid", "relu")]

    def cases(self, rng):
        out = []
        for k, h in enumerate(("tanh", "sigmoid", "relu") * 2):
            N, n = int(rng.integers(1, 6)), int(rng.integers(1, 6))
            scale = 8.0 if k == 3 else 2.0            # k == 3: tanh units in saturation
            z = _away_from_kink(rng.uniform(-scale, scale, size=(N, n)))
            if k == 3:
                z.flat[0] = rng.choice([-1.0, 1.0]) * rng.uniform(5.0, 8.0)   # one unit surely saturated
            G = scaled_rows(rng, N, n, decades=1.5)
            out.append(Case(f"{h}, N={N}, n={n}" + (", saturated" if k == 3 else ""), (G, z, H[h](z), h)))
        return out

    def call(self, fn, case):
        G, z, a, h = case.args
        return fn(G.copy(), z.copy(), a.copy(), h)

    def judge(self, case, output):
        G, z, a, h = case.args
        expected = G * H_PRIME[h](z)
        wrong = {"the activation derivative h'(z) is missing (dE/dz = G * h'(z), not G)": G,
                 "multiplied by the activation a = h(z) instead of its derivative h'(z)": G * a}
        if h == "tanh":
            wrong["1 - z**2: tanh'(z) = 1 - a**2 uses the activation a = tanh(z), not z"] = G * (1 - z * z)
            wrong["h' evaluated at the activation: tanh'(z) = 1 - a**2, not tanh'(a)"] = \
                G * activations.tanh_prime(a)
        elif h == "sigmoid":
            wrong["z (1 - z): sigma'(z) = a (1 - a) uses the activation a = sigma(z), not z"] = G * z * (1 - z)
            wrong["h' evaluated at the activation: sigma'(z) = a (1 - a), not sigma'(a)"] = \
                G * activations.sigmoid_prime(a)
        checks.check_array(output, expected, f"dE/dz for {h}", wrong=wrong)


# --- Exercise 3: backward_pass -------------------------------------------------------------
UNARY = {"tanh": ad.tanh, "sigmoid": ad.sigmoid, "T": ad.transpose, "sum": ad.sum, "mean": ad.mean}
BINARY = {"add": ad.add, "mul": ad.mul, "matmul": ad.matmul}


def build_graph(spec):
    """The nodes of the graph described by ``spec``, a tuple of ``("leaf", array)``,
    ``(op, i)`` or ``(op, i, j)`` with earlier node numbers; the last node is the loss."""
    nodes = []
    for item in spec:
        op = item[0]
        if op == "leaf":
            nodes.append(ad.Tensor(np.array(item[1], dtype=float)))
        elif op in UNARY:
            nodes.append(UNARY[op](nodes[item[1]]))
        else:
            nodes.append(BINARY[op](nodes[item[1]], nodes[item[2]]))
    return nodes


def _nodes_of(root):
    return ad.topological_order(root)


def _bfs(root):
    order, seen, queue = [], {id(root)}, deque([root])
    while queue:
        node = queue.popleft()
        order.append(node)
        for p in node.parents:
            if id(p) not in seen:
                seen.add(id(p))
                queue.append(p)
    return order


def _preorder(root):
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(reversed(node.parents))
    return order


def _paths(root):
    """How many times a depth-first search without a visited set appends each node (bounded)."""
    count = {id(root): 1}
    for node in reversed(ad.topological_order(root)):
        for p in node.parents:
            count[id(p)] = count.get(id(p), 0) + count[id(node)]
    return sum(count.values())


def _postorder_with_repeats(root):
    order = []

    def visit(node):
        for p in node.parents:
            visit(p)
        order.append(node)
    visit(root)
    return order[::-1]


def simulate(spec, kind):
    """Every node's grad after a sweep done the ``kind`` of wrong way (``None``: the right way)."""
    nodes = build_graph(spec)
    root = nodes[-1]
    every = _nodes_of(root)
    if kind == "bfs":
        order = _bfs(root)
    elif kind == "preorder":
        order = _preorder(root)
    elif kind == "not reversed":
        order = every
    elif kind == "repeats":
        order = _postorder_with_repeats(root)
    else:
        order = every[::-1]
    for n in every:
        n.grad = np.zeros_like(n.value)
    if kind != "no seed":
        root.grad = np.ones_like(root.value)
    for n in order:
        if n.parents:
            for p, g in zip(n.parents, n.vjp(n.grad)):
                p.grad = g if kind == "overwrite" else p.grad + g
    return [n.grad for n in nodes]


def _leaf(x):
    return ("leaf", np.asarray(x, dtype=float))


def _random_graph(rng, n_ops):
    N, n, m = (int(v) for v in rng.integers(1, 5, size=3))
    spec = [_leaf(rng.normal(size=(N, n))), _leaf(rng.normal(size=(m, n)) / np.sqrt(n)),
            _leaf(0.5 * rng.normal(size=m)), ("T", 1), ("matmul", 0, 3), ("add", 4, 2)]
    pool = [5]
    first = True
    for _ in range(n_ops):
        kind = "mul_self" if first else str(rng.choice(["tanh", "sigmoid", "add", "mul", "mul_self", "add"]))
        first = False
        i = int(pool[-1] if rng.random() < 0.5 else rng.choice(pool))
        if kind in ("tanh", "sigmoid"):
            spec.append((kind, i))
        elif kind == "mul_self":
            spec.append(("mul", i, i))
        else:
            j = int(rng.choice(pool))
            spec.append((kind, i, j) if rng.random() < 0.5 else (kind, j, i))
        if kind in ("mul", "mul_self"):                 # keep the values bounded
            spec.append(("tanh", len(spec) - 1))
        pool.append(len(spec) - 1)
    spec.append(("add", len(spec) - 1, pool[len(pool) // 2]))
    spec.append(("sum", len(spec) - 1) if rng.random() < 0.5 else ("mean", len(spec) - 1))
    return tuple(spec), (N, n, m)


SEED = "the grad of the loss must be seeded with 1 (dE/dE = 1) before the sweep"
ACCUMULATE = ("= instead of +=: a node used by several others (or twice by one) must receive the sum "
              "of their contributions; add into parent.grad")
ORDER = ("wrong order: a node was processed before every node that uses it had added its "
         "contribution; go through the nodes in reverse topological order (the loss first, a node "
         "only after all its consumers)")
NOT_REVERSED = ("the order was not reversed: a topological order puts the parents first, and the "
                "backward sweep starts from the loss, so go through it reversed")
REPEATS = ("a node reached along several paths was processed more than once: keep a set of visited "
           "nodes so that each node appears once in the order")
VARIANTS = {"overwrite": ACCUMULATE, "bfs": ORDER, "preorder": ORDER, "not reversed": NOT_REVERSED,
            "repeats": REPEATS, "no seed": SEED}


@register
class BackwardPass(Exercise):
    name = "backward_pass"
    assignment = ASSIGNMENT
    references = (ad.backward, ad.Tensor.backward, ad.topological_order)

    def fixed_cases(self):
        x = _leaf([1.5, -2.0, 0.5])
        square = (x, ("mul", 0, 0), ("sum", 1))
        diamond = (_leaf([0.3, -0.7]), ("tanh", 0), ("sigmoid", 1), ("mul", 2, 1), ("add", 1, 3), ("mean", 4))
        layer = (_leaf([[1.0, 2.0], [0.0, -1.0], [0.5, 0.5]]), _leaf([[0.5, -1.0], [1.0, 0.0], [0.2, 0.3]]),
                 _leaf([0.1, -0.2, 0.0]), ("T", 1), ("matmul", 0, 3), ("add", 4, 2), ("tanh", 5), ("sum", 6))
        return [Case("E = sum(x * x): x is used twice by one node", (square,)),
                Case("t = tanh(x), E = mean(t + sigmoid(t) * t): t is used by three nodes", (diamond,)),
                Case("E = sum(tanh(X @ W.T + b)), X (3, 2), W (3, 2), b (3,)", (layer,))]

    def cases(self, rng):
        out = []
        for k in range(5):
            spec, (N, n, m) = _random_graph(rng, int(rng.integers(3, 9)))
            out.append(Case(f"a random graph of {len(spec)} nodes (a layer N={N}, n={n}, m={m}, then "
                            f"tanh, sigmoid, add and mul nodes)", (spec,)))
        depth = 12
        spec = [_leaf(rng.normal(size=(1, int(rng.integers(1, 4)))))]
        for _ in range(depth):
            h = len(spec) - 1
            spec += [("tanh", h), ("add", h, h + 1)]
        spec.append(("sum", len(spec) - 1))
        out.append(Case(f"a residual chain h <- h + tanh(h), {depth} deep (every h used twice)",
                        (tuple(spec),)))
        spec = [_leaf(rng.normal(size=int(rng.integers(1, 4)))), _leaf(0.9 + 0.2 * rng.random())]
        for _ in range(75):
            spec += [("tanh", len(spec) - 1), ("mul", len(spec), 1)]
        spec.append(("mean", len(spec) - 1))
        out.append(Case(f"a chain of {len(spec)} nodes", (tuple(spec),)))
        return out

    def call(self, fn, case):
        nodes = build_graph(case.args[0])
        result = fn(nodes[-1])
        return {"grads": [n.grad for n in nodes],
                "returned": None if result is None else type(result).__name__}

    def explain_error(self, case, error, message):
        if error == "TypeError" and "NoneType" in message:
            return (f"backward_pass raised TypeError ({message}): a grad was None; every node's "
                    f"grad starts as zeros of the shape of its value (np.zeros_like(node.value)).")
        if error == "RecursionError":
            return ("backward_pass raised RecursionError: the search visits nodes again and again; "
                    "keep a set of visited nodes (by id) and stop at one already seen.")
        return None

    def judge(self, case, output):
        spec = case.args[0]
        if not isinstance(output, dict) or not isinstance(output.get("grads"), (list, tuple)):
            raise Wrong("the result could not be read")
        got = list(output["grads"])
        nodes = build_graph(spec)
        root = nodes[-1]
        ad.backward(root)
        expected = [n.grad for n in nodes]
        index = {id(n): i for i, n in enumerate(nodes)}
        kinds = [k for k in VARIANTS if k != "repeats" or _paths(root) <= 10_000]
        variants = {k: simulate(spec, k) for k in kinds}
        if got[-1] is None or np.asarray(got[-1], dtype=float).shape != expected[-1].shape or \
                not np.allclose(np.asarray(got[-1], dtype=float), 1.0):
            raise Wrong(f"{SEED}; the loss's grad is {got[-1]!r}.")
        for node in reversed(ad.topological_order(root)):
            i = index.get(id(node))
            if i is None:                     # inside a composite operation (mean)
                continue
            if got[i] is None:
                raise Wrong(f"node {i} ({node.op}) has no grad (None)")
            wrong = {}
            for k, v in variants.items():
                if not np.allclose(v[i], expected[i], rtol=1e-9, atol=1e-12):
                    wrong.setdefault(VARIANTS[k], v[i])
            checks.check_array(got[i], expected[i], f"the grad of node {i} ({node.op}, shape "
                                                    f"{node.shape})", rtol=1e-7, wrong=wrong)
        return None


# --- Exercise 4: mlp_loss -------------------------------------------------------------------
def _variant_loss(X, T, W, b, hidden, loss, kind):
    """E and its gradients (lists by layer) of the network built the ``kind`` of wrong way."""
    TW, Tb = ad.parameters(W, b)
    a = ad.as_tensor(X)
    L = len(W) - 1
    for l in range(1, L + 1):
        z = a @ TW[l].T if kind == "nobias" else a @ TW[l].T + Tb[l]
        h = kind[6:] if kind.startswith("other:") else hidden
        if l < L:
            a = z if kind == "linear" else ad.activation(z, h)
        else:
            a = ad.activation(z, hidden) if kind == "output" else z
    if loss == "mse":
        E = ad.mse(a, T)
        if kind == "no half":
            E = E * 2.0
        elif kind == "over outputs":
            E = E * (1.0 / a.shape[1])
    else:
        E = ad.softmax_cross_entropy(a, T)
    ad.backward(E)
    return float(E.value), [None] + [t.grad for t in TW[1:]], [None] + [t.grad for t in Tb[1:]]


@register
class MlpLoss(Exercise):
    name = "mlp_loss"
    assignment = ASSIGNMENT
    references = (ad.mlp_loss,)
    upstream = {"linear_vjp": ad.linear_vjp, "activation_vjp": ad.activation_vjp}

    @staticmethod
    def _case(label, rng, sizes, hidden, loss, N, ids=True, scaled=False):
        W = [None] + [rng.normal(size=(sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1])
                      for l in range(1, len(sizes))]
        b = [None] + [0.3 * rng.normal(size=sizes[l]) for l in range(1, len(sizes))]
        X = scaled_rows(rng, N, sizes[0], decades=1.0) if scaled else rng.normal(size=(N, sizes[0]))
        K = sizes[-1]
        if loss == "mse":
            T = rng.normal(size=(N, K))
        else:
            T = rng.integers(0, K, size=N)
            if not ids:
                T = np.eye(K)[T]
        return Case(label, (X, T, W, b, hidden, loss))

    def fixed_cases(self):
        rng = np.random.default_rng(9)
        return [self._case("sizes [2, 3, 2], tanh, mse, N=3", rng, [2, 3, 2], "tanh", "mse", 3),
                self._case("sizes [3, 4, 3], relu, softmax_ce with class ids, N=4", rng, [3, 4, 3],
                           "relu", "softmax_ce", 4)]

    def cases(self, rng):
        out = []
        plans = [(2, "tanh", "softmax_ce"), (3, "sigmoid", "mse"), (1, "relu", "mse"),
                 (4, "relu", "softmax_ce"), (2, "sigmoid", "softmax_ce"), (3, "tanh", "mse")]
        for k, (L, hidden, loss) in enumerate(plans):
            sizes = [int(s) for s in rng.integers(2, 6, size=L + 1)]
            N = 1 if k == 2 else int(rng.integers(2, 7))
            ids = k != 4
            out.append(self._case(f"sizes {sizes}, {hidden}, {loss}" + ("" if ids or loss == "mse" else
                                  " with one-hot targets") + f", N={N}", rng, sizes, hidden, loss, N,
                                  ids=ids, scaled=k == 5))
        return out

    def call(self, fn, case):
        X, T, W, b, hidden, loss = case.args
        TW, Tb = ad.parameters(W, b)
        E = fn(X.copy(), np.array(T), TW, Tb, hidden, loss)
        if not isinstance(E, ad.Tensor):
            return {"kind": type(E).__name__}
        if E.value.size != 1:
            return {"kind": "Tensor", "shape": list(E.shape)}
        ad.backward(E)
        return {"kind": "Tensor", "E": float(E.value), "dW": [None] + [t.grad for t in TW[1:]],
                "db": [None] + [t.grad for t in Tb[1:]]}

    def explain_error(self, case, error, message):
        if error == "ValueError" and "do not chain" in message:
            return (f"mlp_loss raised ValueError ({message}): W[l] has shape (n_l, n_(l-1)), so "
                    f"layer l is z = a @ W[l].T + b[l] (use the transpose W[l].T).")
        if error == "ValueError" and ("target" in message or "shape" in message):
            return (f"mlp_loss raised ValueError ({message}): does the loss get the output of the "
                    f"last layer L = len(W) - 1? The loop runs over l = 1..L: range(1, len(W)).")
        return None

    def judge(self, case, output):
        X, T, W, b, hidden, loss = case.args
        if not isinstance(output, dict) or output.get("kind") != "Tensor":
            kind = output.get("kind") if isinstance(output, dict) else type(output).__name__
            raise Wrong(f"mlp_loss must return the loss as a Tensor (built from nnlib.autodiff "
                        f"operations on W and b), got {kind}")
        if "E" not in output:
            raise Wrong(f"mlp_loss must return a single number E (the mean over the batch), got a "
                        f"Tensor of shape {tuple(output.get('shape', ()))}")
        L, N = len(W) - 1, X.shape[0]
        sizes = network.check_params(W, b)
        net = network.MLP(sizes, hidden=hidden, loss="sse" if loss == "mse" else "softmax_ce", init="zeros")
        net.set_params(W, b)
        E_ref, grads = net.gradients(X, T)
        kinds = {"output": "the hidden activation was applied to the output layer L too (its output "
                           "unit is the identity, and softmax is inside the loss)",
                 "nobias": "the bias b[l] is missing: z[l] = a[l-1] @ W[l].T + b[l]"}
        if L > 1:
            kinds["linear"] = "the hidden activation is missing: a[l] = h(z[l]) for l < L"
            for other in ad.HIDDEN:
                if other != hidden:
                    kinds[f"other:{other}"] = (f"the hidden layers used {other}, not the `hidden` "
                                               f"asked ({hidden})")
        if loss == "mse":
            kinds["no half"] = "the squared error without its 1/2: E = (1/N) sum_n 1/2 ||y_n - t_n||^2"
            if N == 2:                # the same factor 2 as a sum over a batch of two
                kinds["no half"] += (" (or, the same factor here, summed over the batch of N = 2 "
                                     "instead of the mean)")
            if sizes[-1] > 1:
                kinds["over outputs"] = ("averaged over the K outputs too: E sums over the outputs "
                                         "and averages over the N examples only")
        variants = {desc: _variant_loss(X, T, W, b, hidden, loss, k) for k, desc in kinds.items()}

        def differing(part, l=None):
            out = {}
            for desc, v in variants.items():
                value = v[part] if l is None else v[part][l]
                ref = E_ref if part == 0 else (grads.dW if part == 1 else grads.db)[l]
                if not np.allclose(value, ref, rtol=1e-9, atol=1e-12):
                    out[desc] = value
            return out
        checks.check_scalar(output["E"], E_ref, "E", rtol=1e-7, batch_size=N, wrong=differing(0))
        dW, db = output["dW"], output["db"]
        for l in range(1, L + 1):
            if not np.any(np.asarray(dW[l], dtype=float)) and np.any(grads.dW[l]):
                raise Wrong(f"no gradient reaches W[{l}]: build the graph from the Tensors W[l] and "
                            f"b[l] themselves (an array such as W[l].value is a constant to the graph)")
        for l in range(L, 0, -1):
            checks.check_array(dW[l], grads.dW[l], f"dE/dW[{l}] through your graph", batch_size=N,
                               wrong=differing(1, l))
            checks.check_array(db[l], grads.db[l], f"dE/db[{l}] through your graph", batch_size=N,
                               wrong=differing(2, l))
