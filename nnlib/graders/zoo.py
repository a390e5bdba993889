"""Checkers of notebook 05's activation zoo: h and h' of ReLU, leaky ReLU, ELU and GELU.

Each exercise is one elementwise function of the pre-activation ``z``, the unit ``h(z)`` or its
derivative ``h'(z)``, compared with nnlib's registry (``nnlib.activations``) on arrays of any
shape and on plain numbers, to a relative error of 1e-7. At a kink (``z = 0`` for ReLU, leaky
ReLU and ELU) any value between the left and the right derivative is a subgradient and is
accepted (``[0, 1]`` for ReLU, ``[alpha, 1]`` for leaky ReLU and ELU); a value outside that
interval, or NaN, is named as such.

Cases: visible, a few values on both sides of 0 (with 0 itself for the units and for ReLU's
subgradient); hidden, six: a vector spanning -6..6 with 0 itself, a batch ``(N, m)``, a 3-D
array, a batch of one, a plain number, and extreme pre-activations (|z| up to 1000, where a
careless ``exp`` overflows), with ``alpha`` drawn per case (never the default, so an ignored
``alpha`` shows). A NaN or inf where the answer is finite is named with its cause for ELU
(``e^z`` overflowing into a mask: ``inf * 0 = NaN``) and GELU (tanh written out with ``e^u``);
Python's ``if``/``max`` or ``math.exp`` applied to an array, ``math.exp`` overflowing, and array
methods called on a plain number are named when the student's function raises.

Named mistakes. ``relu(z)``: the negative part ``min(0, z)``; ``|z|``; ReLU's derivative (the
step) instead of ReLU; ``np.max(z, 0)``, a reduction along axis 0, instead of the elementwise
``np.maximum``; writing into ``z`` in place (the runner names it). ``relu_prime(z)``:
``sign(z)``; ReLU itself; 1 everywhere; the two slopes swapped; a value at 0 outside [0, 1].
``leaky_relu(z, alpha)``: ReLU (alpha forgotten); the constant ``alpha`` (the slope) instead
of ``alpha z``; the two branches swapped; ``alpha z`` everywhere; the default alpha = 0.01; the
derivative instead of the unit. ``elu(z, alpha)``: ``alpha e^z`` without the ``- 1``; ``e^z - 1``
without ``alpha``; ReLU; the default alpha = 1; ELU's derivative. ``gelu(z)``: the exact GELU
``z Phi(z)`` where the course's GELU is the tanh approximation; the sigmoid approximation
``z sigma(1.702 z)``; the factor 1/2 missing; the factor ``z`` missing; the cubic term
missing; ``sqrt(2 pi)`` for ``sqrt(2 / pi)``; GELU's derivative instead of GELU.
``leaky_relu_prime(z, alpha)``: ReLU's derivative (0 for z < 0); ``alpha z`` (the function's
negative part); the function itself; the two slopes swapped; the default alpha = 0.01 instead
of the given one. ``elu_prime(z, alpha)``: ``e^z`` without ``alpha``; the function
``alpha (e^z - 1)`` itself; ``alpha e^z`` on both sides; 1 on both sides. ``gelu_prime(z)``:
the derivative of the exact GELU ``Phi(z) + z phi(z)`` where the course's GELU is the tanh
approximation; the product rule's second term missing; the chain rule's ``1 + 3 c z^2``
missing; ``1 - tanh`` for ``1 - tanh^2``; GELU itself; the derivative of the sigmoid
approximation ``z sigma(1.702 z)``.
"""
from __future__ import annotations

import math

import numpy as np

from .. import activations, checks
from .base import Case, Exercise, Wrong
from .registry import register

ASSIGNMENT = "05-output-deltas"

# what an exception of the student's code means here (the exception's class, words of its
# message, the diagnosis)
_ERRORS = (
    ("ValueError", "truth value of an array",
     "Python's `if`, `and`, `or`, `max` and `min` decide for one number, and z is an array here: "
     "work elementwise with np.where, np.maximum or a boolean mask"),
    ("TypeError", "arrays can be converted to python scalars",
     "math.exp and math.tanh take one number, and z is an array here: use np.exp and np.tanh, "
     "which work elementwise"),
    ("OverflowError", "",
     "math.exp overflowed (math range error): e^z is too large for a float above z = 709.78; "
     "compute the exponential only where it is used (z <= 0), e.g. np.exp(np.minimum(z, 0))"),
    ("AttributeError", "'float' object has no attribute",
     "z may be a plain number, which has no array methods: start with z = np.asarray(z, dtype=float)"),
    ("TypeError", "does not support item assignment",
     "z may be a plain number, which cannot be indexed: start with z = np.asarray(z, dtype=float), "
     "and compute a new array instead of writing into z"),
)


def _matches(got, alternative) -> bool:
    """Whether ``got`` equals ``alternative`` (shape and values, as ``checks.check_array`` decides)."""
    try:
        checks.check_array(got, alternative)
    except AssertionError:
        return False
    return True


class _Elementwise(Exercise):
    """An elementwise function of the pre-activation z (an activation h or its derivative h'),
    with an optional ``alpha``; judged against nnlib on arrays of any shape and numbers."""

    assignment = ASSIGNMENT
    has_alpha = True
    visible_z = (-2.0, -0.5, 0.5, 1.0, 3.0)

    def _args(self, z, alpha):
        return (z, alpha) if self.has_alpha else (z,)

    def _label(self, text, alpha):
        return f"{text}, alpha = {alpha}" if self.has_alpha else text

    def fixed_cases(self):
        z = np.array(self.visible_z)
        return [Case(self._label(f"z = {z.tolist()}", 0.2), self._args(z, 0.2))]

    def cases(self, rng):
        alpha = lambda: float(np.round(rng.uniform(0.05, 0.6), 3))  # noqa: E731
        out = []
        v = np.concatenate([np.linspace(-6, 6, 9), [0.0]]) + 0.0
        a = alpha()
        out.append(Case(self._label("z from -6 to 6 with 0 itself", a), self._args(rng.permutation(v), a)))
        N, m = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        a = alpha()
        out.append(Case(self._label(f"a batch ({N}, {m})", a), self._args(rng.normal(scale=2.5, size=(N, m)), a)))
        shape = tuple(int(s) for s in rng.integers(1, 4, size=3))
        a = alpha()
        out.append(Case(self._label(f"an array of shape {shape}", a),
                        self._args(rng.normal(scale=2.0, size=shape), a)))
        m = int(rng.integers(2, 6))
        a = alpha()
        out.append(Case(self._label(f"a batch of one (1, {m})", a), self._args(rng.normal(size=(1, m)), a)))
        x = float(np.round(rng.uniform(-3.0, 3.0), 3))
        a = alpha()
        out.append(Case(self._label(f"the number z = {x}", a), self._args(x, a)))
        big = np.array([-rng.uniform(710.0, 1000.0), rng.uniform(710.0, 1000.0), -50.0, 50.0])
        a = alpha()
        out.append(Case(self._label("extreme pre-activations (|z| up to 1000)", a),
                        self._args(rng.permutation(np.concatenate([big, rng.normal(size=4)])).reshape(2, 4), a)))
        return out

    def call(self, fn, case):
        with np.errstate(all="ignore"):     # an overflow is judged by the values it gives
            return fn(*case.args, **case.kwargs)

    def explain_error(self, case, error, message):
        for name, words, diagnosis in _ERRORS:
            if error == name and words.lower() in message.lower():
                return f"{diagnosis} (your function raised {error}: {message})"
        return None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:  # an exercise: nnlib's function of its name is the reference
            cls.references = (getattr(activations, cls.name),)

    def expected(self, z, alpha):
        """nnlib's value (the registry's function of the exercise's name), the shape of z."""
        return getattr(activations, self.name)(*self._args(z, alpha))

    def _checked(self, case, output):
        """``(z, alpha, expected, wrong, what)`` of a case, once the output has been checked
        for its shape and for NaN or inf (a named ``Wrong`` otherwise)."""
        z = np.asarray(case.args[0], dtype=float)
        alpha = case.args[1] if self.has_alpha else None
        with np.errstate(all="ignore"):
            expected = np.asarray(self.expected(z, alpha), dtype=float)
            wrong = self.wrong(z, alpha)
        what = self._what(case)
        self._named_shape_and_finite(z, output, expected, alpha, what)
        return z, alpha, expected, wrong, what

    # --- what each exercise defines ---------------------------------------------------

    def wrong(self, z, alpha):
        """``{description: array}``: known wrong answers of the shape of z."""
        raise NotImplementedError

    def reshaped(self, z, alpha):
        """``{description: array}``: known wrong answers of another shape than z's."""
        return {}

    def overflow(self):
        """What a NaN or inf where the answer is finite means for this function (or None)."""
        return None

    # --- the decision -----------------------------------------------------------------
    def _what(self, case):
        return f"{self.name}({'z, alpha' if self.has_alpha else 'z'}) ({case.label})"

    def _named_shape_and_finite(self, z, output, expected, alpha, what):
        """Raise the named diagnosis of a wrong shape or a NaN/inf, when one applies."""
        if np.shape(output) != expected.shape:
            with np.errstate(all="ignore"):
                for description, alternative in self.reshaped(z, alpha).items():
                    if _matches(output, alternative):
                        raise Wrong(f"{what}: wrong shape {np.shape(output)}, expected {expected.shape}. "
                                    f"Your answer matches a known mistake: {description}.")
            return
        why = self.overflow()
        if why is None:
            return
        got = np.asarray(output, dtype=float)
        bad = ~np.isfinite(got) & np.isfinite(expected)
        if np.any(bad):
            at = float(np.broadcast_to(z, got.shape)[bad].flat[0])
            raise Wrong(f"{what}: not finite ({float(got[bad].flat[0])}) at z = {at:.6g}, where the "
                        f"answer is finite. {why}")

    def compare(self, case, got, expected, wrong, what):
        if np.ndim(case.args[0]) == 0:
            checks.check_scalar(got, expected, what, wrong=wrong)
        else:
            checks.check_array(got, expected, what, wrong=wrong)


class _Unit(_Elementwise):
    """An activation h(z) itself."""

    visible_z = (-2.0, -0.5, 0.0, 0.5, 1.0, 3.0)

    def judge(self, case, output):
        z, alpha, expected, wrong, what = self._checked(case, output)
        self.compare(case, output, expected, wrong, what)


class _Derivative(_Elementwise):
    """An elementwise derivative h'(z), with a kink at 0 (or none)."""

    kink = True

    def left_at_zero(self, alpha):
        """h' just left of the kink z = 0 (the right one is 1)."""
        raise NotImplementedError

    def judge(self, case, output):
        z, alpha, expected, wrong, what = self._checked(case, output)
        got, note = output, None
        if self.kink and np.any(z == 0) and np.shape(output) == z.shape:
            # any subgradient between the left and the right derivative is right at z = 0
            got = np.array(output, dtype=float)
            lo, hi = sorted((self.left_at_zero(alpha), 1.0))
            zero = z == 0
            inside = zero & (got >= lo) & (got <= hi)
            if np.any(zero & ~inside):
                away = ~zero
                if not np.any(away) or _matches(got[away], expected[away]):
                    raise Wrong(f"{what}: right for z != 0, but at z = 0 you return "
                                f"{float(got[zero & ~inside].flat[0])}, which is not a subgradient: "
                                f"any value between {lo:g} and {hi:g} (the slopes on the two sides "
                                f"of the kink) is accepted there")
            else:
                note = f"h'(0) = {float(got[zero].flat[0]):g}, a subgradient in [{lo:g}, {hi:g}]"
            got[inside] = expected[inside]
            # a known mistake is matched with the same freedom at z = 0
            wrong = {d: np.where(inside, expected, w) for d, w in wrong.items()}
        self.compare(case, got, expected, wrong, what)
        return note


_C = math.sqrt(2.0 / math.pi)

_ELU_OVERFLOW = ("e^z overflows to inf for large positive z (float64 ends at e^709.78), and a mask such "
                 "as (z <= 0) * np.exp(z) then gives 0 * inf = NaN; take the exponential of "
                 "np.minimum(z, 0), which is e^z wherever the left branch is used and never above 1")


def _gelu_parts(z):
    """u, tanh u and du/dz of the course's GELU 0.5 z (1 + tanh u), u = c (z + 0.044715 z^3)."""
    u = _C * (z + 0.044715 * z ** 3)
    return u, np.tanh(u), _C * (1 + 3 * 0.044715 * z ** 2)


def _exact_gelu(z):
    from scipy.special import ndtr
    return z * ndtr(z)


# --- the units h(z) ----------------------------------------------------------------------


@register
class Relu(_Unit):
    name = "relu"
    has_alpha = False


    def wrong(self, z, alpha):
        return {"min(0, z), the negative part: ReLU keeps the positive part, max(0, z)": np.minimum(z, 0.0),
                "|z|: ReLU is 0 for z < 0, not -z": np.abs(z),
                "ReLU's derivative (the step: 1 for z > 0) instead of ReLU itself": (z > 0) * 1.0}

    def reshaped(self, z, alpha):
        if z.ndim == 0:
            return {}
        return {"np.max(z, 0) is the largest entry along axis 0 (a reduction); the elementwise "
                "maximum of z and 0 is np.maximum(z, 0)": np.max(z, axis=0)}


@register
class LeakyRelu(_Unit):
    name = "leaky_relu"


    def wrong(self, z, alpha):
        return {"ReLU: for z < 0 leaky ReLU is alpha z, not 0": activations.relu(z),
                "the constant alpha for z < 0: that is the slope there; the unit itself is alpha z":
                    np.where(z > 0, z, alpha),
                "the two branches swapped: alpha z for z > 0 and z for z < 0": np.where(z > 0, alpha * z, z),
                "alpha z for every z: for z > 0 leaky ReLU is z itself": alpha * z,
                "the default alpha = 0.01 instead of the alpha given": activations.leaky_relu(z, 0.01),
                "leaky ReLU's derivative instead of the unit itself": activations.leaky_relu_prime(z, alpha)}


@register
class Elu(_Unit):
    name = "elu"


    def wrong(self, z, alpha):
        e = np.exp(np.minimum(z, 0.0))
        return {"alpha e^z without the - 1: ELU is alpha (e^z - 1) for z <= 0, which is 0 at z = 0 and "
                "joins the right branch": np.where(z > 0, z, alpha * e),
                "e^z - 1 without the factor alpha": np.where(z > 0, z, e - 1.0),
                "ReLU: for z < 0 ELU is alpha (e^z - 1), not 0": activations.relu(z),
                "the default alpha = 1 instead of the alpha given": activations.elu(z, 1.0),
                "ELU's derivative instead of the unit itself": activations.elu_prime(z, alpha)}

    def overflow(self):
        return _ELU_OVERFLOW


@register
class Gelu(_Unit):
    name = "gelu"
    has_alpha = False


    def wrong(self, z, alpha):
        u, t, _ = _gelu_parts(z)
        return {"the exact GELU z Phi(z): this course's GELU is the tanh approximation "
                "0.5 z (1 + tanh u)": _exact_gelu(z),
                "the sigmoid approximation z sigma(1.702 z): this course's GELU is the tanh "
                "approximation": z * activations.sigmoid(1.702 * z),
                "the factor 1/2 is missing: h(z) = 0.5 z (1 + tanh u)": z * (1 + t),
                "the factor z is missing: h(z) = 0.5 z (1 + tanh u)": 0.5 * (1 + t),
                "the cubic term is missing: u = sqrt(2/pi) (z + 0.044715 z^3)":
                    0.5 * z * (1 + np.tanh(_C * z)),
                "sqrt(2 pi) where the factor is sqrt(2 / pi)":
                    0.5 * z * (1 + np.tanh(math.sqrt(2 * math.pi) * (z + 0.044715 * z ** 3))),
                "the factor sqrt(2/pi) is missing: u = sqrt(2/pi) (z + 0.044715 z^3)":
                    0.5 * z * (1 + np.tanh(z + 0.044715 * z ** 3)),
                "GELU's derivative instead of the unit itself": activations.gelu_prime(z)}

    def overflow(self):
        return ("tanh written out with e^u overflows for large |z| (u grows like z^3), giving "
                "inf / inf = NaN; np.tanh saturates at -1 and 1 without overflowing")


# --- the derivatives h'(z) ---------------------------------------------------------------


@register
class ReluPrime(_Derivative):
    name = "relu_prime"
    has_alpha = False
    visible_z = (-2.0, -0.5, 0.0, 0.5, 1.0, 3.0)

    def left_at_zero(self, alpha):
        return 0.0


    def wrong(self, z, alpha):
        return {"np.sign(z) is -1 for z < 0, where ReLU is the constant 0 (slope 0)": np.sign(z),
                "ReLU itself, max(0, z), instead of its derivative": activations.relu(z),
                "-1 for z < 0: there ReLU is the constant 0, with slope 0": np.where(z > 0, 1.0, -1.0),
                "1 for every z: for z < 0 ReLU is the constant 0, with slope 0": np.ones_like(z),
                "the two slopes swapped: 0 for z > 0 and 1 for z < 0": (z < 0) * 1.0}


@register
class LeakyReluPrime(_Derivative):
    name = "leaky_relu_prime"

    def left_at_zero(self, alpha):
        return alpha


    def wrong(self, z, alpha):
        return {"ReLU's derivative: for z < 0 the slope of leaky ReLU is alpha, not 0": (z > 0) * 1.0,
                "alpha z, the function's negative part: its derivative is the constant alpha":
                    np.where(z > 0, 1.0, alpha * z),
                "leaky ReLU itself instead of its derivative": activations.leaky_relu(z, alpha),
                "the two slopes swapped: 1 for z > 0, alpha for z < 0": np.where(z > 0, alpha, 1.0),
                "the default alpha = 0.01 instead of the alpha given": activations.leaky_relu_prime(z, 0.01)}


@register
class EluPrime(_Derivative):
    name = "elu_prime"

    def left_at_zero(self, alpha):
        return alpha


    def wrong(self, z, alpha):
        neg = np.minimum(z, 0.0)
        return {"e^z without the factor alpha: d/dz alpha (e^z - 1) = alpha e^z": np.where(z > 0, 1.0, np.exp(neg)),
                "ELU itself, alpha (e^z - 1), instead of its derivative": activations.elu(z, alpha),
                "alpha e^z for every z: for z > 0 ELU is z, with slope 1": alpha * np.exp(np.minimum(z, 700.0)),
                "1 for every z: for z < 0 the slope is alpha e^z": np.ones_like(z)}

    def overflow(self):
        return _ELU_OVERFLOW


@register
class GeluPrime(_Derivative):
    name = "gelu_prime"
    has_alpha = False
    kink = False


    def wrong(self, z, alpha):
        from scipy.special import ndtr

        u = _C * (z + 0.044715 * z ** 3)
        t = np.tanh(u)
        du = _C * (1 + 3 * 0.044715 * z ** 2)
        phi = np.exp(-0.5 * np.minimum(z * z, 1e4)) / math.sqrt(2 * math.pi)
        s = activations.sigmoid(1.702 * z)
        return {"the derivative of the exact GELU, Phi(z) + z phi(z): this course's GELU is the tanh "
                "approximation, differentiate that one": ndtr(z) + z * phi,
                "the product rule's second term is missing: d/dz [0.5 z (1 + tanh u)] = "
                "0.5 (1 + tanh u) + 0.5 z (1 - tanh^2 u) du/dz": 0.5 * (1 + t),
                "the chain rule's du/dz is incomplete: u = c (z + 0.044715 z^3) gives "
                "du/dz = c (1 + 3 * 0.044715 z^2)": 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * _C,
                "1 - tanh(u) where tanh' = 1 - tanh^2": 0.5 * (1 + t) + 0.5 * z * (1 - t) * du,
                "GELU itself instead of its derivative": activations.gelu(z),
                "the derivative of the sigmoid approximation z sigma(1.702 z); the course's GELU is "
                "the tanh approximation": s + 1.702 * z * s * (1 - s)}
