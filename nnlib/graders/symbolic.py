"""Short derivations ("show that ...") graded automatically: the student's result as a formula.

The student returns the expression they derived, as a SymPy expression (or a string such as
``"-t*sigmoid(-t*z)"``). In the kernel, :meth:`SymbolicAnswer.call` turns it into a string; the
judge, in the instructor's process, parses that string WITHOUT ``eval``: :func:`parse` walks
Python's syntax tree and accepts only numbers, the exercise's symbols, ``+ - * / **`` and calls
of a few named functions (``exp``, ``log``, ``sqrt``, ``tanh``, ``sigmoid``, ...); anything else
is refused with a message. The answer is right when it equals the expected expression
symbolically (``sympy.simplify`` of the difference is 0) or, where simplification gives up, at
every one of a set of random points (relative error 1e-9). Known wrong results are named the
same way.
"""
from __future__ import annotations

import ast
import functools

import numpy as np

from .base import Case, Exercise, Wrong

__all__ = ["SymbolicAnswer", "parse", "sigmoid", "Unreadable"]


def sigmoid(x):
    """The logistic sigmoid as a SymPy expression, 1 / (1 + exp(-x))."""
    import sympy
    return 1 / (1 + sympy.exp(-x))


@functools.lru_cache(maxsize=None)
def _vocabulary():
    """(functions, constants) a formula may use. SymPy is imported here, on first use, so that
    the notebooks' kernels, which import every checker module, do not pay for it."""
    import sympy
    functions = {"exp": sympy.exp, "log": sympy.log, "ln": sympy.log, "sqrt": sympy.sqrt,
                 "tanh": sympy.tanh, "cosh": sympy.cosh, "sinh": sympy.sinh, "sech": sympy.sech,
                 "sigmoid": sigmoid, "sigma": sigmoid, "Abs": sympy.Abs, "erf": sympy.erf}
    return functions, {"pi": sympy.pi, "E": sympy.E}
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b}
MAX_LENGTH = 500
MAX_POWER = 64


class Unreadable(ValueError):
    """The answer is not a formula this checker reads (the message says why)."""


def parse(text: str, symbols: dict):
    """The SymPy expression written in ``text``, built without ``eval``.

    Args:
        text: e.g. ``"-t*sigmoid(-t*z)"`` (``^`` is read as ``**``).
        symbols: ``{name: sympy.Symbol}`` the formula may use.

    Raises:
        Unreadable: syntax error, too long, or anything but numbers, ``symbols``, the
            functions of ``FUNCTIONS``, ``pi``, ``E`` and ``+ - * / **``.
    """
    if not isinstance(text, str):
        raise Unreadable(f"the answer must be a formula, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise Unreadable(f"the formula is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.replace("^", "**").strip(), mode="eval")
    except SyntaxError as e:
        raise Unreadable(f"not a formula ({e.msg}): {text!r}") from None
    import sympy
    functions, constants = _vocabulary()
    allowed = ", ".join(sorted(symbols))

    def build(node):
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            if not abs(node.value) < 1e12:
                raise Unreadable(f"the number {node.value!r} is too large for a formula here")
            return sympy.nsimplify(node.value) if isinstance(node.value, float) else sympy.Integer(node.value)
        if isinstance(node, ast.Name):
            if node.id in symbols:
                return symbols[node.id]
            if node.id in constants:
                return constants[node.id]
            raise Unreadable(f"unknown name {node.id!r} in the formula (use {allowed})")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = build(node.left), build(node.right)
            if isinstance(node.op, ast.Pow) and right.is_number and not abs(right) <= MAX_POWER:
                # a huge numeric power would take the grader's process hours to expand
                raise Unreadable(f"the power {right} is too large for a formula here")
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = build(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            if node.func.id not in functions:
                raise Unreadable(f"unknown function {node.func.id!r} (use {', '.join(sorted(functions))})")
            return functions[node.func.id](*[build(a) for a in node.args])
        raise Unreadable(f"the formula may only use numbers, {allowed}, + - * / ** and "
                         f"functions such as exp, log, tanh, sigmoid; found {type(node).__name__}")
    return build(tree)


class SymbolicAnswer(Exercise):
    """A derivation's result as a formula in ``symbols``; subclasses set ``symbols`` (names),
    ``expected`` (a string in those names), ``mistakes`` ``{description: string}``,
    ``domain`` ``{name: (low, high) or tuple of values}`` for the random points, and
    ``what`` (the quantity, for messages)."""

    symbols: tuple = ()
    expected: str = ""
    mistakes: dict = {}
    domain: dict = {}
    what: str = "the formula"

    def _symbols(self):
        import sympy
        return {name: sympy.Symbol(name, real=True) for name in self.symbols}

    def fixed_cases(self):
        return [Case("your formula", ())]

    def _points(self, rng, n=8):
        points = []
        for _ in range(n):
            point = {}
            for name in self.symbols:
                dom = self.domain.get(name, (-3.0, 3.0))   # (low, high), or a list of values
                point[name] = float(rng.choice(dom)) if isinstance(dom, list) else float(rng.uniform(*dom))
            points.append(point)
        return points

    def cases(self, rng):
        return [Case("your formula, at 8 random points", (), data={"points": self._points(rng)})]

    def call(self, fn, case):
        answer = fn()
        return answer if isinstance(answer, str) else str(answer)

    def _same(self, got, want, points):
        import sympy
        try:
            if sympy.simplify(got - want) == 0:
                return True
        except Exception:  # noqa: BLE001 - simplification may fail; the numbers decide then
            pass
        syms = self._symbols()
        try:
            f_got = sympy.lambdify([syms[n] for n in self.symbols], got, "numpy")
            f_want = sympy.lambdify([syms[n] for n in self.symbols], want, "numpy")
            with np.errstate(all="ignore"):
                for p in points:
                    args = [p[n] for n in self.symbols]
                    a, b = complex(f_got(*args)), complex(f_want(*args))
                    if not (np.isfinite(a) and abs(a - b) <= 1e-9 * max(1.0, abs(b))):
                        return False
            return True
        except Exception:  # noqa: BLE001 - a formula that cannot be evaluated is not the same
            return False

    def judge(self, case, output):
        syms = self._symbols()
        try:
            got = parse(output, syms)
        except Unreadable as e:
            raise Wrong(f"{self.what}: {e}") from None
        points = case.data.get("points") or self._points(np.random.default_rng(0))
        want = parse(self.expected, syms)
        if self._same(got, want, points):
            return None
        for description, wrong in self.mistakes.items():
            if self._same(got, parse(wrong, syms), points):
                raise Wrong(f"{self.what}: {output} is not right. Your answer matches a known "
                            f"mistake: {description}.")
        raise Wrong(f"{self.what}: {output} is not right (checked symbolically and at random "
                    f"points). Go through the derivation again, step by step.")
