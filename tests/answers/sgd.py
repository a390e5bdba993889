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
        # the inner loop in a helper function (today's tests took points for this)
        '''def _one_epoch(net, X, y, batch_size, rng, vW, vb, learning_rate, momentum, weight_decay):
    for idx in minibatches(X.shape[0], batch_size, rng):
        grads = net.backward(net.forward(X[idx]), y[idx])
        sgd_step(net.W, net.b, grads.dW, grads.db, vW, vb, learning_rate, momentum, weight_decay)


def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng):
    vW = [None] + [np.zeros(W.shape) for W in net.W[1:]]
    vb = [None] + [np.zeros(b.shape) for b in net.b[1:]]
    history = []
    for _ in range(epochs):
        _one_epoch(net, X, y, batch_size, rng, vW, vb, learning_rate, momentum, weight_decay)
        history.append(float(net.error(X, y)))
    return history
''',
        '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng):
    vW, vb = [None], [None]
    for l in range(1, net.L + 1):
        vW.append(np.zeros_like(net.W[l]))
        vb.append(np.zeros_like(net.b[l]))
    losses = []
    epoch = 0
    while epoch < epochs:
        batches = minibatches(n=X.shape[0], batch_size=batch_size, rng=rng)
        for idx in batches:
            _, grads = net.gradients(X[idx], y[idx])
            sgd_step(net.W, net.b, grads.dW, grads.db, vW, vb,
                     learning_rate=learning_rate, momentum=momentum, weight_decay=weight_decay)
        losses.append(net.error(X, y))
        epoch += 1
    return losses
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
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng):
    history = []
    for epoch in range(epochs):
        vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
        vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
        for idx in minibatches(X.shape[0], batch_size, rng):
            grads = net.backward(net.forward(X[idx]), y[idx])
            sgd_step(net.W, net.b, grads.dW, grads.db, vW, vb, learning_rate, momentum, weight_decay)
        history.append(net.error(X, y))
    return history
''', "reset at the start of every epoch"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng):
    history = []
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
            vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
            grads = net.backward(net.forward(X[idx]), y[idx])
            sgd_step(net.W, net.b, grads.dW, grads.db, vW, vb, learning_rate, momentum, weight_decay)
        history.append(net.error(X, y))
    return history
''', "at every step"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng):
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            grads = net.backward(net.forward(X), y)
            sgd_step(net.W, net.b, grads.dW, grads.db, vW, vb, learning_rate, momentum, weight_decay)
        history.append(net.error(X, y))
    return history
''', "whole training set"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng):
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            grads = net.backward(net.forward(X[idx]), y[idx])
            sgd_step(net.W, net.b, grads.dW, grads.db, vW, vb, learning_rate, momentum, weight_decay)
        penalty = 0.5 * weight_decay * sum(np.sum(W**2) for W in net.W[1:])
        history.append(net.error(X, y) + penalty)
    return history
''', "weight-decay penalty"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng):
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(epochs):
        errors = []
        for idx in minibatches(X.shape[0], batch_size, rng):
            E, grads = net.gradients(X[idx], y[idx])
            errors.append(E)
            sgd_step(net.W, net.b, grads.dW, grads.db, vW, vb, learning_rate, momentum, weight_decay)
        history.append(np.mean(errors))
    return history
''', "mini-batch errors during the epoch"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng):
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = [net.error(X, y)]
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            grads = net.backward(net.forward(X[idx]), y[idx])
            sgd_step(net.W, net.b, grads.dW, grads.db, vW, vb, learning_rate, momentum, weight_decay)
        history.append(net.error(X, y))
    return history
''', "before training is included"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng):
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            grads = net.backward(net.forward(X[idx]), y[idx])
            sgd_step(net.W, net.b, grads.dW, grads.db, vW, vb, momentum, learning_rate, weight_decay)
        history.append(net.error(X, y))
    return history
''', "swapped"),
    ("train", '''def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng):
    vW = [None] + [np.zeros_like(W) for W in net.W[1:]]
    vb = [None] + [np.zeros_like(b) for b in net.b[1:]]
    history = []
    for epoch in range(1, epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            grads = net.backward(net.forward(X[idx]), y[idx])
            sgd_step(net.W, net.b, grads.dW, grads.db, vW, vb, learning_rate, momentum, weight_decay)
        history.append(net.error(X, y))
    return history
''', "call it once at the start of every epoch"),
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
