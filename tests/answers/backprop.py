"""Answers to notebook 04's exercises written outside the solution's style.

RIGHT: correct answers (loops, einsum, other stable formulas, helper functions) that must pass.
WRONG: (exercise, source, text the diagnosis must contain) for plausible wrong answers.
"""

RIGHT = {
    "sigmoid_prime": [
        '''def sigmoid_prime(u):
    # sigma(u) sigma(-u), in logs: never overflows
    return np.exp(-np.logaddexp(0.0, u) - np.logaddexp(0.0, -u))
''',
        '''def sigmoid_prime(u):
    s = 1.0 / (1.0 + np.exp(-u))     # overflows to 0 for very negative u, which is the right value
    return s - s * s
''',
        '''def sigmoid_prime(u):
    return 0.25 / np.cosh(np.asarray(u, dtype=float) / 2) ** 2
''',
        '''def sigmoid_prime(u):
    return nnlib.sigmoid(u) * nnlib.sigmoid(-u)
''',
    ],
    "numerical_gradient": [
        '''def numerical_gradient(f, x, eps=1e-6):
    x0 = np.asarray(x, dtype=float)
    flat = x0.ravel().copy()
    g = np.empty_like(flat)
    for i in range(flat.size):
        e = np.zeros_like(flat)
        e[i] = eps
        g[i] = (f((flat + e).reshape(x0.shape)) - f((flat - e).reshape(x0.shape))) / (2 * eps)
    return g.reshape(x0.shape)
''',
        '''def numerical_gradient(f, x, eps=1e-6):
    import itertools
    grad = np.zeros(x.shape)
    for idx in itertools.product(*[range(n) for n in x.shape]):
        saved = x[idx]                  # perturb the caller's array, restore it exactly
        x[idx] = saved + eps
        up = f(x)
        x[idx] = saved - eps
        down = f(x)
        x[idx] = saved
        grad[idx] = (up - down) / (2 * eps)
    return grad
''',
        '''def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    basis = np.eye(x.size).reshape((x.size,) + x.shape)
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in basis]).reshape(x.shape)
''',
    ],
    "backward": [
        '''def backward(W, b, z, a, T, h_prime):
    # one example at a time, the deltas as vectors
    L, N = len(W) - 1, len(T)
    dW = [None] + [np.zeros_like(W[l]) for l in range(1, L + 1)]
    db = [None] + [np.zeros(W[l].shape[0]) for l in range(1, L + 1)]
    for n in range(N):
        d = (a[L][n] - T[n]) / N
        for l in range(L, 0, -1):
            dW[l] += np.outer(d, a[l - 1][n])
            db[l] += d
            if l > 1:
                d = (W[l].T @ d) * h_prime(z[l - 1][n])
    return dW, db
''',
        '''def backward(W, b, z, a, T, h_prime):
    L = len(W) - 1
    deltas = {L: output_delta(a[L], T)}
    for l in reversed(range(1, L)):
        deltas[l] = np.einsum("nk,kj->nj", deltas[l + 1], W[l + 1]) * h_prime(z[l])
    dW = [None] + [np.einsum("nk,nj->kj", deltas[l], a[l - 1]) for l in range(1, L + 1)]
    db = [None] + [np.einsum("nk->k", deltas[l]) for l in range(1, L + 1)]
    return (dW, db)
''',
        '''def _layer_gradients(delta_l, a_prev):
    return delta_l.T @ a_prev, delta_l.sum(axis=0)


def backward(W, b, z, a, T, h_prime):
    depth = len(W) - 1
    grads_W, grads_b = [None] * (depth + 1), [None] * (depth + 1)
    delta = (a[-1] - T) / T.shape[0]
    for l in range(depth, 0, -1):
        grads_W[l], grads_b[l] = _layer_gradients(delta, a[l - 1])
        if l > 1:
            delta = (delta @ W[l]) * h_prime(z[l - 1])
    return grads_W, grads_b
''',
    ],
    "output_delta": [
        '''def output_delta(y, T):
    return np.subtract(y, T) / np.shape(y)[0]
''',
        '''def output_delta(y, T):
    N = y.shape[0]
    return np.array([[(y[n, k] - T[n, k]) / N for k in range(y.shape[1])] for n in range(N)])
''',
    ],
    "gradient_check": [
        '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    bw = backward if backward_fn is None else backward_fn
    z, a = forward(X, W, b, hidden, output)
    dW, db = bw(W, b, z, a, T, h_prime)
    out = {}
    for l in range(1, len(W)):
        def E_W(Wl):
            W2 = list(W)
            W2[l] = Wl
            return error(W2, b, X, T, hidden, output, loss)

        def E_b(bl):
            b2 = list(b)
            b2[l] = bl
            return error(W, b2, X, T, hidden, output, loss)

        gW = numerical_gradient(E_W, W[l], eps=eps)
        gb = numerical_gradient(E_b, b[l], eps=eps)
        out["W[%d]" % l] = np.max(np.abs(dW[l] - gW)) / np.max(np.abs(dW[l]) + np.abs(gW))
        out["b[%d]" % l] = np.max(np.abs(db[l] - gb)) / np.max(np.abs(db[l]) + np.abs(gb))
    return out
''',
        '''def _mean_error(W, b, X, T, hidden, output, loss):
    return loss(forward(X, W, b, hidden, output)[1][-1], T)


def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    backward_fn = backward_fn or backward
    dW, db = backward_fn(W, b, *forward(X, W, b, hidden, output), T, h_prime)
    result = {}
    for l in range(1, len(W)):
        for name, params, grad in (("W", W, dW), ("b", b, db)):
            def E(p, params=params, name=name):
                new = params[:l] + [p] + params[l + 1:]
                return _mean_error(new, b, X, T, hidden, output, loss) if name == "W" else _mean_error(W, new, X, T, hidden, output, loss)
            result[f"{name}[{l}]"] = nnlib.relative_error(grad[l], numerical_gradient(E, params[l], eps))
    return {k: result[k] for k in sorted(result, key=lambda k: (int(k[2:-1]), k[0] == "b"))}
''',
    ],
}

WRONG = [
    # sigmoid_prime
    ("sigmoid_prime", '''def sigmoid_prime(u):
    s = nnlib.sigmoid(u)
    return 1 - s ** 2
''', "tanh"),
    ("sigmoid_prime", '''def sigmoid_prime(u):
    a = nnlib.sigmoid(u)
    s = nnlib.sigmoid(a)
    return s * (1 - s)
''', "evaluated at the activation"),
    ("sigmoid_prime", '''def sigmoid_prime(u):
    return nnlib.sigmoid(u)
''', "itself instead of its derivative"),
    ("sigmoid_prime", '''def sigmoid_prime(u):
    return np.exp(-u) / (1 + np.exp(-u)) ** 2
''', "NaN or infinite"),
    ("sigmoid_prime", '''def sigmoid_prime(u):
    s = nnlib.sigmoid(u)
    return s * (s - 1)
''', "wrong sign"),
    ("sigmoid_prime", '''def sigmoid_prime(u):
    return nnlib.activations.sigmoid_prime(u)
''', "reference implementation"),
    ("sigmoid_prime", '''def sigmoid_prime(u):
    if isinstance(u, np.ndarray):
        np.clip(u, -500, 500, out=u)        # avoid overflow... in the caller's array
    s = 1 / (1 + np.exp(-u))
    return s * (1 - s)
''', "in place"),
    # numerical_gradient
    ("numerical_gradient", '''def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    f0 = f(x)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += eps
        g[i] = (f(xp) - f0) / eps
    return g
''', "forward difference"),
    ("numerical_gradient", '''def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / eps
    return g
''', "divided by eps instead of 2 eps"),
    ("numerical_gradient", '''def numerical_gradient(f, x, eps=1e-6):
    h = 1e-6
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g
''', "eps is ignored"),
    ("numerical_gradient", '''def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + eps
        fp = f(x)
        x[i] = old - eps
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g
''', "whole row"),
    ("numerical_gradient", '''def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += eps
        fp = f(x)
        x[i] -= 2 * eps
        fm = f(x)
        g[i] = (fp - fm) / (2 * eps)
    return g
''', "not undone"),
    ("numerical_gradient", '''def numerical_gradient(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] = x[i] + eps
        fp = f(x)
        x[i] = x[i] - 2 * eps
        fm = f(x)
        g[i] = (fp - fm) / (2 * eps)
    return g
''', "in place"),
    ("numerical_gradient", '''def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xm) - f(xp)) / (2 * eps)
    return g
''', "wrong sign"),
    ("numerical_gradient", '''def numerical_gradient(f, x, eps=1e-6):
    work = np.array(x, dtype=float)
    return nnlib.numerical_gradient(lambda: f(work), work, eps)
''', "reference implementation"),
    # backward
    ("backward", '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(a[l])
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])
''', 'applied to the activation'),
    ("backward", '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) * h_prime(z[L]) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(z[l])
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])
''', 'h_prime applied at the output layer'),
    ("backward", '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) * a[L] * (1 - a[L]) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(z[l])
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])
''', 'non-canonical'),
    ("backward", '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(z[l]) / N
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])
''', 'applied again'),
    ("backward", '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(z[l])
    return ([None] + [delta[l].T @ a[l] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])
''', 'uses a[l-1]'),
    ("backward", '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(z[l])
    return ([None] + [a[l - 1].T @ delta[l] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])
''', 'transposed'),
    ("backward", '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(z[l])
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l] for l in range(1, L + 1)])
''', 'summed over the batch'),
    ("backward", '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(z[l])
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l].mean(axis=0) for l in range(1, L + 1)])
''', 'once too often'),
    ("backward", '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(z[l])
    return ([delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [delta[l].sum(axis=0) for l in range(1, L + 1)])
''', 'indexed by layer'),
    ("backward", '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = (a[L] - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = delta[l + 1] @ W[l + 1]
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])
''', 'h_prime(z[l])'),
    ("backward", '''def backward(W, b, z, a, T, h_prime):
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = a[L] - T
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(z[l])
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])
''', 'sum over the batch'),
    # output_delta
    ("output_delta", '''def output_delta(y, T):
    return (T - y) / len(y)
''', 'wrong sign'),
    ("output_delta", '''def output_delta(y, T):
    return y - T
''', 'summed over the batch'),
    ("output_delta", '''def output_delta(y, T):
    return y * (1 - y) * (y - T) / len(y)
''', 'non-canonical'),
    ("output_delta", '''def output_delta(y, T):
    return (y - T) / y.size
''', 'divided by N K'),
    ("output_delta", '''def output_delta(y, T):
    return nnlib.get_loss('sse', output='identity').delta(y, T)
''', 'reference implementation'),
    # gradient_check
    ("gradient_check", '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    backward_fn = backward_fn or backward
    dW, db = backward_fn(W, b, *forward(X, W, b, hidden, output), T, h_prime)
    out = {}
    for l in range(1, len(W)):
        nW = numerical_gradient(lambda W_l: error(W[:l] + [W_l] + W[l + 1:], b, X, T, hidden, output, loss), W[l], eps)
        nb = numerical_gradient(lambda b_l: error(W, b[:l] + [b_l] + b[l + 1:], X, T, hidden, output, loss), b[l], eps)
        out[f"W[{l}]"] = float(np.max(np.abs(dW[l] - nW)))
        out[f"b[{l}]"] = float(np.max(np.abs(db[l] - nb)))
    return out
''', "absolute error"),
    ("gradient_check", '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    backward_fn = backward_fn or backward
    dW, db = backward_fn(W, b, *forward(X, W, b, hidden, output), T, h_prime)
    out = {}
    for l in range(1, len(W)):
        nW = numerical_gradient(lambda W_l: error(W[:l] + [W_l] + W[l + 1:], b, X, T, hidden, output, loss), W[l])
        nb = numerical_gradient(lambda b_l: error(W, b[:l] + [b_l] + b[l + 1:], X, T, hidden, output, loss), b[l])
        out[f"W[{l}]"] = nnlib.relative_error(dW[l], nW)
        out[f"b[{l}]"] = nnlib.relative_error(db[l], nb)
    return out
''', "eps is ignored"),
    ("gradient_check", '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    dW, db = backward(W, b, *forward(X, W, b, hidden, output), T, h_prime)
    out = {}
    for l in range(1, len(W)):
        nW = numerical_gradient(lambda W_l: error(W[:l] + [W_l] + W[l + 1:], b, X, T, hidden, output, loss), W[l], eps)
        nb = numerical_gradient(lambda b_l: error(W, b[:l] + [b_l] + b[l + 1:], X, T, hidden, output, loss), b[l], eps)
        out[f"W[{l}]"] = nnlib.relative_error(dW[l], nW)
        out[f"b[{l}]"] = nnlib.relative_error(db[l], nb)
    return out
''', "backward_fn is ignored"),
    ("gradient_check", '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    backward_fn = backward_fn or backward
    dW, db = backward_fn(W, b, *forward(X, W, b, hidden, output), T, h_prime)

    def E(W_, b_):          # the error of the batch summed, not averaged
        return len(X) * loss(forward(X, W_, b_, hidden, output)[1][-1], T)

    out = {}
    for l in range(1, len(W)):
        nW = numerical_gradient(lambda W_l: E(W[:l] + [W_l] + W[l + 1:], b), W[l], eps)
        nb = numerical_gradient(lambda b_l: E(W, b[:l] + [b_l] + b[l + 1:]), b[l], eps)
        out[f"W[{l}]"] = nnlib.relative_error(dW[l], nW)
        out[f"b[{l}]"] = nnlib.relative_error(db[l], nb)
    return out
''', "MEAN over the batch"),
    ("gradient_check", '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    backward_fn = backward_fn or backward
    dW, db = backward_fn(W, b, *forward(X, W, b, hidden, output), T, h_prime)
    rel = lambda g, n: np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n))
    out = {}
    for l in range(1, len(W)):
        nW = numerical_gradient(lambda W_l: error(W[:l] + [W_l] + W[l + 1:], b, X, T, hidden, output, loss), W[l], eps)
        nb = numerical_gradient(lambda b_l: error(W, b[:l] + [b_l] + b[l + 1:], X, T, hidden, output, loss), b[l], eps)
        out[f"W[{l}]"] = rel(dW[l], nW)
        out[f"b[{l}]"] = rel(db[l], nb)
    return out
''', "another form"),
    ("gradient_check", '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    backward_fn = backward_fn or backward
    dW, db = backward_fn(W, b, *forward(X, W, b, hidden, output), T, h_prime)
    out = {}
    for l in range(1, len(W)):
        nW = numerical_gradient(lambda W_l: error(W[:l] + [W_l] + W[l + 1:], b, X, T, hidden, output, loss), W[l], eps)
        nb = numerical_gradient(lambda b_l: error(W, b, X, T, hidden, output, loss), b[l], eps)
        out[f"W[{l}]"] = nnlib.relative_error(dW[l], nW)
        out[f"b[{l}]"] = nnlib.relative_error(db[l], nb)
    return out
''', "numerical gradient is zero"),
    ("gradient_check", '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    backward_fn = backward_fn or backward
    dW, db = backward_fn(W, b, *forward(X, W, b, hidden, output), T, h_prime)
    out = {}
    for l in range(1, len(W)):
        nW = numerical_gradient(lambda W_l: error(W[:l] + [W_l] + W[l + 1:], b, X, T, hidden, output, loss), W[l], eps)
        nb = numerical_gradient(lambda b_l: error(W, b[:l] + [b_l] + b[l + 1:], X, T, hidden, output, loss), b[l], eps)
        out[f"W[{l}]"] = nnlib.relative_error(dW[l], nW) < 1e-6
        out[f"b[{l}]"] = nnlib.relative_error(db[l], nb) < 1e-6
    return out
''', "one number"),
    ("gradient_check", '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    backward_fn = backward_fn or backward
    dW, db = backward_fn(W, b, *forward(X, W, b, hidden, output), T, h_prime)
    out = {}
    for l in range(1, len(W)):
        nW = numerical_gradient(lambda W_l: error(W[:l] + [W_l] + W[l + 1:], b, X, T, hidden, output, loss), W[l], eps)
        nb = numerical_gradient(lambda b_l: error(W, b[:l] + [b_l] + b[l + 1:], X, T, hidden, output, loss), b[l], eps)
        out[f"W{l}"] = nnlib.relative_error(dW[l], nW)
        out[f"b{l}"] = nnlib.relative_error(db[l], nb)
    return out
''', "with the keys"),
    ("gradient_check", '''def gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6):
    return nnlib.graders.backprop.reference_gradient_check(W, b, X, T, hidden, h_prime, output, loss,
                                                           backward_fn, eps)
''', "reference implementation"),
]
