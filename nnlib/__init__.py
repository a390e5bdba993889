"""nnlib: a small, exact numpy reference implementation of feed-forward neural networks.

The forward and backward passes are written out by hand, in the notation of the course
(docs/design.md, "Notation"): batches are rows, ``W[l]`` has shape ``(n_l, n_{l-1})``, ``z`` is the
pre-activation, ``a`` the activation, ``delta[l] = dE/dz[l]``, and ``E`` is the mean over the batch.
Every graded notebook cell compares a student's answer with this library.
"""
from . import activations, approx, autodiff, checks, data, gradcheck, init, losses, network, notebook, optim, training
from .activations import ACTIVATIONS, Activation, get_activation, sigmoid, softmax, tanh
from .gradcheck import check_gradients, numerical_gradient, relative_error
from .losses import Loss, get_loss
from .optim import Adam, RMSprop, adam_step, rmsprop_step
from .network import MLP, ForwardPass, Gradients, backward, dense, forward
from .training import SGD, History, TrainingDiverged, fit, minibatches, sgd_step, warmup

__version__ = "0.1.0"

__all__ = [
    "activations", "approx", "autodiff", "checks", "data", "gradcheck", "init", "losses", "network", "notebook", "optim", "training",
    "ACTIVATIONS", "Activation", "get_activation", "sigmoid", "softmax", "tanh",
    "check_gradients", "numerical_gradient", "relative_error", "Loss", "get_loss",
    "MLP", "ForwardPass", "Gradients", "backward", "dense", "forward",
    "Adam", "RMSprop", "adam_step", "rmsprop_step",
    "SGD", "History", "TrainingDiverged", "fit", "minibatches", "sgd_step", "warmup",
]
