"""Answers to notebook 05's activation-zoo exercises written outside the solution's style.

RIGHT: correct answers that must pass, among them other subgradients at the kink z = 0 and an
ELU whose unused branch overflows (numpy warns, the values are right).
WRONG: (exercise, source, text the diagnosis must contain), beyond the sample mistakes.
"""

RIGHT = {
    "relu": [
        # a mask times z: 0 where z <= 0, z elsewhere
        '''def relu(z):
    z = np.asarray(z, dtype=float)
    return z * (z > 0)
''',
        # the mean of z and |z|
        '''def relu(z):
    return (z + np.abs(z)) / 2
''',
        # np.clip from below, on a copy
        '''def relu(z):
    return np.clip(np.array(z, dtype=float), 0.0, None)
''',
    ],
    "relu_prime": [
        # Heaviside's step with the midpoint 1/2 at the kink: a subgradient
        '''def relu_prime(z):
    return np.heaviside(np.asarray(z, dtype=float), 0.5)
''',
        # the right slope 1 at z = 0, entry by entry
        '''def relu_prime(z):
    z = np.asarray(z, dtype=float)
    out = np.zeros_like(z)
    for i in np.ndindex(z.shape):
        out[i] = 1.0 if z[i] >= 0 else 0.0
    return out if z.ndim else float(out)
''',
    ],
    "leaky_relu": [
        # for 0 < alpha < 1 the larger of z and alpha z
        '''def leaky_relu(z, alpha):
    return np.maximum(z, alpha * np.asarray(z, dtype=float))
''',
        # the positive part plus alpha times the negative part
        '''def leaky_relu(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) + alpha * np.minimum(z, 0.0)
''',
    ],
    "elu": [
        # np.where on the unclipped exponential: it overflows where np.where discards it
        '''def elu(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * (np.exp(z) - 1))
''',
        # entry by entry, math.exp only where the left branch is used
        '''def elu(z, alpha):
    import math
    z = np.asarray(z, dtype=float)
    out = z.copy()
    for i in np.ndindex(z.shape):
        if z[i] <= 0:
            out[i] = alpha * (math.exp(z[i]) - 1.0)
    return out if z.ndim else float(out)
''',
        # a boolean mask on a copy
        '''def elu(z, alpha):
    out = np.array(z, dtype=float)
    neg = out <= 0
    out[neg] = alpha * np.expm1(out[neg])
    return out
''',
    ],
    "gelu": [
        # 0.5 (1 + tanh u) is the sigmoid of 2u
        '''def gelu(z):
    z = np.asarray(z, dtype=float)
    u = np.sqrt(2 / np.pi) * (z + 0.044715 * z * z * z)
    return z * nnlib.sigmoid(2 * u)
''',
        # math's constants, the cube as a power
        '''def gelu(z):
    import math
    k = math.sqrt(2 / math.pi)
    return 0.5 * np.asarray(z) * (1 + np.tanh(k * (np.asarray(z) + 0.044715 * np.power(z, 3))))
''',
    ],
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
    ("relu", '''def relu(z):
    return max(0, z)
''', "decide for one number"),
    ("relu", '''def relu(z):
    return np.max(z, 0)
''', "np.max(z, 0)"),
    ("relu", '''def relu(z):
    return np.abs(z)
''', "|z|"),
    ("relu", '''def relu(z):
    return (np.asarray(z) > 0) * 1.0
''', "ReLU's derivative"),
    ("relu", '''def relu(z):
    return z.clip(min=0)
''', "plain number"),
    ("relu_prime", '''def relu_prime(z):
    return np.maximum(z, 0.0)
''', "ReLU itself"),
    ("relu_prime", '''def relu_prime(z):
    z = np.asarray(z, dtype=float)
    return (z + np.abs(z)) / (2 * z)
''', "not a subgradient"),
    ("relu_prime", '''def relu_prime(z):
    return 1.0 if z > 0 else 0.0
''', "decide for one number"),
    ("relu_prime", '''def relu_prime(z):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, np.where(z < 0, 0.0, np.nan))   # "no derivative at 0"
''', "not a subgradient"),
    ("leaky_relu", '''def leaky_relu(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, 0.01 * z)
''', "the default alpha = 0.01"),
    ("leaky_relu", '''def leaky_relu(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, alpha * z, z)
''', "the two branches swapped"),
    ("leaky_relu", '''def leaky_relu(z, alpha):
    return z if z > 0 else alpha * z
''', "decide for one number"),
    ("leaky_relu", '''def leaky_relu(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha)
''', "derivative instead of the unit"),
    ("elu", '''def elu(z, alpha):
    import math
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * (math.exp(z) - 1))
''', "math.exp and math.tanh take one number"),
    ("elu", '''def elu(z, alpha):
    import math
    z = np.asarray(z, dtype=float)
    left = np.array([alpha * (math.exp(v) - 1) for v in z.ravel()]).reshape(z.shape)
    return np.where(z > 0, z, left)
''', "math.exp overflowed"),
    ("elu", '''def elu(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))
''', "without the factor alpha"),
    ("elu", '''def elu(z, alpha):
    z = np.asarray(z, dtype=float)
    return z * (z > 0) + alpha * np.expm1(z) * (z <= 0)
''', "e^z overflows"),
    ("gelu", '''def gelu(z):
    c = np.sqrt(2 / np.pi)
    u = c * (z + 0.044715 * z ** 3)
    return 0.5 * z * (1 + (np.exp(u) - np.exp(-u)) / (np.exp(u) + np.exp(-u)))
''', "tanh written out with e^u"),
    ("gelu", '''def gelu(z):
    c = np.sqrt(2 / np.pi)
    return z * (1 + np.tanh(c * (z + 0.044715 * z ** 3)))
''', "the factor 1/2 is missing"),
    ("gelu", '''def gelu(z):
    c = np.sqrt(2 * np.pi)
    return 0.5 * z * (1 + np.tanh(c * (z + 0.044715 * z ** 3)))
''', "sqrt(2 pi)"),
    ("gelu", '''def gelu(z):
    return z * nnlib.sigmoid(1.702 * z)
''', "sigmoid approximation"),
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
