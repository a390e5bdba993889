"""Evidence: what a test cell's hidden block emits, and how the trusted judge reads it back.

The hidden block of a test cell does not decide anything. It calls the student's function on
the exercise's cases and *emits* the results as one display output of the course's own MIME
type :data:`MIME`, a JSON document. The judge (``course.judge``, in the instructor's process)
reads that document back, regenerates the same cases from the student's id and judges the
results with a pristine ``nnlib``.

Values are encoded without pickle, so reading evidence never runs code:

=====================  =====================================================================
Python value           JSON
=====================  =====================================================================
``None``/bool/str      themselves
int, float             ``{"t": "int", "v": "12"}`` / ``{"t": "float", "v": "0x1.8p+1"}``
                       (exact: floats as ``float.hex``, so inf and NaN survive)
numpy array / scalar   ``{"t": "nd", "npy": <base64 of np.save bytes, allow_pickle=False>}``
list / tuple           ``{"t": "list"|"tuple", "v": [...]}``
dict with str keys     ``{"t": "dict", "v": {...}}``
anything else          ``{"t": "opaque", "type": "<type name>"}`` (the judge can say what
                       was returned, never use it)
=====================  =====================================================================

A numpy array of dtype ``object`` is encoded as opaque. Decoding raises
:class:`EvidenceError` on anything that is not of this form.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import math
from typing import Any

import numpy as np

__all__ = ["MIME", "VERSION", "EvidenceError", "Opaque", "encode", "decode", "digest"]

MIME = "application/vnd.nncourse.evidence+json"
VERSION = 1
MAX_DEPTH = 20


class EvidenceError(ValueError):
    """Evidence that cannot be read: wrong form, unknown tag, bad array bytes."""


class Opaque:
    """A value the evidence could not carry (e.g. a class instance): only its type name."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name} object>"

    def __eq__(self, other):
        return isinstance(other, Opaque) and other.type_name == self.type_name

    __hash__ = None


def _npy(arr: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)  # keeps 0-d arrays 0-d
    return base64.b64encode(buf.getvalue()).decode("ascii")


def encode(value: Any, _depth: int = 0) -> Any:
    """``value`` as a JSON-compatible tree (see the module docstring for the forms).

    Never raises for odd values: what cannot be carried becomes ``opaque``.
    """
    if _depth > MAX_DEPTH:
        return {"t": "opaque", "type": "nested too deeply"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.hasobject or arr.dtype.kind not in "biufc":
            return {"t": "opaque", "type": f"numpy array of dtype {arr.dtype}"}
        return {"t": "nd", "npy": _npy(arr)}
    if isinstance(value, int):
        return {"t": "int", "v": str(int(value))}
    if isinstance(value, float):
        return {"t": "float", "v": float(value).hex()}
    if isinstance(value, (list, tuple)):
        return {"t": "tuple" if isinstance(value, tuple) else "list",
                "v": [encode(v, _depth + 1) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"t": "dict", "v": {k: encode(v, _depth + 1) for k, v in value.items()}}
    return {"t": "opaque", "type": type(value).__name__}


def decode(tree: Any, _depth: int = 0) -> Any:
    """The value encoded by :func:`encode` (arrays as numpy arrays, opaque as :class:`Opaque`).

    Raises:
        EvidenceError: the tree is not of the documented form.
    """
    if _depth > MAX_DEPTH + 1:
        raise EvidenceError("evidence nested too deeply")
    if tree is None or isinstance(tree, (bool, str)):
        return tree
    if not isinstance(tree, dict) or "t" not in tree:
        raise EvidenceError(f"unexpected evidence node of type {type(tree).__name__}")
    tag = tree["t"]
    try:
        if tag == "nd":
            raw = base64.b64decode(tree["npy"], validate=True)
            arr = np.load(io.BytesIO(raw), allow_pickle=False)
            return arr
        if tag == "int":
            return int(tree["v"])
        if tag == "float":
            return float.fromhex(tree["v"])
        if tag in ("list", "tuple"):
            items = [decode(v, _depth + 1) for v in tree["v"]]
            return items if tag == "list" else tuple(items)
        if tag == "dict":
            return {str(k): decode(v, _depth + 1) for k, v in dict(tree["v"]).items()}
        if tag == "opaque":
            return Opaque(str(tree.get("type", "?")))
    except EvidenceError:
        raise
    except Exception as e:  # base64, npy header, int(), fromhex, ...
        raise EvidenceError(f"unreadable evidence node {tag!r}: {type(e).__name__}: {e}") from None
    raise EvidenceError(f"unknown evidence tag {tag!r}")


def _canonical(value: Any) -> Any:
    """A JSON-able form of a case's inputs for hashing: like :func:`encode`, but arrays become
    their dtype, shape and bytes' hash, functions their qualified name and a hash of their
    bytecode (two lambdas differ), dataclass instances their repr; other objects their type."""
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.ascontiguousarray(value)
        if arr.dtype.hasobject:
            return ["obj-array", list(arr.shape)]
        return ["nd", arr.dtype.str, list(arr.shape), hashlib.sha256(arr.tobytes()).hexdigest()]
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, float):
        return ["float", value.hex() if math.isfinite(value) else repr(value)]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, [_canonical(v) for v in value]]
    if isinstance(value, dict):
        return ["dict", sorted((str(k), _canonical(v)) for k, v in value.items())]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return ["dc", type(value).__qualname__, repr(value)]  # e.g. Activation('tanh')
    code = getattr(getattr(value, "__func__", value), "__code__", None)
    if code is not None:  # lambdas share a qualname: tell them apart by their code
        body = hashlib.sha256(code.co_code + repr(code.co_names).encode()).hexdigest()[:16]
        return ["fn", getattr(value, "__module__", "?"), getattr(value, "__qualname__", "?"), body]
    if callable(value):
        return ["fn", getattr(value, "__module__", "?"),
                getattr(value, "__qualname__", type(value).__qualname__)]
    return ["obj", type(value).__name__]


def digest(value: Any) -> str:
    """A SHA-256 hex digest of ``value`` (a case's inputs), equal in every process for equal
    inputs: how the judge tells evidence for its own cases from evidence for other inputs."""
    text = json.dumps(_canonical(value), separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
