"""Answers to notebook 08's exercises written outside the solution's style.

RIGHT: correct answers (loops over entries, other algebra, helper functions) that must pass.
WRONG: (exercise, source, text the diagnosis must contain) for plausible wrong answers,
beyond the sample mistakes of course/sample/mistakes/08-optimizers.toml.
"""

RIGHT = {
    "max_stable_learning_rate": [
        # the largest eigenvalue from the general solver (real parts: H is symmetric)
        '''def max_stable_learning_rate(H):
    return 2 / np.max(np.real(np.linalg.eigvals(H)))
''',
        # the spectral norm of a symmetric positive definite matrix is its largest eigenvalue
        '''def max_stable_learning_rate(H):
    return 2.0 / np.linalg.norm(H, 2)
''',
        # the largest singular value equals the largest eigenvalue for a positive definite H
        '''def max_stable_learning_rate(H):
    lam = np.linalg.svd(H, compute_uv=False)[0]
    return float(2 / lam)
''',
    ],
    "rmsprop_step": [
        # new arrays put back into the lists, weights and biases by one helper
        '''def _update(theta, g, s, lr, rho, eps):
    s_new = rho * s + (1 - rho) * g * g
    return theta - lr * g / (np.sqrt(s_new) + eps), s_new

def rmsprop_step(W, b, dW, db, sW, sb, learning_rate, rho, eps, weight_decay):
    for l in range(1, len(W)):
        W[l], sW[l] = _update(W[l], dW[l] + weight_decay * W[l], sW[l], learning_rate, rho, eps)
        b[l], sb[l] = _update(b[l], db[l], sb[l], learning_rate, rho, eps)
''',
        # entry by entry
        '''def rmsprop_step(W, b, dW, db, sW, sb, learning_rate, rho, eps, weight_decay):
    import math
    for l in range(1, len(W)):
        for i in np.ndindex(W[l].shape):
            g = dW[l][i] + weight_decay * W[l][i]
            sW[l][i] = rho * sW[l][i] + (1 - rho) * g * g
            W[l][i] -= learning_rate * g / (math.sqrt(sW[l][i]) + eps)
        for i in np.ndindex(b[l].shape):
            g = db[l][i]
            sb[l][i] = rho * sb[l][i] + (1 - rho) * g * g
            b[l][i] -= learning_rate * g / (math.sqrt(sb[l][i]) + eps)
''',
    ],
    "adam_step": [
        # weights and biases in two explicit blocks, np.power for the corrections
        '''def adam_step(W, b, dW, db, mW, mb, vW, vb, t, learning_rate, beta1, beta2, eps, weight_decay):
    for l in range(1, len(W)):
        g = dW[l] + weight_decay * W[l]
        mW[l] = beta1 * mW[l] + (1 - beta1) * g
        vW[l] = beta2 * vW[l] + (1 - beta2) * np.square(g)
        W[l] = W[l] - learning_rate * (mW[l] / (1 - np.power(beta1, t))) / (
            np.sqrt(vW[l] / (1 - np.power(beta2, t))) + eps)
        mb[l] = beta1 * mb[l] + (1 - beta1) * db[l]
        vb[l] = beta2 * vb[l] + (1 - beta2) * db[l] ** 2
        b[l] = b[l] - learning_rate * (mb[l] / (1 - beta1 ** t)) / (np.sqrt(vb[l] / (1 - beta2 ** t)) + eps)
''',
        # the corrections folded into the learning rate and eps (the same number, rearranged)
        '''def adam_step(W, b, dW, db, mW, mb, vW, vb, t, learning_rate, beta1, beta2, eps, weight_decay):
    c1, c2 = 1 - beta1 ** t, 1 - beta2 ** t
    step = learning_rate * np.sqrt(c2) / c1
    for P, G, M, V, decay in ((W, dW, mW, vW, weight_decay), (b, db, mb, vb, 0.0)):
        for l in range(1, len(P)):
            g = G[l] + decay * P[l]
            M[l][...] = beta1 * M[l] + (1 - beta1) * g
            V[l][...] = beta2 * V[l] + (1 - beta2) * g * g
            P[l][...] = P[l] - step * M[l] / (np.sqrt(V[l]) + eps * np.sqrt(c2))
''',
    ],
}

WRONG = [
    ("max_stable_learning_rate", '''def max_stable_learning_rate(H):
    return 2 / np.real(np.linalg.eig(H)[0][0])
''', "np.linalg.eig does not sort"),
    ("max_stable_learning_rate", '''def max_stable_learning_rate(H):
    return 2 / np.max(H)
''', "largest diagonal entry"),
    ("rmsprop_step", '''def rmsprop_step(W, b, dW, db, sW, sb, learning_rate, rho, eps, weight_decay):
    for l in range(1, len(W)):
        gW = dW[l] + weight_decay * W[l]
        W[l] -= learning_rate * gW / (np.sqrt(sW[l]) + eps)
        b[l] -= learning_rate * db[l] / (np.sqrt(sb[l]) + eps)
        sW[l] = rho * sW[l] + (1 - rho) * gW ** 2
        sb[l] = rho * sb[l] + (1 - rho) * db[l] ** 2
''', "old mean square"),
    ("rmsprop_step", '''def rmsprop_step(W, b, dW, db, sW, sb, learning_rate, rho, eps, weight_decay):
    for l in range(1, len(W)):
        dW[l] += weight_decay * W[l]
        sW[l] = rho * sW[l] + (1 - rho) * dW[l] ** 2
        sb[l] = rho * sb[l] + (1 - rho) * db[l] ** 2
        W[l] -= learning_rate * dW[l] / (np.sqrt(sW[l]) + eps)
        b[l] -= learning_rate * db[l] / (np.sqrt(sb[l]) + eps)
''', "gradients dW[1] were changed"),
    ("rmsprop_step", '''def rmsprop_step(W, b, dW, db, sW, sb, learning_rate, rho, eps, weight_decay):
    for l in range(1, len(W)):
        g = dW[l] + weight_decay * W[l]
        s = rho * sW[l] + (1 - rho) * g ** 2
        W[l] -= learning_rate * g / (np.sqrt(s) + eps)
        sbl = rho * sb[l] + (1 - rho) * db[l] ** 2
        b[l] -= learning_rate * db[l] / (np.sqrt(sbl) + eps)
''', "mean square was not updated"),
    ("adam_step", '''def adam_step(W, b, dW, db, mW, mb, vW, vb, t, learning_rate, beta1, beta2, eps, weight_decay):
    c1, c2 = 1 - beta1 ** t, 1 - beta2 ** t
    for l in range(1, len(W)):
        for theta, g, m, v in ((W[l], dW[l] + weight_decay * W[l], mW[l], vW[l]), (b[l], db[l], mb[l], vb[l])):
            m *= beta2
            m += (1 - beta2) * g
            v *= beta1
            v += (1 - beta1) * g ** 2
            theta -= learning_rate * (m / (1 - beta2 ** t)) / (np.sqrt(v / (1 - beta1 ** t)) + eps)
''', "beta1 and beta2 swapped"),
    ("adam_step", '''def adam_step(W, b, dW, db, mW, mb, vW, vb, t, learning_rate, beta1, beta2, eps, weight_decay):
    c1, c2 = 1 - beta1 ** t, 1 - beta2 ** t
    for l in range(1, len(W)):
        for theta, g, m, v in ((W[l], dW[l] + weight_decay * W[l], mW[l], vW[l]), (b[l], db[l], mb[l], vb[l])):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g ** 2
            theta -= learning_rate * m / (np.sqrt(v / c2) + eps)
''', "only the second moment is bias-corrected"),
    ("adam_step", '''def adam_step(W, b, dW, db, mW, mb, vW, vb, t, learning_rate, beta1, beta2, eps, weight_decay):
    c1, c2 = 1 - beta1 ** (t - 1), 1 - beta2 ** (t - 1)
    for l in range(1, len(W)):
        for theta, g, m, v in ((W[l], dW[l] + weight_decay * W[l], mW[l], vW[l]), (b[l], db[l], mb[l], vb[l])):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g ** 2
            theta -= learning_rate * (m / c1) / (np.sqrt(v / c2) + eps)
''', "t - 1"),
    ("adam_step", '''def adam_step(W, b, dW, db, mW, mb, vW, vb, t, learning_rate, beta1, beta2, eps, weight_decay):
    c1, c2 = 1 - beta1 ** t, 1 - beta2 ** t
    for l in range(1, len(W) - 1):
        for theta, g, m, v in ((W[l], dW[l] + weight_decay * W[l], mW[l], vW[l]), (b[l], db[l], mb[l], vb[l])):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g ** 2
            theta -= learning_rate * (m / c1) / (np.sqrt(v / c2) + eps)
''', "was not updated (loop over every layer"),
]
