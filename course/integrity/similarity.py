"""Copies: answers that copy nnlib's reference implementation, and answers shared by students.

Both comparisons use winnowed k-gram fingerprints (Schleimer, Wilkerson & Aiken 2003, the
method of MOSS) from the ``copydetect`` library, on code normalised at the AST level first:
docstrings and comments dropped, formatting made canonical (``ast.unparse``); copydetect's
tokenizer then replaces every name by one symbol, so renamed variables do not hide a copy.

- :func:`reference_copies`: each answer cell against the source of the reference
  implementation of its exercise (``inspect.getsource`` of the checker's ``references``).
  Flagged when the copied part covers at least ``REFERENCE_SHARE`` of the answer and at least
  ``MIN_CHARS`` characters of normalised code (short answers like ``return h(X @ U.T + a)``
  look like any correct answer and are never flagged).
- :func:`shared_answers`: every pair of students of a class, per assignment. Fingerprints of
  the release's own code are boilerplate, and fingerprints that many students share
  (``COMMON_SHARE`` of the class, at least ``COMMON_MIN`` students: the natural way to write a
  line) are ignored, as MOSS does; a pair is reported when what is left covers at least
  ``PAIR_SHARE`` of the smaller answer and ``MIN_CHARS`` characters, with the shared lines.

The thresholds were chosen on the sample class (whose students all start from the solution:
no pair and no reference copy may be flagged) and on correct answers written independently
(``tests/answers``: loops, einsum, other names and order), which must not be flagged either.
"""
from __future__ import annotations

import ast
import inspect
import io
import itertools
import textwrap
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from copydetect import CodeFingerprint
from copydetect.utils import filter_code

__all__ = ["normalise", "reference_copies", "shared_answers", "Pair", "REFERENCE_SHARE",
           "PAIR_SHARE", "MIN_CHARS"]

K = 25           # k-gram length in characters of tokenized code (copydetect's default)
WINDOW = 1       # winnowing window (every k-gram kept: answers are short)
REFERENCE_SHARE = 0.6
PAIR_SHARE = 0.6
MIN_CHARS = 120
COMMON_SHARE = 0.25
COMMON_MIN = 4


class _DropDocstrings(ast.NodeTransformer):
    def _body(self, node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        return node

    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        return self._body(node)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def visit_Module(self, node):
        self.generic_visit(node)
        return self._body(node)


def normalise(source: str) -> str:
    """``source`` without docstrings and comments, formatted canonically (``ast.unparse``).
    Code that does not parse is returned with comment lines and blank lines removed."""
    lines = [ln for ln in source.split("\n") if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = _DropDocstrings().visit(ast.parse("\n".join(lines)))
        return ast.unparse(ast.fix_missing_locations(tree))
    except SyntaxError:
        return "\n".join(ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#"))


def _fingerprint(code: str, boilerplate=()) -> CodeFingerprint:
    return CodeFingerprint("answer.py", K, WINDOW, boilerplate=list(boilerplate),
                           fp=io.StringIO(code), language="python")


def _covered(fp: CodeFingerprint, hashes) -> int:
    """Characters of ``fp``'s tokenized code covered by k-grams whose hash is in ``hashes``."""
    covered = set()
    for h in hashes:
        for start in fp.hash_idx.get(h, ()):
            covered.update(range(start, start + K))
    return len(covered)


def reference_source(functions) -> str:
    """The normalised source of the reference functions (those whose source is available)."""
    parts = []
    for f in functions:
        f = getattr(f, "__func__", f)
        try:
            parts.append(normalise(textwrap.dedent(inspect.getsource(f))))
        except (OSError, TypeError):
            continue
    return "\n".join(parts)


def reference_copies(answers: dict[str, str], references: dict[str, str],
                     boilerplate: dict[str, str] | None = None) -> dict[str, float]:
    """``{exercise: share}`` of the answers that copy their reference implementation.

    Args:
        answers: ``{exercise: answer cell source}``.
        references: ``{exercise: normalised reference source}`` (:func:`reference_source`).
        boilerplate: ``{exercise: release cell source}``, not counted as copied.
    """
    out = {}
    for name, code in answers.items():
        ref = references.get(name)
        if not ref:
            continue
        base = _fingerprint(normalise((boilerplate or {}).get(name, ""))).hashes
        mine = _fingerprint(normalise(code), base)
        theirs = _fingerprint(ref, base)
        if not mine.token_coverage:
            continue
        shared = mine.hashes & theirs.hashes
        chars = _covered(mine, shared)
        share = chars / max(len(mine.filtered_code), 1)
        if share >= REFERENCE_SHARE and chars >= MIN_CHARS:
            out[name] = round(share, 3)
    return out


@dataclass
class Pair:
    """Two students whose answers share code: ``share`` of the smaller answer (0..1), the
    exercises involved, and the shared lines of each (from the first student's answer)."""

    first: str
    second: str
    share: float
    exercises: list = field(default_factory=list)
    lines: list = field(default_factory=list)


def _shared_lines(mine: CodeFingerprint, other: CodeFingerprint, max_lines=12) -> list[str]:
    """Lines of ``mine`` (normalised) whose tokenized form occurs in ``other``'s."""
    out = []
    for line in mine.raw_code.split("\n"):
        tokens, _ = filter_code(line.strip(), "answer.py", "python")
        if len(tokens) >= 8 and tokens in other.filtered_code:
            out.append(line.strip())
        if len(out) >= max_lines:
            break
    return out


def shared_answers(answers: dict[str, dict[str, str]], release: dict[str, str]) -> list[Pair]:
    """Pairs of students whose answers share distinctive code, most similar first.

    Args:
        answers: ``{student: {exercise: answer cell source}}`` of one assignment.
        release: ``{exercise: release cell source}`` (boilerplate).
    """
    students = sorted(answers)
    fps: dict[tuple[str, str], CodeFingerprint] = {}
    base = {ex: _fingerprint(normalise(src)).hashes for ex, src in release.items()}
    for s in students:
        for ex, src in answers[s].items():
            fps[(s, ex)] = _fingerprint(normalise(src), base.get(ex, ()))
    counts: dict[str, Counter] = defaultdict(Counter)
    for (s, ex), fp in fps.items():
        counts[ex].update(fp.hashes)
    limit = max(COMMON_MIN, COMMON_SHARE * len(students))
    common = {ex: {h for h, n in c.items() if n >= limit} for ex, c in counts.items()}
    index: dict[tuple[str, int], list[str]] = defaultdict(list)
    for (s, ex), fp in fps.items():
        for h in fp.hashes - common[ex]:
            index[(ex, h)].append(s)
    candidates = {tuple(sorted(p)) for owners in index.values() if 1 < len(owners) < limit
                  for p in itertools.combinations(owners, 2)}
    pairs = []
    for a, b in sorted(candidates):
        total_a = total_b = shared_chars_a = shared_chars_b = 0
        exercises, lines = [], []
        for ex in sorted(set(answers[a]) & set(answers[b])):
            fa, fb = fps[(a, ex)], fps[(b, ex)]
            shared = (fa.hashes & fb.hashes) - common[ex]
            ca, cb = _covered(fa, shared), _covered(fb, shared)
            total_a += len(fa.filtered_code)
            total_b += len(fb.filtered_code)
            shared_chars_a += ca
            shared_chars_b += cb
            if shared and min(ca, cb) >= K:
                exercises.append(ex)
                lines += [f"{ex}: {ln}" for ln in _shared_lines(fa, fb)]
        # the share of the smaller answer that is shared
        share = max(shared_chars_a / max(total_a, 1), shared_chars_b / max(total_b, 1))
        if share >= PAIR_SHARE and min(shared_chars_a, shared_chars_b) >= MIN_CHARS:
            pairs.append(Pair(a, b, round(share, 3), exercises, lines))
    return sorted(pairs, key=lambda p: (-p.share, p.first, p.second))
