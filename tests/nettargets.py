"""Random targets of the kind a loss expects (a test helper, not a test module)."""
import numpy as np


def random_targets(kind, n, k, rng, class_ids=False):
    """Targets ``(n, k)`` for a loss's target ``kind`` ('real', 'binary', 'signed', 'onehot');
    with ``class_ids``, one-hot targets come as integer class ids ``(n,)`` instead."""
    if kind == "real":
        return rng.normal(size=(n, k))
    if kind == "binary":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    if kind == "signed":
        return (2 * rng.integers(0, 2, size=(n, k)) - 1).astype(float)
    labels = rng.integers(0, k, size=n)
    return labels if class_ids else np.eye(k)[labels]
