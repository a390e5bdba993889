"""Answers to notebook 03's exercises written outside the solution's style.

RIGHT: correct answers (loops, einsum, helper functions, other orders) that must pass.
WRONG: (exercise, source, text the diagnosis must contain) for plausible wrong answers.
"""

RIGHT = {
    "dense": [
        '''def dense(A_prev, W, b, h):
    N, n = A_prev.shape[0], W.shape[0]
    Z = np.zeros((N, n))
    for i in range(N):
        for k in range(n):
            Z[i, k] = np.dot(W[k], A_prev[i]) + b[k]
    return Z, h(Z)
''',
        '''def dense(A_prev, W, b, h):
    pre = np.einsum("nj,kj->nk", A_prev, W) + b[np.newaxis, :]
    return (pre, h(pre))
''',
        '''def dense(A_prev, W, b, h):
    Z = (W @ A_prev.T + b[:, None]).T      # column form, then back to rows
    return [Z, h(Z)]
''',
    ],
    "forward": [
        '''def forward(X, W, b, hidden, output):
    z, a = [None], [X]
    L = len(W) - 1
    for l in range(1, L + 1):
        h = hidden if l < L else output
        z_l, a_l = dense(a[-1], W[l], b[l], h)
        z.append(z_l)
        a.append(a_l)
    return z, a
''',
        '''def forward(X, W, b, hidden, output):
    L = len(W) - 1
    z = [None] * (L + 1)
    a = [None] * (L + 1)
    a[0] = X
    for l in range(1, L + 1):
        z[l] = np.einsum("nj,kj->nk", a[l - 1], W[l]) + b[l]
        a[l] = output(z[l]) if l == L else hidden(z[l])
    return (z, a)
''',
        '''def _layer(a_prev, Wl, bl):
    return a_prev @ Wl.T + bl

def forward(X, W, b, hidden, output):
    zs, acts = [None], [np.array(X, copy=True)]
    for l, (Wl, bl) in enumerate(zip(W[1:], b[1:]), start=1):
        zs.append(_layer(acts[-1], Wl, bl))
        acts.append((hidden if l < len(W) - 1 else output)(zs[-1]))
    return zs, acts
''',
    ],
    "two_layer": [
        '''def two_layer(x, W1, b1, W2, b2, h, sigma):
    hidden = h(np.einsum("ji,i->j", W1, x) + b1)
    return sigma(np.einsum("kj,j->k", W2, hidden) + b2)
''',
        '''def two_layer(x, W1, b1, W2, b2, h, sigma):
    a1 = [h(sum(W1[j, i] * x[i] for i in range(len(x))) + b1[j]) for j in range(len(b1))]
    return np.array([sigma(sum(W2[k, j] * a1[j] for j in range(len(a1))) + b2[k])
                     for k in range(len(b2))], dtype=float)
''',
        '''def two_layer(x, W1, b1, W2, b2, h, sigma):
    _, a1 = dense(x[None, :], W1, b1, h)       # the exercise-1 layer, on a batch of one
    _, y = dense(a1, W2, b2, sigma)
    return y[0]
''',
    ],
    "three_layer": [
        '''def three_layer(x, W1, b1, W2, b2, W3, b3, h1, h2, sigma):
    a = x
    for W, b, f in ((W1, b1, h1), (W2, b2, h2), (W3, b3, sigma)):
        a = f(np.einsum("ji,i->j", W, a) + b)
    return a
''',
        '''def three_layer(x, W1, b1, W2, b2, W3, b3, h1, h2, sigma):
    def layer(inp, W, b, f):
        out = np.empty(W.shape[0])
        for r in range(W.shape[0]):
            s = 0.0
            for c in range(W.shape[1]):
                s += W[r, c] * inp[c]
            out[r] = f(s + b[r])
        return out
    return layer(layer(layer(x, W1, b1, h1), W2, b2, h2), W3, b3, sigma)
''',
        '''def three_layer(x, W1, b1, W2, b2, W3, b3, h1, h2, sigma):
    _, a1 = dense(x[None, :], W1, b1, h1)
    _, a2 = dense(a1, W2, b2, h2)
    return dense(a2, W3, b3, sigma)[1].ravel()
''',
    ],
    "collapse": [
        '''def collapse(W, b):
    L = len(W) - 1
    W_eff = W[L]
    for l in range(L - 1, 0, -1):
        W_eff = W_eff @ W[l]            # multiply the earlier layers in from the right
    b_eff = np.zeros(W[L].shape[0])
    for l in range(1, L + 1):
        M = np.eye(W[L].shape[0])
        for m in range(L, l, -1):
            M = M @ W[m]
        b_eff = b_eff + M @ b[l]
    return W_eff, b_eff
''',
        '''def collapse(W, b):
    n0 = W[1].shape[1]
    # an affine map is known from its values at 0 and at the unit vectors
    probe = np.vstack([np.zeros((1, n0)), np.eye(n0)])
    out = probe
    for l in range(1, len(W)):
        out = out @ W[l].T + b[l]
    b_eff = out[0]
    return (out[1:] - b_eff).T, b_eff
''',
        '''def collapse(W, b):
    from functools import reduce
    W_eff = reduce(lambda acc, Wl: Wl @ acc, W[2:], W[1])
    b_eff = reduce(lambda acc, l: W[l] @ acc + b[l], range(2, len(W)), b[1])
    return W_eff, b_eff
''',
    ],
}

WRONG = [
    # dense
    ("dense", '''def dense(A_prev, W, b, h):
    Z = A_prev @ W.T + b
    return Z, Z
''', "not applied"),
    ("dense", '''def dense(A_prev, W, b, h):
    Z = A_prev @ W.T + b
    return h(Z), Z
''', "swapped"),
    ("dense", '''def dense(A_prev, W, b, h):
    Z = A_prev @ W.T - b
    return Z, h(Z)
''', "wrong sign"),
    ("dense", '''def dense(A_prev, W, b, h):
    Z = (A_prev @ W.T + b).T
    return Z, h(Z)
''', "transposed"),
    ("dense", '''def dense(A_prev, W, b, h):
    Z = A_prev @ W.T
    Z += b
    A = Z
    A[:] = h(Z)          # A is the same array as Z: this overwrites the pre-activations
    return Z, A
''', "Z holds the activations"),
    ("dense", '''def dense(A_prev, W, b, h):
    Z = W @ A_prev.T + b[:, None]
    return Z, h(Z)
''', "transposed"),
    # forward
    ("forward", '''def forward(X, W, b, hidden, output):
    L = len(W) - 1
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[-1] @ W[l].T + b[l])
        a.append(output(z[-1]))
    return z, a
''', "belongs to layer L only"),
    ("forward", '''def forward(X, W, b, hidden, output):
    L = len(W) - 1
    z, a = [None], [X]
    for l in range(1, L):
        z.append(a[-1] @ W[l].T + b[l])
        a.append(hidden(z[-1]))
    return z, a
''', "last layer is missing"),
    ("forward", '''def forward(X, W, b, hidden, output):
    L = len(W) - 1
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[-1] @ W[l].T)
        a.append(hidden(z[-1]) if l < L else output(z[-1]))
    return z, a
''', "bias b[1] is missing"),
    ("forward", '''def forward(X, W, b, hidden, output):
    L = len(W) - 1
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[-1] @ W[l].T + b[l])
        a.append(hidden(z[-1]) if l < L else output(z[-1]))
    return a, z
''', "wrong order"),
    ("forward", '''def forward(X, W, b, hidden, output):
    L = len(W) - 1
    z, a = [X], [X]
    for l in range(1, L + 1):
        z.append(a[-1] @ W[l].T + b[l])
        a.append(hidden(z[-1]) if l < L else output(z[-1]))
    return z, a
''', "z[0] must be None"),
    ("forward", '''def forward(X, W, b, hidden, output):
    L = len(W) - 1
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[-1] @ W[l].T + b[l])
        a.append(z[-1] if l < L else output(z[-1]))
    return z, a
''', "hidden activation h is not applied"),
    ("forward", '''def forward(X, W, b, hidden, output):
    from nnlib.network import forward as reference
    fp = reference(X, W, b, "tanh", "sse")
    return fp.z, fp.a
''', "reference implementation"),
    # two_layer
    ("two_layer", '''def two_layer(x, W1, b1, W2, b2, h, sigma):
    a1 = h(W1 @ x + b1)
    return W2 @ a1 + b2
''', "output unit sigma is missing"),
    ("two_layer", '''def two_layer(x, W1, b1, W2, b2, h, sigma):
    a1 = sigma(W1 @ x + b1)
    return h(W2 @ a1 + b2)
''', "swapped"),
    ("two_layer", '''def two_layer(x, W1, b1, W2, b2, h, sigma):
    a1 = h(np.einsum("ij,i->j", W1, x) + b1)
    return sigma(W2 @ a1 + b2)
''', "indexed the other way round"),
    ("two_layer", '''def two_layer(x, W1, b1, W2, b2, h, sigma):
    a1 = h(W1 @ x + b1)
    y = np.zeros(len(b2))
    for k in range(len(b2)):
        for j in range(len(a1)):
            y[k] += W2[k, j] * a1[j] + b2[k]
    return sigma(y)
''', "counted M = "),
    ("two_layer", '''def two_layer(x, W1, b1, W2, b2, h, sigma):
    return sigma(W2 @ (W1 @ x + b1) + b2)
''', "hidden activation h is missing"),
    # three_layer
    ("three_layer", '''def three_layer(x, W1, b1, W2, b2, W3, b3, h1, h2, sigma):
    a1 = h2(W1 @ x + b1)
    a2 = h1(W2 @ a1 + b2)
    return sigma(W3 @ a2 + b3)
''', "swapped"),
    ("three_layer", '''def three_layer(x, W1, b1, W2, b2, W3, b3, h1, h2, sigma):
    a1 = h2(W1 @ x + b1)
    a2 = h2(W2 @ a1 + b2)
    return sigma(W3 @ a2 + b3)
''', "h2 is used in both hidden layers"),
    ("three_layer", '''def three_layer(x, W1, b1, W2, b2, W3, b3, h1, h2, sigma):
    a1 = h1(W1 @ x + b1)
    a2 = h2(W2 @ a1)
    return sigma(W3 @ a2 + b3)
''', "bias b2 of layer 2 is missing"),
    ("three_layer", '''def three_layer(x, W1, b1, W2, b2, W3, b3, h1, h2, sigma):
    a1 = h1(W1 @ x + b1)
    a2 = h2(W2 @ a1 + b2)
    return W3 @ a2 + b3
''', "output unit sigma is missing"),
    # collapse
    ("collapse", '''def collapse(W, b):
    W_eff = W[1]
    for l in range(2, len(W)):
        W_eff = W[l] @ W_eff
    return W_eff, b[-1]
''', "only the last layer's bias"),
    ("collapse", '''def collapse(W, b):
    W_eff, b_eff = W[1], b[1]
    for l in range(2, len(W)):
        W_eff = W[l] @ W_eff
        b_eff = W[l] @ b_eff + b[l]
    return W_eff.T, b_eff
''', "transposed"),
    ("collapse", '''def collapse(W, b):
    W_eff, b_eff = W[1], b[1]
    for l in range(2, len(W)):
        W_eff = W_eff @ W[l]
        b_eff = W[l] @ b_eff + b[l]
    return W_eff, b_eff
''', "wrong order"),
    ("collapse", '''def collapse(W, b):
    W_eff = W[1]
    b_eff = b[1]
    for l in range(2, len(W)):
        W_eff = W[l] @ W_eff
        b_eff = b_eff + b[l]
    return W_eff, b_eff
''', "without passing through the later layers"),
]
