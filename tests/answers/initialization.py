"""Answers to notebook 06's exercises written outside the solution's style.

RIGHT: correct answers (other draws, helpers, loops, other formulas) that must pass.
WRONG: (exercise, source, text the diagnosis must contain) for plausible wrong answers.
"""

RIGHT = {
    "he_normal": [
        '''def he_normal(shape, rng):
    fan_in = shape[1]
    return rng.standard_normal(shape) * np.sqrt(2 / fan_in)
''',
        '''import math

def _he_std(n_in):
    return math.sqrt(2.0 / n_in)

def he_normal(shape, rng):
    n_out, n_in = shape
    W = rng.normal(size=(n_out, n_in))
    return W * _he_std(n_in)
''',
        '''def he_normal(shape, rng):
    rows, cols = shape
    scale = (2.0 / cols) ** 0.5
    return np.array([rng.normal(0.0, scale, cols) for _ in range(rows)]).reshape(rows, cols)
''',
    ],
    "xavier_normal": [
        '''def xavier_normal(shape, rng):
    scale = (2 / sum(shape)) ** 0.5
    return rng.normal(loc=0.0, scale=scale, size=tuple(shape))
''',
        '''def xavier_normal(shape, rng):
    fan_out, fan_in = shape
    variance = 2.0 / (fan_out + fan_in)
    return np.sqrt(variance) * rng.standard_normal(size=(fan_out, fan_in))
''',
        '''def xavier_normal(shape, rng):
    n = shape[0] * shape[1]
    flat = rng.normal(0.0, 1.0, size=n)
    return (flat * np.sqrt(2.0 / (shape[0] + shape[1]))).reshape(shape)
''',
    ],
    "activation_stds": [
        '''def activation_stds(X, W, b, h):
    out = np.zeros(len(W) - 1)
    a = X
    for l in range(1, len(W)):
        a = h(np.einsum("nj,kj->nk", a, W[l]) + b[l][None, :])
        out[l - 1] = np.sqrt(np.mean((a - a.mean()) ** 2))
    return out
''',
        '''def _layer(a, Wl, bl, h):
    return h((Wl @ a.T).T + bl)

def activation_stds(X, W, b, h):
    stds, a = [], X
    for Wl, bl in zip(W[1:], b[1:]):
        a = _layer(a, Wl, bl, h)
        stds.append(float(np.std(a.ravel())))
    return stds
''',
        '''def activation_stds(X, W, b, h):
    L = len(W) - 1
    a = [X]
    for l in range(1, L + 1):
        a.append(h(a[l - 1] @ W[l].T + b[l]))
    return np.array([np.std(a[l]) for l in range(1, L + 1)])
''',
    ],
    "train_with_init": [
        '''def train_with_init(init, hidden, X, t, rng, hidden_sizes=(32,) * 6, epochs=30, batch_size=50,
                    learning_rate=0.2):
    D, K = X.shape[1], len(np.unique(t))
    net = nnlib.MLP([D] + list(hidden_sizes) + [K], hidden, "softmax_ce", init=init, rng=rng)
    return list(nnlib.fit(net, X, t, epochs, batch_size, learning_rate, rng=rng).loss)
''',
        '''def _network(init, hidden, D, K, sizes, rng):
    return nnlib.MLP([D, *sizes, K], hidden=hidden, loss="softmax_ce", init=init, rng=rng)

def train_with_init(init, hidden, X, t, rng, hidden_sizes=(32,) * 6, epochs=30, batch_size=50,
                    learning_rate=0.2):
    net = _network(init, hidden, X.shape[1], int(t.max()) + 1, hidden_sizes, rng)
    history = nnlib.training.fit(net, X, t, epochs=epochs, learning_rate=learning_rate,
                                 batch_size=batch_size, rng=rng)
    return np.array(history.loss)
''',
    ],
}

WRONG = [
    # he_normal
    ("he_normal", '''def he_normal(shape, rng):
    r = np.sqrt(6.0 / shape[1])
    return rng.uniform(-r, r, size=shape)
''', "uniform distribution"),
    ("he_normal", '''def he_normal(shape, rng):
    return rng.normal(np.sqrt(2.0 / shape[1]), size=shape)
''', "first argument is the mean"),
    ("he_normal", '''def he_normal(shape, rng):
    std = np.sqrt(2.0 / shape[1])
    return np.random.default_rng().normal(0.0, std, size=shape)
''', "same seed gave different weights"),
    ("he_normal", '''def he_normal(shape, rng):
    rng = np.random.default_rng(0)
    return rng.normal(0.0, np.sqrt(2.0 / shape[1]), size=shape)
''', "ignores its rng argument"),
    ("he_normal", '''def he_normal(shape, rng):
    fan_out, fan_in = shape
    return rng.normal(0.0, np.sqrt(2) / fan_in, size=shape)
''', "np.sqrt(2) / fan_in"),
    ("he_normal", '''def he_normal(shape, rng):
    fan_out, fan_in = shape
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
''', "transposed shape"),
    ("he_normal", '''def he_normal(shape, rng):
    fan_out, fan_in = shape
    return rng.normal(0.0, np.sqrt(6.0 / fan_in), size=shape)
''', "6/fan_in"),
    ("he_normal", '''def he_normal(shape, rng):
    np.random.seed(0)
    return rng.normal(0.0, np.sqrt(2.0 / shape[1]), size=shape)
''', "global random state"),
    ("he_normal", '''def he_normal(shape, rng):
    fan_out, fan_in = shape
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)
''', "the Xavier variance"),
    ("he_normal", '''def he_normal(shape, rng):
    return rng.randn(*shape) * np.sqrt(2.0 / shape[1])
''', "no randn"),
    # xavier_normal
    ("xavier_normal", '''def xavier_normal(shape, rng):
    return rng.normal(0.0, np.sqrt(1.0 / (shape[0] + shape[1])), size=shape)
''', "factor 2 is missing"),
    ("xavier_normal", '''def xavier_normal(shape, rng):
    return rng.normal(0.0, np.sqrt(2.0 / shape[1]), size=shape)
''', "the He variance 2/fan_in"),
    ("xavier_normal", '''def xavier_normal(shape, rng):
    return np.zeros(shape)
''', "weights are equal"),
    ("xavier_normal", '''def xavier_normal(shape, rng):
    fan_out, fan_in = shape
    return rng.normal(0.0, np.sqrt(6.0 / (fan_in + fan_out)), size=shape)
''', "6/(fan_in + fan_out)"),
    ("xavier_normal", '''def xavier_normal(shape, rng):
    fan_out, fan_in = shape
    return np.random.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)
''', "global random state"),
    ("xavier_normal", '''def xavier_normal(shape, rng):
    fan_out, fan_in = shape
    return rng.normal(0.0, np.sqrt(1.0 / fan_out), size=shape)
''', "variance 1/fan_out"),
    ("xavier_normal", '''def xavier_normal(shape, rng):
    r = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-r, r, size=shape)
''', "uniform distribution"),
    # activation_stds
    ("activation_stds", '''def activation_stds(X, W, b, h):
    a, out = X, []
    for l in range(1, len(W)):
        a = h(a @ W[l].T + b[l])
        out.append(np.var(a))
    return np.array(out)
''', "variance (np.var)"),
    ("activation_stds", '''def activation_stds(X, W, b, h):
    a, out = X, []
    for l in range(1, len(W)):
        a = h(a @ W[l].T)
        out.append(np.std(a))
    return np.array(out)
''', "bias b[l] is missing"),
    ("activation_stds", '''def activation_stds(X, W, b, h):
    a, out = X, []
    for l in range(1, len(W)):
        a = h(a @ W[l].T + b[l])
        out.append(np.std(a, axis=0).mean())
    return np.array(out)
''', "per-unit"),
    ("activation_stds", '''def activation_stds(X, W, b, h):
    a, out = X, []
    for l in range(1, len(W)):
        a = h(a @ W[l].T + b[l])
        out.append(np.mean(np.std(a, axis=1)))
    return np.array(out)
''', "per-example"),
    ("activation_stds", '''def activation_stds(X, W, b, h):
    a, out = X, []
    L = len(W) - 1
    for l in range(1, L + 1):
        z = a @ W[l].T + b[l]
        a = z if l == L else h(z)
        out.append(np.std(a))
    return np.array(out)
''', "left out of the last layer"),
    ("activation_stds", '''def activation_stds(X, W, b, h):
    a, out = X, []
    for l in range(1, len(W)):
        a = h(a @ W[l] + b[l])
        out.append(np.std(a))
    return np.array(out)
''', "transpose"),
    ("activation_stds", '''def activation_stds(X, W, b, h):
    a, out = X, []
    for l in range(1, len(W)):
        a = h(a @ W[l].T + b[l])
        out.append(np.std(a, ddof=1))
    return np.array(out)
''', "ddof=1"),
    ("activation_stds", '''def activation_stds(X, W, b, h):
    a, out = X, []
    for l in range(len(W)):
        a = h(a @ W[l].T + b[l])
        out.append(np.std(a))
    return np.array(out)
''', "W[0] and b[0] are None"),
    # train_with_init
    ("train_with_init", '''def train_with_init(init, hidden, X, t, rng, hidden_sizes=(32,) * 6, epochs=30, batch_size=50,
                    learning_rate=0.2):
    net = nnlib.MLP([X.shape[1], *hidden_sizes, int(t.max()) + 1], hidden=hidden,
                    loss="softmax_ce", init=init, rng=rng)
    return nnlib.fit(net, X, t, epochs=epochs, batch_size=batch_size, rng=rng).loss
''', "learning rate given is not used"),
    ("train_with_init", '''def train_with_init(init, hidden, X, t, rng, hidden_sizes=(32,) * 6, epochs=30, batch_size=50,
                    learning_rate=0.2):
    net = nnlib.MLP([X.shape[1], *hidden_sizes, int(t.max()) + 1], hidden=hidden,
                    loss="softmax_ce", init=init, rng=rng)
    return nnlib.fit(net, X, t, epochs=epochs, learning_rate=learning_rate, rng=rng).loss
''', "batch size given is not used"),
    ("train_with_init", '''def train_with_init(init, hidden, X, t, rng, hidden_sizes=(32,) * 6, epochs=30, batch_size=50,
                    learning_rate=0.2):
    net = nnlib.MLP([X.shape[1], *hidden_sizes, int(t.max()) + 1], hidden=hidden,
                    loss="softmax_ce", init=init, rng=rng)
    return nnlib.fit(net, X, t, epochs=epochs, batch_size=batch_size,
                     learning_rate=learning_rate, rng=rng)
''', "returned a History"),
    ("train_with_init", '''def train_with_init(init, hidden, X, t, rng, hidden_sizes=(32,) * 6, epochs=30, batch_size=50,
                    learning_rate=0.2):
    net = nnlib.MLP([X.shape[1], *hidden_sizes, int(t.max()) + 1], hidden=hidden,
                    loss="softmax_ce", init=init, rng=rng)
    return nnlib.fit(net, X, t, epochs=epochs, batch_size=batch_size,
                     learning_rate=learning_rate, rng=rng).accuracy
''', "accuracies"),
    ("train_with_init", '''def train_with_init(init, hidden, X, t, rng, hidden_sizes=(32,) * 6, epochs=30, batch_size=50,
                    learning_rate=0.2):
    net = nnlib.MLP([X.shape[1], *hidden_sizes, int(t.max()) + 1], hidden=hidden,
                    loss="softmax_ce", init=init, rng=rng)
    return nnlib.fit(net, X, t, epochs=epochs, batch_size=batch_size,
                     learning_rate=learning_rate, rng=np.random.default_rng()).loss
''', "different losses"),
    ("train_with_init", '''def train_with_init(init, hidden, X, t, rng, hidden_sizes=(32,) * 6, epochs=30, batch_size=50,
                    learning_rate=0.2):
    net = nnlib.MLP([X.shape[1], 32, 32, 32, 32, 32, 32, int(t.max()) + 1], hidden=hidden,
                    loss="softmax_ce", init=init, rng=rng)
    return nnlib.fit(net, X, t, epochs=epochs, batch_size=batch_size,
                     learning_rate=learning_rate, rng=rng).loss
''', "hidden_sizes is not used"),
    ("train_with_init", '''def train_with_init(init, hidden, X, t, rng, hidden_sizes=(32,) * 6, epochs=30, batch_size=50,
                    learning_rate=0.2):
    net = nnlib.MLP([X.shape[1], *hidden_sizes, 2], hidden=hidden,
                    loss="softmax_ce", init=init, rng=rng)
    return nnlib.fit(net, X, t, epochs=epochs, batch_size=batch_size,
                     learning_rate=learning_rate, rng=rng).loss
''', "K = t.max() + 1"),
    ("train_with_init", '''def train_with_init(init, hidden, X, t, rng, hidden_sizes=(32,) * 6, epochs=30, batch_size=50,
                    learning_rate=0.2):
    net = nnlib.MLP([X.shape[1], *hidden_sizes, int(t.max()) + 1],
                    loss="softmax_ce", init=init, rng=rng)
    return nnlib.fit(net, X, t, epochs=epochs, batch_size=batch_size,
                     learning_rate=learning_rate, rng=rng).loss
''', "hidden activation is not passed"),
]
