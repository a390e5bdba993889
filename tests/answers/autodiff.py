"""Answers to notebook 09's exercises written outside the solution's style.

RIGHT: correct answers (einsum, loops, iterative searches, other algebra) that must pass.
WRONG: (exercise, source, text the diagnosis must contain) for plausible wrong answers,
beyond the sample mistakes of course/sample/mistakes/09-autodiff.toml.
"""

RIGHT = {
    "linear_vjp": [
        # index notation with einsum
        '''def linear_vjp(G, A, W):
    return (np.einsum("nk,kj->nj", G, W), np.einsum("nk,nj->kj", G, A), np.einsum("nk->k", G))
''',
        # a sum of outer products, one per example, and the bias as a product with ones
        '''def linear_vjp(G, A, W):
    dW = np.zeros(W.shape)
    for n in range(G.shape[0]):
        dW += np.outer(G[n], A[n])
    return (W.T @ G.T).T, dW, np.ones(G.shape[0]) @ G
''',
    ],
    "activation_vjp": [
        # the derivatives from z, with a dictionary of functions
        '''def activation_vjp(G, z, a, h):
    prime = {"tanh": lambda z: 1 / np.cosh(z) ** 2,
             "sigmoid": lambda z: np.exp(-np.logaddexp(0, -z)) * np.exp(-np.logaddexp(0, z)),
             "relu": lambda z: np.where(z > 0, 1.0, 0.0)}
    return G * prime[h](z)
''',
        # np.multiply and the heaviside step
        '''def activation_vjp(G, z, a, h):
    if h == "relu":
        return np.multiply(G, np.heaviside(z, 0.0))
    if h == "sigmoid":
        return np.multiply(G, a - a * a)
    return G - G * a * a
''',
    ],
    "backward_pass": [
        # an iterative depth-first search with an explicit stack; new arrays instead of +=
        '''def backward_pass(loss):
    order, placed, stack = [], set(), [(loss, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            if id(node) not in placed:
                placed.add(id(node))
                order.append(node)
            continue
        if id(node) in placed:
            continue
        stack.append((node, True))
        for p in node.parents:
            if id(p) not in placed:
                stack.append((p, False))
    for node in order:
        node.grad = np.zeros_like(node.value)
    loss.grad = np.ones_like(loss.value)
    for node in order[::-1]:
        if node.parents:
            grads = node.vjp(node.grad)
            for k, parent in enumerate(node.parents):
                parent.grad = parent.grad + grads[k]
''',
        # Kahn's algorithm: a node is processed once all its consumers are done
        '''def backward_pass(loss):
    consumers, nodes, todo = {}, {id(loss): loss}, [loss]
    while todo:
        node = todo.pop()
        for p in node.parents:
            consumers[id(p)] = consumers.get(id(p), 0) + 1
            if id(p) not in nodes:
                nodes[id(p)] = p
                todo.append(p)
    for node in nodes.values():
        node.grad = np.zeros_like(node.value)
    loss.grad = np.ones_like(loss.value)
    ready = [loss]
    while ready:
        node = ready.pop()
        if not node.parents:
            continue
        for parent, g in zip(node.parents, node.vjp(node.grad)):
            parent.grad += g
            consumers[id(parent)] -= 1
            if consumers[id(parent)] == 0:
                ready.append(parent)
''',
    ],
    "mlp_loss": [
        # the fused layer and the functions instead of the operators
        '''def mlp_loss(X, T, W, b, hidden, loss):
    a = X
    for l in range(1, len(W)):
        a = ad.linear(a, W[l], b[l])
        if l < len(W) - 1:
            a = {"tanh": ad.tanh, "sigmoid": ad.sigmoid, "relu": ad.relu}[hidden](a)
    return ad.mse(a, T) if loss == "mse" else ad.softmax_cross_entropy(a, T)
''',
        # the squared error written out from elementary operations, the bias added on the left
        '''def mlp_loss(X, T, W, b, hidden, loss):
    a = ad.as_tensor(X)
    L = len(W) - 1
    for l in range(1, L + 1):
        z = ad.add(b[l], ad.matmul(a, ad.transpose(W[l])))
        a = z if l == L else ad.activation(z, hidden)
    if loss == "softmax_ce":
        return ad.softmax_cross_entropy(a, T)
    r = ad.sub(a, T)
    return ad.mul(ad.mean(ad.sum(ad.mul(r, r), axis=1)), 0.5)
''',
    ],
}

WRONG = [
    ("linear_vjp", '''def linear_vjp(G, A, W):
    return G @ W, G.T @ A, G.sum(axis=1)
''', "summed over the units"),
    ("activation_vjp", '''def activation_vjp(G, z, a, h):
    prime = {"tanh": lambda v: 1 - np.tanh(v) ** 2,
             "sigmoid": lambda v: np.exp(-v) / (1 + np.exp(-v)) ** 2,
             "relu": lambda v: (v > 0) * 1.0}
    return G * prime[h](a)
''', "h' evaluated at the activation"),
    ("activation_vjp", '''def activation_vjp(G, z, a, h):
    return G * a * (1 - a) if h != "relu" else G * (z > 0)
''', "relative error"),
    ("backward_pass", '''def backward_pass(loss):
    from collections import deque
    order, seen, queue = [], {id(loss)}, deque([loss])
    while queue:
        node = queue.popleft()
        order.append(node)
        for p in node.parents:
            if id(p) not in seen:
                seen.add(id(p))
                queue.append(p)
    for node in order:
        node.grad = np.zeros_like(node.value)
    loss.grad = np.ones_like(loss.value)
    for node in order:
        if node.parents:
            for parent, g in zip(node.parents, node.vjp(node.grad)):
                parent.grad += g
''', "wrong order"),
    ("backward_pass", '''def backward_pass(loss):
    order, visited = [], set()
    def visit(node):
        if id(node) in visited:
            return
        visited.add(id(node))
        order.append(node)
        for parent in node.parents:
            visit(parent)
    visit(loss)
    for node in order:
        node.grad = np.zeros_like(node.value)
    loss.grad = np.ones_like(loss.value)
    for node in order:
        if node.parents:
            for parent, g in zip(node.parents, node.vjp(node.grad)):
                parent.grad += g
''', "wrong order"),
    ("mlp_loss", '''def mlp_loss(X, T, W, b, hidden, loss):
    a = ad.as_tensor(X)
    for l in range(1, len(W)):
        a = a @ W[l].T + b[l]
    return ad.mse(a, T) if loss == "mse" else ad.softmax_cross_entropy(a, T)
''', "the hidden activation is missing"),
    ("mlp_loss", '''def mlp_loss(X, T, W, b, hidden, loss):
    a = ad.as_tensor(X)
    L = len(W) - 1
    for l in range(1, L + 1):
        z = a @ W[l].T + b[l]
        a = ad.activation(z, hidden) if l < L else z
    if loss == "mse":
        r = a - T
        return ad.mean(r * r) * 0.5
    return ad.softmax_cross_entropy(a, T)
''', "averaged over the K outputs too"),
    ("mlp_loss", '''def mlp_loss(X, T, W, b, hidden, loss):
    a = ad.as_tensor(X)
    L = len(W) - 1
    for l in range(1, L + 1):
        z = a @ W[l].T + b[l]
        a = ad.activation(z, hidden) if l < L else z
    if loss == "mse":
        r = a - T
        return ad.mean(ad.sum(r * r, axis=1))
    return ad.softmax_cross_entropy(a, T)
''', "without its 1/2"),
    ("mlp_loss", '''def mlp_loss(X, T, W, b, hidden, loss):
    a = ad.as_tensor(X)
    L = len(W) - 1
    for l in range(1, L + 1):
        z = a @ W[l].T + b[l]
        a = ad.activation(z, hidden) if l < L else z
    E = ad.mse(a, T) if loss == "mse" else ad.softmax_cross_entropy(a, T)
    return E.value
''', "must return the loss as a Tensor"),
    ("mlp_loss", '''def mlp_loss(X, T, W, b, hidden, loss):
    a = ad.as_tensor(X)
    L = len(W) - 1
    for l in range(1, L + 1):
        z = a @ W[l].value.T + b[l]
        a = ad.activation(z, hidden) if l < L else z
    return ad.mse(a, T) if loss == "mse" else ad.softmax_cross_entropy(a, T)
''', "no gradient reaches W"),
]
