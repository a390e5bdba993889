"""Answers to notebook 05's activation-zoo exercises written outside the solution's style.

RIGHT: correct answers that must pass, among them other subgradients at the kink z = 0.
WRONG: (exercise, source, text the diagnosis must contain), beyond the sample mistakes.
"""

RIGHT = {
    "leaky_relu_prime": [
        # the right slope at z = 0: another subgradient, as valid as nnlib's alpha
        '''def leaky_relu_prime(z, alpha):
    return np.where(np.asarray(z) >= 0, 1.0, alpha)
''',
        # the midpoint of the two slopes at 0, by arithmetic on the sign
        '''def leaky_relu_prime(z, alpha):
    s = np.sign(np.asarray(z, dtype=float))
    return (1 + alpha) / 2 + s * (1 - alpha) / 2
''',
    ],
    "elu_prime": [
        # the derivative written with the function itself: h(z) + alpha on the left
        '''def elu_prime(z, alpha):
    z = np.asarray(z, dtype=float)
    left = alpha * np.expm1(np.clip(z, None, 0.0)) + alpha
    return np.where(z > 0, 1.0, left)
''',
        # entry by entry with math.exp, only where it is needed
        '''def elu_prime(z, alpha):
    import math
    z = np.asarray(z, dtype=float)
    out = np.ones_like(z)
    for i in np.ndindex(z.shape):
        if z[i] <= 0:
            out[i] = alpha * math.exp(z[i])
    return out if z.ndim else float(out)
''',
    ],
    "gelu_prime": [
        # with sech^2 = 1 / cosh^2, guarded against overflow
        '''def gelu_prime(z):
    z = np.asarray(z, dtype=float)
    c = (2 / np.pi) ** 0.5
    u = c * (z + 0.044715 * z ** 3)
    sech2 = 1 / np.cosh(np.clip(u, -350, 350)) ** 2
    return 0.5 * (1 + np.tanh(u)) + 0.5 * z * sech2 * c * (1 + 0.134145 * z ** 2)
''',
        # the product rule written through h(z) = 0.5 z (1 + tanh u): h/z + 0.5 z tanh'(u) u'
        '''def gelu_prime(z):
    z = np.asarray(z, dtype=float)
    c = np.sqrt(2 / np.pi)
    t = np.tanh(c * (z + 0.044715 * z * z * z))
    return 0.5 * (1 + t) * (1 + z * (1 - t) * c * (1 + 3 * 0.044715 * z * z))
''',
    ],
}

WRONG = [
    ("leaky_relu_prime", '''def leaky_relu_prime(z, alpha):
    return np.where(np.asarray(z) > 0, 1.0, -alpha)
''', "relative error"),
    ("leaky_relu_prime", '''def leaky_relu_prime(z, alpha):
    return np.where(np.asarray(z) < 0, 0.0, 1.0)
''', "ReLU's derivative"),
    ("elu_prime", '''def elu_prime(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * (np.exp(np.minimum(z, 0)) - 1))
''', "ELU itself"),
    ("elu_prime", '''def elu_prime(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0)))
''', "without the factor alpha"),
    ("gelu_prime", '''def gelu_prime(z):
    z = np.asarray(z, dtype=float)
    c = np.sqrt(2 / np.pi)
    t = np.tanh(c * (z + 0.044715 * z ** 3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t ** 2) * c
''', "du/dz is incomplete"),
    ("leaky_relu_prime", '''def leaky_relu_prime(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)
''', "leaky ReLU itself"),
    ("elu_prime", '''def elu_prime(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.exp(z)) + 0 * np.exp(z)
''', "not finite"),
    ("gelu_prime", '''def gelu_prime(z):
    return nnlib.activations.gelu(z)
''', "GELU itself"),
    ("gelu_prime", '''def gelu_prime(z):
    s = nnlib.sigmoid(1.702 * z)
    return s + 1.702 * z * s * (1 - s)
''', "sigmoid approximation"),
]
