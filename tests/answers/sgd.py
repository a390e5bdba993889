"""Answers to notebook 07's exercises written outside the solution's style.

RIGHT: correct answers (loops, helper functions, other calls of the same library pieces) that
must pass. WRONG: (exercise, source, text the diagnosis must contain) for plausible wrong
answers. Each source is run in the solution notebook's namespace, so ``train_digits`` answers
use the solution's ``train``, ``minibatches`` and ``sgd_step``.
"""

RIGHT = {
    "minibatches": [
        '''def minibatches(n, batch_size, rng):
    idx = np.arange(n)
    rng.shuffle(idx)
    batches, start = [], 0
    while start < n:
        batches.append(idx[start:start + batch_size])
        start += batch_size
    return batches
''',
        '''def minibatches(n, batch_size, rng):
    perm = rng.permutation(n)
    return np.split(perm, np.arange(batch_size, n, batch_size))
''',
        '''def minibatches(n, batch_size, rng):
    order = np.argsort(rng.random(n), kind="stable")   # a permutation drawn from rng
    count = -(-n // batch_size)
    return [order[k * batch_size:min(n, (k + 1) * batch_size)] for k in range(count)]
''',
    ],
    "sgd_step": [
        '''def sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    for l in range(1, len(W)):
        vW[l] *= momentum
        vW[l] -= learning_rate * (dW[l] + weight_decay * W[l])
        W[l] += vW[l]
        vb[l] *= momentum
        vb[l] -= learning_rate * db[l]
        b[l] += vb[l]
''',
        '''def _momentum_update(p, v, g, eta, mu):
    v_new = mu * v - eta * g
    return p + v_new, v_new


def sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    layers = list(range(1, len(W)))
    for l in layers:
        W[l], vW[l] = _momentum_update(W[l], vW[l], dW[l] + weight_decay * W[l], learning_rate, momentum)
    for l in layers:
        b[l], vb[l] = _momentum_update(b[l], vb[l], db[l], learning_rate, momentum)
''',
        '''def sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    for l, (w, g) in enumerate(zip(W[1:], dW[1:]), start=1):
        vW[l] = momentum * vW[l] - learning_rate * g - learning_rate * weight_decay * w
        W[l] = w + vW[l]
    for l in range(1, len(b)):
        vb[l] = momentum * vb[l] - learning_rate * db[l]
        b[l] = b[l] + vb[l]
''',
    ],
    "train": [
        # the inner loop in a helper function, the warm-up computed inline
        '''def _one_epoch(net, X, y, batch_size, rng, vW, vb, rates, momentum, weight_decay):
    for idx in minibatches(X.shape[0], batch_size, rng):
        _, dW, db = gradients(net, X[idx], y[idx])
        sgd_step(net.W, net.b, dW, db, vW, vb, next(rates), momentum, weight_decay)


def _rates(learning_rate, warmup_steps):
    schedule = warmup(learning_rate, warmup_steps)
    s = 0
    while True:
        yield schedule(s)
        s += 1


def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    vW = [None] + [np.zeros(W.shape) for W in net.W[1:]]
    vb = [None] + [np.zeros(b.shape) for b in net.b[1:]]
    rates = _rates(learning_rate, warmup_steps)
    history = []
    for _ in range(epochs):
        _one_epoch(net, X, y, batch_size, rng, vW, vb, rates, momentum, weight_decay)
        history.append(float(net.error(X, y)))
    return history
''',
        '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng,
          warmup_steps=0):
    vW, vb = [None], [None]
    for l in range(1, net.L + 1):
        vW.append(np.zeros_like(net.W[l]))
        vb.append(np.zeros_like(net.b[l]))
    eta = warmup(learning_rate=learning_rate, warmup_steps=warmup_steps)
    losses, steps_done = [], 0
    epoch = 0
    while epoch < epochs:
        batches = minibatches(n=X.shape[0], batch_size=batch_size, rng=rng)
        for idx in batches:
            grads = gradients(net, X[idx], y[idx])
            sgd_step(net.W, net.b, grads[1], grads[2], vW, vb,
                     learning_rate=eta(steps_done), momentum=momentum, weight_decay=weight_decay)
            steps_done = steps_done + 1
        losses.append(net.error(X, y))
        epoch += 1
    return losses
''',
    ],
    "warmup": [
        '''def warmup(learning_rate, warmup_steps):
    return lambda step: learning_rate if warmup_steps == 0 else \\
        learning_rate * min(1.0, (step + 1) / warmup_steps)
''',
        '''class _Ramp:
    def __init__(self, eta, S):
        self.eta, self.S = eta, S

    def __call__(self, s):
        if self.S <= 0 or s + 1 >= self.S:
            return float(self.eta)
        return float(self.eta * (s + 1) / self.S)


def warmup(learning_rate, warmup_steps):
    return _Ramp(learning_rate, warmup_steps)
''',
    ],
    "gradients": [
        # loops over examples: the batch gradient as the mean of per-example gradients
        '''def _one_example(net, x, t):
    L = net.L
    zs, acts = [None], [x]
    for l in range(1, L + 1):
        zs.append(net.W[l] @ acts[-1] + net.b[l])
        acts.append(net.hidden[l](zs[-1]) if l < L else net.loss.output(zs[-1][None, :])[0])
    name = net.loss.error.name
    y_ = acts[L]
    if name == "sse":
        e = 0.5 * np.sum((y_ - t) ** 2)
    elif name == "bce":
        e = -np.sum(t * np.log(y_) + (1 - t) * np.log(1 - y_))
    elif name == "softmax_ce":
        e = -np.sum(t * np.log(y_))
    else:
        e = np.sum(np.log1p(np.exp(-t * y_)))
    d = -t / (1 + np.exp(t * zs[L])) if name == "logistic" else y_ - t
    gW, gb = [None] * (L + 1), [None] * (L + 1)
    for l in range(L, 0, -1):
        gW[l] = np.outer(d, acts[l - 1])
        gb[l] = d
        if l > 1:
            d = (net.W[l].T @ d) * net.hidden[l - 1].prime(zs[l - 1])
    return e, gW, gb


def gradients(net, X, y):
    N, K = X.shape[0], net.sizes[-1]
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    E, dW, db = 0.0, [None] + [np.zeros_like(w) for w in net.W[1:]], [None] + [np.zeros_like(v) for v in net.b[1:]]
    for n in range(N):
        e, gW, gb = _one_example(net, X[n], T[n])
        E += e / N
        for l in range(1, net.L + 1):
            dW[l] += gW[l] / N
            db[l] += gb[l] / N
    return E, dW, db
''',
        # einsum, a stable log-softmax and the forward pass inlined
        '''def gradients(net, X, y):
    L, N = net.L, len(X)
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(np.einsum("nj,kj->nk", a[-1], net.W[l]) + net.b[l])
        a.append(net.hidden[l](z[l]) if l < L else net.loss.output(z[l]))
    T = net.loss.targets(y, a[L].shape)
    kind = net.loss.error.name
    if kind == "softmax_ce":
        shifted = z[L] - z[L].max(axis=1, keepdims=True)
        log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        E = -np.sum(T * log_y) / N
    elif kind == "bce":
        E = np.sum(T * np.logaddexp(0, -z[L]) + (1 - T) * np.logaddexp(0, z[L])) / N
    elif kind == "logistic":
        E = np.sum(np.logaddexp(0, -T * z[L])) / N
    else:
        E = 0.5 * np.sum((a[L] - T) ** 2) / N
    delta = -T * (1 - np.tanh(T * z[L] / 2)) / 2 / N if kind == "logistic" else (a[L] - T) / N
    dW, db = [None] * (L + 1), [None] * (L + 1)
    for l in range(L, 0, -1):
        dW[l] = np.einsum("nk,nj->kj", delta, a[l - 1])
        db[l] = np.einsum("nk->k", delta)
        if l > 1:
            delta = np.einsum("nk,kj->nj", delta, net.W[l]) * net.hidden[l - 1].prime(z[l - 1])
    return E, dW, db
''',
    ],
    "train_digits": [
        '''def train_digits(X, y, rng):
    net = nnlib.MLP([64, 96, 10], hidden="tanh", loss="softmax_ce", rng=rng)
    history = train(net, X, y, epochs=10, batch_size=64, learning_rate=0.1, momentum=0.9,
                    weight_decay=3e-3, rng=rng)
    return net, history
''',
        '''def train_digits(X, y, rng):
    sizes = [X.shape[1], 48, 32, 10]          # two hidden layers
    net = nnlib.MLP(sizes, "relu", "softmax_ce", rng=rng)
    history = train(net, X, y, 12, 64, 0.1, 0.9, 3e-3, rng)
    return (net, history)
''',
    ],
}

WRONG = [
    # --- minibatches
    ("minibatches", '''def minibatches(n, batch_size, rng):
    order = rng.permutation(n)
    return np.array_split(order, -(-n // batch_size))
''', "batch sizes"),
    ("minibatches", '''def minibatches(n, batch_size, rng):
    order = rng.choice(n, size=n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
''', "exactly once"),
    ("minibatches", '''def minibatches(n, batch_size, rng):
    order = np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
''', "same order"),
    ("minibatches", '''def minibatches(n, batch_size, rng):
    return list(rng.permutation(n).reshape(-1, batch_size))
''', "keep the remainder"),
    ("minibatches", '''def minibatches(n, batch_size, rng):
    order = rng.permutation(n)
    rest = n % batch_size
    return [order[:rest]] * (rest > 0) + [order[i:i + batch_size] for i in range(rest, n, batch_size)]
''', "the last, which keeps the remainder"),
    ("minibatches", '''def minibatches(n, batch_size, rng):
    return rng.permutation(n)
''', "single indices"),
    ("minibatches", '''def minibatches(n, batch_size, rng):
    order = rng.permutation(n) * 1.0
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
''', "integers"),
    # --- sgd_step
    ("sgd_step", '''def sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    for l in range(1, len(W)):
        W[l] = W[l] + vW[l]
        vW[l] = momentum * vW[l] - learning_rate * (dW[l] + weight_decay * W[l])
        b[l] = b[l] + vb[l]
        vb[l] = momentum * vb[l] - learning_rate * db[l]
''', "old velocity"),
    ("sgd_step", '''def sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    for l in range(1, len(W)):
        vW[l] = momentum * vW[l] + dW[l] + weight_decay * W[l]
        W[l] = W[l] - learning_rate * vW[l]
        vb[l] = momentum * vb[l] + db[l]
        b[l] = b[l] - learning_rate * vb[l]
''', "another convention"),
    ("sgd_step", '''def sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    for l in range(1, len(W) - 1):
        vW[l] = momentum * vW[l] - learning_rate * (dW[l] + weight_decay * W[l])
        W[l] = W[l] + vW[l]
        vb[l] = momentum * vb[l] - learning_rate * db[l]
        b[l] = b[l] + vb[l]
''', "was not updated"),
    ("sgd_step", '''def sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    for l in range(1, len(W)):
        vW[l] = momentum * vW[l] - learning_rate * dW[l]
        W[l] = (W[l] + vW[l]) * (1 - learning_rate * weight_decay)
        vb[l] = momentum * vb[l] - learning_rate * db[l]
        b[l] = b[l] + vb[l]
''', "after the momentum step"),
    ("sgd_step", '''def sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    for l in range(1, len(W)):
        dW[l] += weight_decay * W[l]
        vW[l] = momentum * vW[l] - learning_rate * dW[l]
        W[l] = W[l] + vW[l]
        vb[l] = momentum * vb[l] - learning_rate * db[l]
        b[l] = b[l] + vb[l]
''', "changed the gradient"),
    ("sgd_step", '''def sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    newW, newb = [None], [None]
    for l in range(1, len(W)):
        vW[l] = momentum * vW[l] - learning_rate * (dW[l] + weight_decay * W[l])
        newW.append(W[l] + vW[l])
        vb[l] = momentum * vb[l] - learning_rate * db[l]
        newb.append(b[l] + vb[l])
    return newW, newb
''', "do not return new lists"),
    ("sgd_step", '''def sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    for l in range(1, len(W)):
        vW[l] = -learning_rate * (dW[l] + weight_decay * W[l])
        W[l] = W[l] + vW[l]
        vb[l] = -learning_rate * db[l]
        b[l] = b[l] + vb[l]
''', "momentum ignored"),
    # --- train
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    eta, step = warmup(learning_rate, warmup_steps), 0
    history = []
    for epoch in range(epochs):
        vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
        vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
        for idx in minibatches(X.shape[0], batch_size, rng):
            _, dW, db = gradients(net, X[idx], y[idx])
            sgd_step(net.W, net.b, dW, db, vW, vb, eta(step), momentum, weight_decay)
            step += 1
        history.append(net.error(X, y))
    return history
''', "reset at the start of every epoch"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    eta, step = warmup(learning_rate, warmup_steps), 0
    history = []
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
            vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
            _, dW, db = gradients(net, X[idx], y[idx])
            sgd_step(net.W, net.b, dW, db, vW, vb, eta(step), momentum, weight_decay)
            step += 1
        history.append(net.error(X, y))
    return history
''', "at every step"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    eta, step = warmup(learning_rate, warmup_steps), 0
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            _, dW, db = gradients(net, X, y)
            sgd_step(net.W, net.b, dW, db, vW, vb, eta(step), momentum, weight_decay)
            step += 1
        history.append(net.error(X, y))
    return history
''', "whole training set"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    eta, step = warmup(learning_rate, warmup_steps), 0
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            _, dW, db = gradients(net, X[idx], y[idx])
            sgd_step(net.W, net.b, dW, db, vW, vb, eta(step), momentum, weight_decay)
            step += 1
        penalty = 0.5 * weight_decay * sum(np.sum(W**2) for W in net.W[1:])
        history.append(net.error(X, y) + penalty)
    return history
''', "weight-decay penalty"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    eta, step = warmup(learning_rate, warmup_steps), 0
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(epochs):
        errors = []
        for idx in minibatches(X.shape[0], batch_size, rng):
            E, dW, db = gradients(net, X[idx], y[idx])
            errors.append(E)
            sgd_step(net.W, net.b, dW, db, vW, vb, eta(step), momentum, weight_decay)
            step += 1
        history.append(np.mean(errors))
    return history
''', "mini-batch errors during the epoch"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    eta, step = warmup(learning_rate, warmup_steps), 0
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = [net.error(X, y)]
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            _, dW, db = gradients(net, X[idx], y[idx])
            sgd_step(net.W, net.b, dW, db, vW, vb, eta(step), momentum, weight_decay)
            step += 1
        history.append(net.error(X, y))
    return history
''', "before training is included"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    eta, step = warmup(learning_rate, warmup_steps), 0
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            _, dW, db = gradients(net, X[idx], y[idx])
            sgd_step(net.W, net.b, dW, db, vW, vb, momentum, eta(step), weight_decay)
            step += 1
        history.append(net.error(X, y))
    return history
''', "swapped"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    eta, step = warmup(learning_rate, warmup_steps), 0
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(1, epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            _, dW, db = gradients(net, X[idx], y[idx])
            sgd_step(net.W, net.b, dW, db, vW, vb, eta(step), momentum, weight_decay)
            step += 1
        history.append(net.error(X, y))
    return history
''', "call it once at the start of every epoch"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    schedule = warmup(learning_rate, warmup_steps)
    history = []
    for epoch in range(epochs):
        for step, idx in enumerate(minibatches(X.shape[0], batch_size, rng)):
            _, dW, db = gradients(net, X[idx], y[idx])
            sgd_step(net.W, net.b, dW, db, vW, vb, schedule(step), momentum, weight_decay)
        history.append(net.error(X, y))
    return history
''', "starts again at 0 every epoch"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    schedule = warmup(learning_rate, warmup_steps)
    history, step = [], 0
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            step += 1
            _, dW, db = gradients(net, X[idx], y[idx])
            sgd_step(net.W, net.b, dW, db, vW, vb, schedule(step), momentum, weight_decay)
        history.append(net.error(X, y))
    return history
''', "one step late"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            _, dW, db = gradients(net, X[idx], y[idx])
            sgd_step(net.W, net.b, dW, db, vW, vb, learning_rate, momentum, weight_decay)
        history.append(net.error(X, y))
    return history
''', "the warm-up is missing"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            grads = net.backward(net.forward(X[idx]), y[idx])
            sgd_step(net.W, net.b, grads.dW, grads.db, vW, vb, learning_rate, momentum, weight_decay)
        history.append(net.error(X, y))
    return history
''', "never called gradients"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng):
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            _, dW, db = gradients(net, X[idx], y[idx])
            sgd_step(net.W, net.b, dW, db, vW, vb, learning_rate, momentum, weight_decay)
        history.append(net.error(X, y))
    return history
''', "warmup_steps=0"),
    # --- warmup
    ("warmup", '''def warmup(learning_rate, warmup_steps):
    return lambda step: learning_rate * min(1.0, (step + 1) / warmup_steps)
''', "warmup_steps = 0 means no warm-up"),
    ("warmup", '''def warmup(learning_rate, warmup_steps):
    return learning_rate / max(warmup_steps, 1)
''', "must return the schedule"),
    ("warmup", '''def warmup(learning_rate, warmup_steps):
    def schedule(step):
        if warmup_steps == 0:
            return learning_rate
        return learning_rate * max(0.0, 1.0 - step / warmup_steps)
    return schedule
''', "wrong way"),
    ("warmup", '''def warmup(learning_rate, warmup_steps):
    def schedule(step):
        if warmup_steps == 0:
            return learning_rate
        return min(1.0, (step + 1) / warmup_steps)
    return schedule
''', "ends at eta / S"),
    ("warmup", '''def warmup(learning_rate, warmup_steps):
    return lambda step: 0.0 if warmup_steps == 0 else learning_rate * min(1.0, (step + 1) / warmup_steps)
''', "not constant for warmup_steps = 0"),
    # --- gradients
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else net.loss.output(z[l]))
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = 0.5 * np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T)
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(z[l])
    dW = [None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return float(np.mean(E_n)), dW, db
''', 'summed over the batch'),
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else net.loss.output(z[l]))
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = 0.5 * np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(z[l])
    dW = [None] + [a[l - 1].T @ delta[l] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return float(np.mean(E_n)), dW, db
''', 'transposed'),
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else net.loss.output(z[l]))
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = 0.5 * np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(a[l])
    dW = [None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return float(np.mean(E_n)), dW, db
''', 'at the activation a[l]'),
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if h is not None else net.loss.output(z[l]))
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = 0.5 * np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(z[l])
    dW = [None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return float(np.mean(E_n)), dW, db
''', 'uses the hidden activation'),
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else net.loss.output(z[l]))
    T = np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = 0.5 * np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(z[l])
    dW = [None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return float(np.mean(E_n)), dW, db
''', 'one-hot'),
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else net.loss.output(z[l]))
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = 0.5 * np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(z[l])
    dW = [None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=1) for l in range(1, L + 1)]
    return float(np.mean(E_n)), dW, db
''', 'summed over the batch (axis 0)'),
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else net.loss.output(z[l]))
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = 0.5 * np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(z[l])
    dW = [None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return E_n, dW, db
''', 'single number'),
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else net.loss.output(z[l]))
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = 0.5 * np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(z[l])
    dW = [None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return dW, db
''', 'triple (E, dW, db)'),
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else net.loss.output(z[l]))
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(z[l])
    dW = [None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return float(np.mean(E_n)), dW, db
''', 'without the 1/2'),
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else net.loss.output(z[l]))
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = 0.5 * np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T) * out * (1 - out) / N if pair == "bce" else (out - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(z[l])
    dW = [None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return float(np.mean(E_n)), dW, db
''', 'derivative in the output delta'),
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else net.loss.output(z[l]))
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = 0.5 * np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(z[l])
    dW = [None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    net.W = [None] + [w - 0.1 * g for w, g in zip(net.W[1:], dW[1:])]
    return float(np.mean(E_n)), dW, db
''', 'changed net.W'),
    ("gradients", '''def gradients(net, X, y):
    L, N, K = net.L, X.shape[0], net.sizes[-1]
    h = net.hidden[1] if L > 1 else None
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else net.loss.output(z[l]))
    T = np.eye(K)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=float)
    pair, out = net.loss.error.name, a[L]
    if pair == "sse":
        E_n = 0.5 * np.sum((out - T) ** 2, axis=1)
    elif pair == "bce":
        E_n = -np.sum(T * np.log(out) + (1 - T) * np.log(1 - out), axis=1)
    elif pair == "softmax_ce":
        E_n = -np.sum(T * np.log(out), axis=1)
    else:
        E_n = np.sum(np.logaddexp(0.0, -T * out), axis=1)
    delta = [None] * (L + 1)
    delta[L] = -T / (1.0 + np.exp(T * z[L])) / N if pair == "logistic" else (out - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[l + 1]) * h.prime(z[l])
    dW = [None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    E_n = E_n / K
    return float(np.mean(E_n)), dW, db
''', 'over the K outputs too'),
    ("gradients", '''def gradients(net, X, y):
    fp = net.forward(X)
    g = net.backward(fp, y)
    return net.error(X, y), g.dW, g.db
''', "reference implementation"),
    # --- train_digits
    ("train_digits", '''def train_digits(X, y, rng):
    net = nnlib.MLP([64, 32, 10], hidden="sigmoid", loss="softmax_ce", rng=rng)
    history = train(net, X, y, epochs=1, batch_size=32, learning_rate=0.01, momentum=0.0,
                    weight_decay=0.0, rng=rng)
    return net, history
''', "needs at least 0.95"),
    ("train_digits", '''def train_digits(X, y, rng):
    net = nnlib.MLP([64, 64, 10], hidden="relu", loss="softmax_ce", rng=rng)
    history = train(net, X, y, epochs=2, batch_size=1, learning_rate=0.01, momentum=0.0,
                    weight_decay=0.0, rng=rng)
    return net, history
''', "more than 1500 steps"),
    ("train_digits", '''def train_digits(X, y, rng):
    net = nnlib.MLP([64, 2000, 10], hidden="relu", loss="softmax_ce", rng=rng)
    history = train(net, X, y, epochs=2, batch_size=64, learning_rate=0.02, momentum=0.9,
                    weight_decay=0.0, rng=rng)
    return net, history
''', "units of work"),
    ("train_digits", '''def train_digits(X, y, rng):
    net = nnlib.MLP([64, 64, 10], hidden="relu", loss="softmax_ce", rng=rng)
    train(net, X, y, 15, 32, 0.05, 0.9, 3e-3, rng)
    return net
''', "return the pair (net, history)"),
    ("train_digits", '''def train_digits(X, y, rng):
    net = nnlib.MLP([64, 64, 10], hidden="relu", loss="sse", rng=rng)
    T = np.eye(10)[y]
    history = train(net, X, T, 15, 32, 0.05, 0.9, 3e-3, rng)
    return net, history
''', "softmax_ce"),
    ("train_digits", '''def train_digits(X, y, rng):
    net = nnlib.MLP([64, 64, 10], hidden="relu", loss="softmax_ce", rng=rng)
    history = nnlib.fit(net, X, y, 15, batch_size=32, learning_rate=0.05, momentum=0.9, rng=rng)
    return net, history.loss
''', "reference implementation"),
]
