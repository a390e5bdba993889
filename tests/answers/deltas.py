"""Answers to notebook 05's exercises written outside the solution's style.

RIGHT: correct answers (loops, einsum, helper functions, other stable formulas) that must pass.
WRONG: (exercise, source, text the diagnosis must contain) for plausible wrong answers,
beyond the sample mistakes of course/sample/mistakes/05-output-deltas.toml.
"""

RIGHT = {
    "softmax": [
        # one example at a time, with Python's math
        '''def softmax(Z):
    import math
    out = np.zeros_like(np.asarray(Z, dtype=float))
    for n, row in enumerate(Z):
        m = max(row)
        exps = [math.exp(v - m) for v in row]
        s = sum(exps)
        out[n] = [e / s for e in exps]
    return out
''',
        # exp of the log-softmax, the log-sum-exp from np.logaddexp
        '''def softmax(Z):
    lse = np.logaddexp.reduce(Z, axis=1)[:, None]
    return np.exp(Z - lse)
''',
        # a helper applied along the rows
        '''def _one(z):
    e = np.exp(z - z.max())
    return e / e.sum()

def softmax(Z):
    return np.apply_along_axis(_one, 1, Z)
''',
    ],
    "softmax_ce": [
        # loops over the examples, the class index from argmax
        '''def softmax_ce(logits, targets):
    n_ex, n_cls = logits.shape
    total = 0.0
    grad = np.empty((n_ex, n_cls))
    for i in range(n_ex):
        m = np.max(logits[i])
        lse = m + np.log(np.sum(np.exp(logits[i] - m)))
        c = int(np.argmax(targets[i]))
        total += lse - logits[i, c]
        grad[i] = np.exp(logits[i] - lse) - targets[i]
    return total / n_ex, grad / n_ex
''',
        # einsum for the target's log-probability, the delta computed before E
        '''def softmax_ce(Z, T):
    N = len(Z)
    lse = np.logaddexp.reduce(Z, axis=1, keepdims=True)
    log_y = Z - lse
    delta = (np.exp(log_y) - T) / N
    E = -np.einsum("nk,nk->", T, log_y) / N
    return float(E), delta
''',
        # calls the student's softmax of exercise 1 for Y (allowed, though not asked for)
        '''def softmax_ce(Z, T):
    N = Z.shape[0]
    m = Z.max(axis=1, keepdims=True)
    log_y = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return -(T * log_y).sum(axis=1).mean(), (softmax(Z) - T) / N
''',
    ],
    "tanh_backward": [
        '''def tanh_backward(delta_next, W_next, z, a):
    return np.einsum("nk,kj->nj", delta_next, W_next) * (1 - a * a)
''',
        # loops, in Bishop's form: sum_k w_kj delta_k, then the factor
        '''def tanh_backward(delta_next, W_next, z, a):
    N, n = a.shape
    out = np.zeros((N, n))
    for i in range(N):
        for j in range(n):
            s = sum(W_next[k, j] * delta_next[i, k] for k in range(W_next.shape[0]))
            out[i, j] = (1.0 - a[i, j] ** 2) * s
    return out
''',
        # column form transposed back, and the derivative from z (equal numbers)
        '''def tanh_backward(delta_next, W_next, z, a):
    back = (W_next.T @ delta_next.T).T
    return back * (1 - np.tanh(z) ** 2)
''',
    ],
    "sigmoid_sse_delta": [
        # a stable sigmoid written out with np.where
        '''def sigmoid_sse_delta(Z, T):
    e = np.exp(-np.abs(Z))
    Y = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))
    return (Y - T) * Y * (1 - Y) / len(Z)
''',
        # sigma(z) = (1 + tanh(z/2)) / 2, and the factor written as sigma(z) sigma(-z)
        '''def sigmoid_sse_delta(Z, T):
    N = Z.shape[0]
    Y = 0.5 * (1 + np.tanh(Z / 2))
    dY = 0.5 * (1 + np.tanh(-Z / 2))
    return (Y - T) * Y * dY / N
''',
        # sigma'(z) = sigma(z) sigma(-z), more accurate than y (1 - y) where y is near 1
        '''def sigmoid_sse_delta(Z, T):
    s = lambda x: nnlib.sigmoid(x)
    return (s(Z) - T) * s(Z) * s(-Z) / Z.shape[0]
''',
        # 1 / (1 + exp(-z)) (exp overflows to inf at z = -1000, which gives the right 0)
        '''def sigmoid_sse_delta(Z, T):
    Y = 1.0 / (1.0 + np.exp(-Z))
    grad_y = Y - T
    return grad_y * (Y * (1.0 - Y)) / Z.shape[0]
''',
    ],
}

WRONG = [
    # --- softmax
    ("softmax", '''def softmax(Z):
    e = np.exp(Z - np.max(Z))
    return e / e.sum(axis=1, keepdims=True)
''', "maximum of the whole batch"),
    ("softmax", '''def softmax(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum()
''', "normalized over the whole batch"),
    ("softmax", '''def softmax(Z):
    e = np.exp(Z - Z.mean(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
''', "instead of its maximum"),
    ("softmax", '''def softmax(Z):
    e = np.exp(Z - Z.min(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
''', "instead of its maximum"),
    ("softmax", '''def softmax(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)
''', "keepdims"),
    ("softmax", '''def softmax(Z):
    out = np.exp(Z - Z.max(axis=1, keepdims=True))
    out /= out.sum(axis=1, keepdims=True)
    Z[:] = out
    return Z
''', "in place"),
    ("softmax", '''def softmax(Z):
    import math
    rows = []
    for row in Z:
        e = [math.exp(v) for v in row]
        rows.append([x / sum(e) for x in e])
    return np.array(rows)
''', "maximum is not subtracted"),
    # --- softmax_ce
    ("softmax_ce", '''def softmax_ce(Z, T):
    N = len(Z)
    m = Z.max(axis=1, keepdims=True)
    E = np.mean(np.log(np.exp(Z - m).sum(axis=1)) + m[:, 0] - (T * Z).sum(axis=1))
    Y = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    return E, (Y - T) / N
''', "maximum is not subtracted"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    m = Z.max(axis=1, keepdims=True)
    log_y = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return -np.mean(T * log_y), (np.exp(log_y) - T) / len(Z)
''', "all N*K entries"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    m = Z.max(axis=1, keepdims=True)
    log_y = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return -np.sum(T * log_y), (np.exp(log_y) - T) / len(Z)
''', "factor N"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    m = Z.max(axis=1, keepdims=True)
    e = np.exp(Z - m)
    Y = e / e.sum(axis=1, keepdims=True)
    E = -np.sum(T * np.log(Y + 1e-12)) / len(Z)
    return E, (Y - T) / len(Z)
''', "capped"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    m = Z.max(axis=1, keepdims=True)
    log_y = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return (np.exp(log_y) - T) / len(Z), -np.sum(T * log_y) / len(Z)
''', "wrong order"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    m = Z.max()
    log_y = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return -np.sum(T * log_y) / len(Z), (np.exp(log_y) - T) / len(Z)
''', "maximum of the whole batch"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    m = Z.max(axis=1, keepdims=True)
    log_y = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return -np.sum(T * log_y, axis=1), (np.exp(log_y) - T) / len(Z)
''', "per-example errors"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    log_y = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return -np.sum(T * log_y) / len(Z), (np.exp(log_y) - T) / len(Z)
''', "maximum is not subtracted"),
    ("softmax_ce", '''def softmax_ce(Z, T):
    m = Z.max(axis=1, keepdims=True)
    log_y = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return np.sum(T * log_y) / len(Z), (np.exp(log_y) - T) / len(Z)
''', "wrong sign"),
    # --- tanh_backward
    ("tanh_backward", '''def tanh_backward(delta_next, W_next, z, a):
    return (delta_next @ W_next.T) * (1 - a**2)
''', "transposed"),
    ("tanh_backward", '''def tanh_backward(delta_next, W_next, z, a):
    N = delta_next.shape[0]
    return (delta_next @ W_next) * (1 - a**2) / N
''', "1/N"),
    ("tanh_backward", '''def tanh_backward(delta_next, W_next, z, a):
    return (delta_next @ W_next) * a * (1 - a)
''', "sigmoid"),
    ("tanh_backward", '''def tanh_backward(delta_next, W_next, z, a):
    return (delta_next @ W_next) * (1 - a)**2
''', "(1 - a)**2"),
    ("tanh_backward", '''def tanh_backward(delta_next, W_next, z, a):
    return (delta_next @ W_next) * (a**2 - 1)
''', "wrong sign"),
    ("tanh_backward", '''def tanh_backward(delta_next, W_next, z, a):
    a **= 2
    return (delta_next @ W_next) * (1 - a)
''', "in place"),
    ("tanh_backward", '''def tanh_backward(delta_next, W_next, z, a):
    return (W_next @ delta_next.T).T * (1 - a**2)
''', "delta_next @ W_next (no transpose)"),
    # --- sigmoid_sse_delta
    ("sigmoid_sse_delta", '''def sigmoid_sse_delta(Z, T):
    Y = nnlib.sigmoid(Z)
    return (Y - T) * Y * (1 - Y)
''', "factor N"),
    ("sigmoid_sse_delta", '''def sigmoid_sse_delta(Z, T):
    Y = nnlib.sigmoid(Z)
    return 0.5 * (Y - T) * Y * (1 - Y) / len(Z)
''', "extra factor 1/2"),
    ("sigmoid_sse_delta", '''def sigmoid_sse_delta(Z, T):
    Y = np.exp(Z) / (1 + np.exp(Z))
    return (Y - T) * Y * (1 - Y) / len(Z)
''', "overflows"),
    ("sigmoid_sse_delta", '''def sigmoid_sse_delta(Z, T):
    Y = nnlib.sigmoid(Z)
    return (Y - T) * (1 - Y**2) / len(Z)
''', "tanh's derivative"),
    ("sigmoid_sse_delta", '''def sigmoid_sse_delta(Z, T):
    Y = nnlib.sigmoid(Z)
    return (Y - T) * nnlib.sigmoid(Y) * (1 - nnlib.sigmoid(Y)) / len(Z)
''', "sigmoid applied twice"),
    ("sigmoid_sse_delta", '''def sigmoid_sse_delta(Z, T):
    Y = nnlib.sigmoid(Z)
    return (T - Y) * Y * (1 - Y) / len(Z)
''', "wrong sign"),
]
