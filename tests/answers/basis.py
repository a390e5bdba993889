"""Answers to notebook 01's exercises written outside the solution's style.

RIGHT: correct answers (loops, einsum, other formulas) that must pass.
WRONG: (exercise, source, text the diagnosis must contain) for plausible wrong answers.
"""

RIGHT = {
    "phi": [
        '''def phi(X, U, a, h):
    out = np.empty((X.shape[0], U.shape[0]))
    for n in range(X.shape[0]):
        for j in range(U.shape[0]):
            out[n, j] = h(np.dot(U[j], X[n]) + a[j])
    return out
''',
        '''def phi(X, U, a, h):
    return h(np.einsum("nd,md->nm", X, U) + a[None, :])
''',
        '''def phi(X, U, a, h):
    Z = (U @ X.T).T          # column form, transposed back
    Z = Z + a
    return h(Z)
''',
    ],
    "model_output": [
        '''def model_output(Phi, w):
    f = np.zeros(Phi.shape[0])
    for n in range(Phi.shape[0]):
        for j in range(Phi.shape[1]):
            f[n] += Phi[n, j] * w[j]
    return f
''',
        '''def model_output(Phi, w):
    return np.einsum("nj,j->n", Phi, w)
''',
        '''def model_output(Phi, w):
    return (Phi * w[None, :]).sum(axis=1)
''',
    ],
    "logistic_loss": [
        '''def logistic_loss(f, t):
    s = -t * f
    return float(np.sum(np.maximum(s, 0.0) + np.log1p(np.exp(-np.abs(s)))))
''',
        '''def _softplus(s):
    out = np.empty_like(s)
    big = s > 30
    out[big] = s[big] + np.log1p(np.exp(-s[big]))
    out[~big] = np.log1p(np.exp(s[~big]))
    return out


def logistic_loss(f, t):
    return float(_softplus(-(t * f)).sum())
''',
        '''def logistic_loss(f, t):
    total = 0.0
    for fi, ti in zip(f, t):
        m = ti * fi
        total += -m + np.log1p(np.exp(m)) if m < 0 else np.log1p(np.exp(-m))
    return total
''',
    ],
    "bump": [
        '''def bump(x, left, right, height, steepness):
    def sigma(z):                     # a stable logistic sigmoid written by hand
        out = np.empty_like(z)
        pos = z >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
        ez = np.exp(z[~pos])
        out[~pos] = ez / (1.0 + ez)
        return out
    return height * (sigma(steepness * (x - left)) - sigma(steepness * (x - right)))
''',
        '''def bump(x, left, right, height, steepness):
    # the difference of two sigmoids as a tanh: (tanh(u/2) - tanh(v/2)) / 2
    u, v = steepness * (x - left), steepness * (x - right)
    return 0.5 * height * (np.tanh(u / 2) - np.tanh(v / 2))
''',
        '''def bump(x, left, right, height, steepness):
    out = np.zeros(len(x))
    for n in range(len(x)):
        for edge, sign in ((left, 1.0), (right, -1.0)):
            out[n] += sign * height * float(nnlib.sigmoid(np.array([steepness * (x[n] - edge)]))[0])
    return out
''',
    ],
}

WRONG = [
    ("phi", '''def phi(X, U, a, h):
    return h(X @ U.T - a)
''', "bias a subtracted"),
    ("phi", '''def phi(X, U, a, h):
    return h((X @ U.T + a).T)
''', "transposed"),
    ("phi", '''def phi(X, U, a, h):
    X -= X.mean(axis=0)
    return h(X @ U.T + a)
''', "in place"),
    ("model_output", '''def model_output(Phi, w):
    return Phi @ w.reshape(-1, 1)
''', "a column"),
    ("model_output", '''def model_output(Phi, w):
    return Phi * w
''', "sum over the basis functions j is missing"),
    ("model_output", '''def model_output(Phi, w):
    return np.mean(Phi * w, axis=1)
''', "the mean over the basis functions"),
    ("model_output", '''def model_output(Phi, w):
    return Phi.T @ w if Phi.shape[0] == Phi.shape[1] else Phi @ w
''', "the sum over the examples"),
    ("model_output", '''def model_output(Phi, w):
    return float(np.sum(Phi @ w))
''', "a single number"),
    ("logistic_loss", '''def logistic_loss(f, t):
    return np.logaddexp(0.0, -t * f)
''', "per-example losses"),
    ("logistic_loss", '''def logistic_loss(f, t):
    return float(np.sum(np.logaddexp(0.0, -f)))
''', "labels t are not used"),
    ("logistic_loss", '''def logistic_loss(f, t):
    s = -t * f
    return float(np.sum(np.log1p(np.exp(-np.abs(s)))))
''', "max(-m, 0)"),
    ("logistic_loss", '''def logistic_loss(f, t):
    s = np.clip(-t * f, -700, 700)
    return float(np.sum(np.log1p(np.exp(s))))
''', "clipped at 700"),
    ("logistic_loss", '''def logistic_loss(f, t):
    y = 1 / (1 + np.exp(-f))
    t01 = (t + 1) / 2
    return float(-np.sum(t01 * np.log(y) + (1 - t01) * np.log(1 - y)))
''', "infinite"),
    ("bump", '''def bump(x, left, right, height, steepness):
    return height * (np.tanh(steepness * (x - left)) - np.tanh(steepness * (x - right)))
''', "tanh instead of the logistic sigmoid"),
    ("bump", '''def bump(x, left, right, height, steepness):
    return height * (nnlib.sigmoid(steepness * (x + left)) - nnlib.sigmoid(steepness * (x + right)))
''', "edges with the wrong sign"),
    ("bump", '''def bump(x, left, right, height, steepness):
    return height * (nnlib.sigmoid(x - left) - nnlib.sigmoid(steepness * (x - right)))
''', "missing in the rising step"),
    ("bump", '''def bump(x, left, right, height, steepness):
    return height * nnlib.sigmoid(steepness * (x - left))
''', "bump"),
    ("bump", '''def bump(x, left, right, height, steepness):
    return nnlib.approx.bump(x, left, right, height, steepness)
''', "reference"),
]
