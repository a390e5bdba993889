"""Answers to notebook 02's exercises written outside the solution's style.

RIGHT: correct answers (loops, other formulas, helper functions) that must pass.
WRONG: (exercise, source, text the diagnosis must contain) for plausible wrong answers.
"""

RIGHT = {
    "linear_accuracy": [
        '''def linear_accuracy(w, b, X, t):
    right = 0
    for n in range(X.shape[0]):
        z_n = sum(X[n, j] * w[j] for j in range(X.shape[1])) + b
        right += int((1 if z_n > 0 else 0) == t[n])
    return right / X.shape[0]
''',
        '''def linear_accuracy(w, b, X, t):
    z = np.einsum("nd,d->n", X, w) + b
    return np.count_nonzero(np.where(z > 0, 1, 0) == t) / len(t)
''',
        '''def _predict(w, b, X):
    return (X.dot(w) + b > 0).astype(int)


def linear_accuracy(w, b, X, t):
    return float((_predict(w, b, X) == np.asarray(t)).mean())
''',
    ],
    "xor_network": [
        '''def xor_network():
    # tanh units: unit 1 is OR, unit 2 is AND (steep), output "OR and not AND"
    W1 = np.array([[10.0, 10.0], [10.0, 10.0]])
    b1 = np.array([-5.0, -15.0])
    W2 = np.array([[10.0, -10.0]])
    b2 = np.array([-10.0])
    return [None, W1, W2], [None, b1, b2], "tanh"
''',
        '''def xor_network():
    # ReLU: xor = relu(x1 + x2) - 2 relu(x1 + x2 - 1), turned into a confident sigmoid output
    W = [None, np.ones((2, 2)), np.array([[8.0, -16.0]])]
    b = [None, np.array([0.0, -1.0]), np.array([-4.0])]
    return W, b, "relu"
''',
        '''def xor_network():
    # a different decomposition: x1 AND NOT x2, x2 AND NOT x1, then OR
    W1 = np.array([[20.0, -20.0], [-20.0, 20.0]])
    b1 = np.array([-10.0, -10.0])
    W2 = np.array([[20.0, 20.0]])
    b2 = np.array([-10.0])
    return ([None, W1, W2], [None, b1, b2], "sigmoid")
''',
    ],
    "success_rate": [
        '''def _one_run(hidden_units, seed, epochs, learning_rate):
    X, t = nnlib.data.xor()
    T = t.reshape(-1, 1)
    rng = np.random.default_rng(seed)
    net = nnlib.MLP([2, hidden_units, 1], hidden="tanh", loss="bce", rng=rng)
    nnlib.fit(net, X, T, epochs, batch_size=4, learning_rate=learning_rate, rng=rng)
    return net.error(X, T)


def success_rate(hidden_units, seeds, epochs=100, learning_rate=3.0, tol=0.1):
    errors = [_one_run(hidden_units, s, epochs, learning_rate) for s in seeds]
    return float(np.mean(np.array(errors) < tol))
''',
        '''def success_rate(hidden_units, seeds, epochs=100, learning_rate=3.0, tol=0.1):
    X, t = nnlib.data.xor()
    T = t.reshape(-1, 1)
    seeds = list(seeds)
    ok = 0
    for s in seeds:
        g = np.random.default_rng(s)
        net = nnlib.MLP([2, hidden_units, 1], hidden="tanh", loss="bce", rng=g)
        history = nnlib.fit(net, X, T, epochs, batch_size=4, learning_rate=learning_rate, rng=g)
        if history.loss[-1] < tol:
            ok += 1
    return ok / len(seeds)
''',
    ],
}

WRONG = [
    ("linear_accuracy", '''def linear_accuracy(w, b, X, t):
    z = X @ w.reshape(-1, 1) + b          # weights laid out as a column
    return float(np.mean((z > 0).astype(int) == t))
''', "laid out as a column"),
    ("linear_accuracy", '''def linear_accuracy(w, b, X, t):
    z = X @ w + b
    return float(np.mean((z > 0.5).astype(int) == t))
''', "threshold 0.5 applied to z"),
    ("linear_accuracy", '''def linear_accuracy(w, b, X, t):
    return float(np.mean((X @ w > 0).astype(int) == t))
''', "the bias left out"),
    ("linear_accuracy", '''def linear_accuracy(w, b, X, t):
    z = X @ w + b
    return float(np.mean((z > 0).astype(int) != t))
''', "error rate"),
    ("linear_accuracy", '''def linear_accuracy(w, b, X, t):
    z = X @ w + b
    return float(np.mean(np.sign(z) == t))
''', "row"),
    ("xor_network", '''def xor_network():
    W1 = np.array([[20.0, 20.0], [20.0, 20.0]])
    b1 = np.array([-10.0, -30.0])
    W2 = np.array([20.0, -20.0])
    b2 = np.array([-10.0])
    return [None, W1, W2], [None, b1, b2], "sigmoid"
''', "a flat vector"),
    ("xor_network", '''def xor_network():
    # columns = hidden units (the other layout): input weights into unit k in column k
    W1 = np.array([[20.0, -20.0], [20.0, -20.0]])
    b1 = np.array([-10.0, 30.0])
    W2 = np.array([[20.0, 20.0]])
    b2 = np.array([-30.0])
    return [None, W1, W2], [None, b1, b2], "sigmoid"
''', "W[1] transposed"),
    ("xor_network", '''def xor_network():
    W1 = np.array([[-20.0, 20.0], [0.0, 0.0]])   # unit 1: x2 and not x1; unit 2 unused
    b1 = np.array([-10.0, 0.0])
    W2 = np.array([[20.0, 0.0]])
    b2 = np.array([-10.0])
    return [None, W1, W2], [None, b1, b2], "sigmoid"
''', "does not compute XOR"),
    ("xor_network", '''def xor_network():
    W1 = np.array([[20.0, 20.0], [20.0, 20.0]])
    b1 = np.array([-10.0, -30.0])
    W2 = np.array([[4.0, -4.0]])
    b2 = np.array([-2.0])
    return [None, W1, W2], [None, b1, b2], "sigmoid"
''', "margin is too small"),
    ("xor_network", '''def xor_network():
    W1 = np.array([[20.0, 20.0], [20.0, 20.0]])
    b1 = np.array([-10.0, -30.0])
    W2 = np.array([[-20.0, 20.0]])
    b2 = np.array([10.0])
    return [None, W1, W2], [None, b1, b2], "sigmoid"
''', "NOT XOR"),
    ("success_rate", '''def success_rate(hidden_units, seeds, epochs=100, learning_rate=3.0, tol=0.1):
    X, t = nnlib.data.xor()
    T = t.reshape(-1, 1)
    ok = 0
    for s in seeds:
        rng = np.random.default_rng(s)
        net = nnlib.MLP([2, hidden_units, 1], hidden="tanh", loss="bce", rng=rng)
        nnlib.fit(net, X, T, epochs, batch_size=4, learning_rate=3.0, rng=rng)
        ok += net.error(X, T) < tol
    return ok / len(seeds)
''', "learning_rate not used"),
    ("success_rate", '''def success_rate(hidden_units, seeds, epochs=100, learning_rate=3.0, tol=0.1):
    X, t = nnlib.data.xor()
    T = t.reshape(-1, 1)
    ok = 0
    for s in seeds:
        rng = np.random.default_rng(s)
        net = nnlib.MLP([2, hidden_units, 1], hidden="tanh", loss="bce", rng=rng)
        nnlib.fit(net, X, T, 100, batch_size=4, learning_rate=learning_rate, rng=rng)
        ok += net.error(X, T) < tol
    return ok / len(seeds)
''', "epochs not used"),
    ("success_rate", '''def success_rate(hidden_units, seeds, epochs=100, learning_rate=3.0, tol=0.1):
    X, t = nnlib.data.xor()
    T = t.reshape(-1, 1)
    ok = 0
    for s in seeds:
        rng = np.random.default_rng(s)
        net = nnlib.MLP([2, hidden_units, 1], hidden="tanh", loss="bce", rng=rng)
        nnlib.fit(net, X, T, epochs, batch_size=4, rng=rng)
        ok += net.error(X, T) < tol
    return ok / len(seeds)
''', "default 0.1"),
    ("success_rate", '''def success_rate(hidden_units, seeds, epochs=100, learning_rate=3.0, tol=0.1):
    X, t = nnlib.data.xor()
    T = t.reshape(-1, 1)
    ok = 0
    for s in seeds:
        rng = np.random.default_rng(s)
        net = nnlib.MLP([2, hidden_units, 1], hidden="tanh", loss="bce", rng=rng)
        nnlib.fit(net, X, T, epochs, batch_size=4, learning_rate=learning_rate, rng=rng)
        ok += net.error(X, T) < 0.1
    return ok / len(seeds)
''', "tol not used"),
    ("success_rate", '''def success_rate(hidden_units, seeds, epochs=100, learning_rate=3.0, tol=0.1):
    X, t = nnlib.data.xor()
    T = t.reshape(-1, 1)
    ok = 0
    for s in seeds:
        rng = np.random.default_rng(s)
        net = nnlib.MLP([2, 2, 1], hidden="tanh", loss="bce", rng=rng)
        nnlib.fit(net, X, T, epochs, batch_size=4, learning_rate=learning_rate, rng=rng)
        ok += net.error(X, T) < tol
    return ok / len(seeds)
''', "hidden_units not used"),
    ("success_rate", '''def success_rate(hidden_units, seeds, epochs=100, learning_rate=3.0, tol=0.1):
    X, t = nnlib.data.xor()
    T = t.reshape(-1, 1)
    ok = 0
    for s in seeds:
        rng = np.random.default_rng(s)
        net = nnlib.MLP([2, hidden_units, 1], hidden="tanh", loss="bce", rng=rng)
        nnlib.fit(net, X, T, epochs, batch_size=4, learning_rate=learning_rate, rng=rng)
        ok += net.error(X, T) < tol
    return int(ok)
''', "number of successful runs"),
]
