"""nnlib.graders.symbolic: formulas are read without eval, equal forms pass, wrong ones are named."""
import pytest
import sympy

from nnlib.graders.base import Case, Wrong
from nnlib.graders.symbolic import SymbolicAnswer, Unreadable, parse

A = {"a": sympy.Symbol("a", real=True)}


class TanhPrime(SymbolicAnswer):  # not registered: a checker for these tests only
    symbols = ("a",)
    expected = "1 - tanh(a)**2"
    mistakes = {"the square is missing": "1 - tanh(a)"}
    what = "tanh'(a)"


@pytest.mark.parametrize("text", ["sech(a)**2", "1/cosh(a)^2", "4/(exp(a) + exp(-a))**2",
                                  "(1 - tanh(a))*(1 + tanh(a))"])
def test_equal_forms_pass(text):
    assert TanhPrime().judge(Case("", ()), text) is None


def test_a_known_mistake_is_named_and_another_wrong_formula_is_refused():
    with pytest.raises(Wrong, match="the square is missing"):
        TanhPrime().judge(Case("", ()), "1 - tanh(a)")
    with pytest.raises(Wrong, match="not right"):
        TanhPrime().judge(Case("", ()), "tanh(a)**2")


@pytest.mark.parametrize("text, why", [
    ("__import__('os').system('touch /tmp/pwned')", "found Call"),
    ("__import__('os')", "unknown function"),
    ("a.__class__.__base__", "found Attribute"),
    ("(lambda: 0)()", "found Call"),
    ("[c for c in ()]", "found ListComp"),
    ("open('/etc/passwd')", "unknown function"),
    ("b + 1", "unknown name 'b'"),
    ("2**a**1000", "too large"),
    ("10**100", "too large"),
    ("1e300", "too large"),
    ("a +", "not a formula"),
    ("a" * 600, "longer than"),
])
def test_anything_but_a_formula_is_refused_before_it_runs(text, why, tmp_path):
    with pytest.raises(Unreadable, match=why):
        parse(text, A)


def test_a_non_string_is_refused():
    with pytest.raises(Unreadable, match="must be a formula"):
        parse(None, A)
