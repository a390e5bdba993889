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
}

WRONG = [
    ("phi", '''def phi(X, U, a, h):
    return h(X @ U.T - a)
''', "relative error"),
    ("phi", '''def phi(X, U, a, h):
    return h((X @ U.T + a).T)
''', "transposed"),
    ("phi", '''def phi(X, U, a, h):
    X -= X.mean(axis=0)
    return h(X @ U.T + a)
''', "in place"),
]
