"""Tamper scan: what a submission's own code does that a graded exercise never needs.

Static, on the AST of every code cell the student wrote or changed (a cell whose text is not
one of the release's), so it works whatever the notebook would do at run time. Each
:class:`Finding` names the cell, the line and what the code does. Findings are for the
instructor to read (``grades.csv``'s ``flags`` column, the class report); they never change a
score by themselves.

What is flagged (``Finding.kind``):

==================  ===========================================================================
``module-patch``    assigning to, ``setattr``/``delattr`` on, an attribute of an imported module
                    (``nnlib.checks.check_array = ...``, ``np.allclose = ...``)
``introspection``   ``sys.modules``, ``builtins``, ``importlib``, ``inspect``, ``gc``,
                    ``__code__``/``__globals__``/``__builtins__``/``__closure__``/``__dict__``
``dynamic-code``    ``exec``, ``eval``, ``compile``, ``__import__``
``tracing``         ``sys.settrace``/``setprofile``/``addaudithook``, ``threading.settrace``
``ipython-hook``    ``get_ipython()`` (input and AST transformers, events, magics)
``file-access``     ``open``, ``pathlib``, ``os.path``, ``np.load``/``loadtxt``/``fromfile``,
                    ``glob``, ``shutil``
``process``         ``os``, ``subprocess``, ``ctypes``, ``signal``, ``socket``, ``sys.exit``,
                    ``os._exit``, ``threading``, ``multiprocessing``, ``concurrent``
``fake-number``     a class defining ``__array__``, ``__eq__``, ``__float__`` (and the other
                    conversion hooks numpy and comparisons call) in an answer cell
``other-library``   importing another learning library (``torch``, ``tensorflow``, ``jax``,
                    ``keras``, ``sklearn.neural_network``, ...) in an exercise that is the
                    student's own
``reference``       mentioning the reference implementation of the exercise being answered
                    (e.g. ``nnlib.network.dense`` in ``phi``)
``metadata``        nbgrader metadata that differs from the release (points, grade ids, cell
                    types, solution/grade/locked flags): nbgrader restores some of it silently
``syntax``          a changed cell that does not parse (reported, not scanned)
==================  ===========================================================================

Allowed, because the course itself needs them: numpy's random generators (``np.random``),
``time.perf_counter``/``time.time``, ``math``, ``functools``, ``itertools``, ``collections``,
``dataclasses``, ``typing``, and every module the release's own cells import.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from nbformat import NotebookNode

from course.submission import cells_by_grade_id, nbgrader_meta

__all__ = ["Finding", "scan_submission", "scan_source", "metadata_findings", "reference_names"]

INTROSPECTION_MODULES = {"builtins", "importlib", "inspect", "gc"}
PROCESS_MODULES = {"os", "subprocess", "ctypes", "signal", "socket", "threading",
                   "multiprocessing", "concurrent", "_thread", "pty", "resource"}
FILE_MODULES = {"pathlib", "glob", "shutil", "io", "tempfile", "pickle", "shelve"}
OTHER_LIBRARIES = ("torch", "tensorflow", "jax", "keras", "flax", "theano", "mxnet",
                   "sklearn.neural_network", "sklearn.linear_model", "autograd")
DUNDER_ATTRS = {"__code__", "__globals__", "__builtins__", "__closure__", "__dict__",
                "__subclasses__", "__loader__", "__spec__"}
DYNAMIC_CALLS = {"exec", "eval", "compile", "__import__"}
# flagged even where the release imports os itself
OS_PROCESS_ATTRS = {"_exit", "abort", "kill", "killpg", "system", "popen", "fork", "forkpty",
                    "setsid", "setpgrp", "environ", "putenv", "chdir", "remove", "unlink"}
TRACE_ATTRS = {"settrace", "setprofile", "addaudithook"}
NUMPY_FILE_READS = {"load", "loadtxt", "fromfile", "genfromtxt", "memmap"}
FAKE_NUMBER_METHODS = {"__array__", "__array_ufunc__", "__array_function__", "__array_interface__",
                       "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__float__",
                       "__int__", "__index__", "__bool__", "__complex__", "__abs__"}
METADATA_KEYS = ("grade", "solution", "locked", "points", "grade_id", "task")


@dataclass(frozen=True)
class Finding:
    """One thing a submission's code does: in ``cell`` (grade_id or ``#<position>``), at
    ``line`` (1-based, 0 for the cell as a whole), of ``kind`` (see the module docstring),
    described by ``message``."""

    cell: str
    line: int
    kind: str
    message: str

    def __str__(self):
        at = f"{self.cell}" + (f" line {self.line}" if self.line else "")
        return f"{at}: {self.message} [{self.kind}]"


def _root(node: ast.AST) -> str | None:
    """The name at the root of an attribute chain ``a.b.c`` (``a``), or None."""
    while isinstance(node, ast.Attribute):
        node = node.value
    if isinstance(node, ast.Call):  # get_ipython().events
        return _root(node.func)
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


class _Visitor(ast.NodeVisitor):
    def __init__(self, cell: str, modules: dict[str, str], allowed_modules: set[str],
                 references: dict[str, str], answer: bool):
        self.cell = cell
        self.modules = dict(modules)          # alias -> full module name (notebook-wide)
        self.allowed = allowed_modules        # modules the release itself imports
        self.references = references          # name -> qualified name of the reference
        self.answer = answer                  # a solution cell (an exercise's answer)
        self.found: list[Finding] = []

    def add(self, node, kind, message):
        self.found.append(Finding(self.cell, getattr(node, "lineno", 0), kind, message))

    # imports -----------------------------------------------------------------------------
    def _check_module(self, node, module: str):
        top = module.split(".")[0]
        if module in self.allowed or top in self.allowed and top not in PROCESS_MODULES:
            pass
        elif top in PROCESS_MODULES:
            self.add(node, "process", f"imports {module} (processes, threads, signals or the OS)")
        elif top in INTROSPECTION_MODULES:
            self.add(node, "introspection", f"imports {module}")
        elif top in FILE_MODULES:
            self.add(node, "file-access", f"imports {module} (files)")
        elif top == "sys":
            pass  # its dangerous attributes are flagged where used
        if any(module == lib or module.startswith(lib + ".") for lib in OTHER_LIBRARIES):
            self.add(node, "other-library", f"imports {module}, another learning library: the "
                                            f"exercise must be your own computation")

    def visit_Import(self, node):
        for alias in node.names:
            self.modules[alias.asname or alias.name.split(".")[0]] = \
                alias.name if alias.asname else alias.name.split(".")[0]
            self._check_module(node, alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        self._check_module(node, module)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            self._check_module(node, full)
            self._reference_name(node, alias.name, module)
            self.modules.setdefault(alias.asname or alias.name, full)
        self.generic_visit(node)

    # names and attributes ----------------------------------------------------------------
    def _reference_name(self, node, name, module=""):
        if self.answer and name in self.references and (not module or module.startswith("nnlib")):
            self.add(node, "reference", f"mentions {self.references[name].replace(':', '.')}, "
                                        f"the reference implementation of this exercise")

    def visit_Attribute(self, node):
        root = _root(node)
        if node.attr in DUNDER_ATTRS:
            self.add(node, "introspection", f"reads {node.attr} of {_dotted(node.value) or 'an object'}")
        module = self.modules.get(root, "") if root else ""
        if module.split(".")[0] == "sys" and isinstance(node.value, ast.Name):
            if node.attr == "modules":
                self.add(node, "introspection", "uses sys.modules")
            elif node.attr in TRACE_ATTRS:
                self.add(node, "tracing", f"calls sys.{node.attr} (switches the call detector off)")
            elif node.attr in ("exit", "_exit"):
                self.add(node, "process", f"calls sys.{node.attr}")
        if module.split(".")[0] == "threading" and node.attr in TRACE_ATTRS:
            self.add(node, "tracing", f"calls threading.{node.attr}")
        if module.split(".")[0] == "os" and isinstance(node.value, ast.Name) and module == "os":
            if node.attr == "path":
                self.add(node, "file-access", "uses os.path (files)")
            elif node.attr in OS_PROCESS_ATTRS or node.attr.startswith(("exec", "spawn")):
                self.add(node, "process", f"calls os.{node.attr} (processes or signals)")
        if module.split(".")[0] == "numpy" and node.attr in NUMPY_FILE_READS \
                and _dotted(node.value) in {root, f"{root}.lib.format"}:
            self.add(node, "file-access", f"calls {_dotted(node)} (reads a file)")
        if module.startswith("nnlib") or (node.attr in self.references
                                          and "." in self.references[node.attr].split(":")[-1]):
            # an nnlib function by module path, or a reference method on any object
            # (``net.accuracy(...)`` where the reference is ``MLP.accuracy``)
            self._reference_name(node, node.attr)
        self.generic_visit(node)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.modules \
                and self.modules[node.id].startswith("nnlib") and node.id in self.references:
            self._reference_name(node, node.id)
        self.generic_visit(node)

    # calls -------------------------------------------------------------------------------
    def visit_Call(self, node):
        fn = node.func
        if isinstance(fn, ast.Name):
            if fn.id in DYNAMIC_CALLS:
                self.add(node, "dynamic-code", f"calls {fn.id}() (runs code made at run time)")
            elif fn.id == "get_ipython":
                self.add(node, "ipython-hook", "calls get_ipython() (can rewrite later cells)")
            elif fn.id == "open":
                self.add(node, "file-access", "calls open() (reads or writes a file)")
            elif fn.id in ("setattr", "delattr") and node.args:
                target = node.args[0]
                root = _root(target) if isinstance(target, (ast.Attribute, ast.Name)) else None
                if root in self.modules or isinstance(target, ast.Attribute):
                    self.add(node, "module-patch",
                             f"calls {fn.id}() on {_dotted(target) or 'a module'}")
            elif fn.id in ("globals", "vars", "locals"):
                self.add(node, "introspection", f"calls {fn.id}()")
        self.generic_visit(node)

    # assignments -------------------------------------------------------------------------
    def _target(self, target):
        if isinstance(target, ast.Attribute):
            root = _root(target)
            if root in self.modules:
                self.add(target, "module-patch",
                         f"replaces {_dotted(target)}, an attribute of the module {self.modules[root]}")
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._target(t)

    def visit_Assign(self, node):
        for t in node.targets:
            self._target(t)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for t in node.targets:
            self._target(t)
        self.generic_visit(node)

    # classes -----------------------------------------------------------------------------
    def visit_ClassDef(self, node):
        hooks = sorted({n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                        and n.name in FAKE_NUMBER_METHODS}
                       | {t.id for n in node.body if isinstance(n, ast.Assign) for t in n.targets
                          if isinstance(t, ast.Name) and t.id in FAKE_NUMBER_METHODS})
        if hooks and self.answer:
            self.add(node, "fake-number", f"defines class {node.name} with {', '.join(hooks)} "
                                          f"(an object that can pass a comparison without being a number)")
        self.generic_visit(node)


def _imports(sources) -> dict[str, str]:
    """alias -> module for the imports of ``sources`` (code that parses)."""
    out: dict[str, str] = {}
    for src in sources:
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def _code_source(text: str) -> str:
    """A cell's text with IPython magics and shell escapes blanked (line numbers kept)."""
    return "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in text.split("\n"))


def scan_source(source: str, cell: str = "#1", modules: dict[str, str] | None = None,
                allowed_modules: set[str] | None = None, references: dict[str, str] | None = None,
                answer: bool = True) -> list[Finding]:
    """Findings for one cell's code.

    ``modules``: aliases already imported (``{"np": "numpy", "nnlib": "nnlib"}``);
    ``allowed_modules``: modules the release imports (never flagged as imports);
    ``references``: ``{name: "module:qualname"}`` of the exercise's reference implementation
    (a qualname with a dot is a method, flagged on any object);
    ``answer``: whether the cell is an exercise's answer (solution cell).
    """
    try:
        tree = ast.parse(_code_source(source))
    except SyntaxError as e:
        return [Finding(cell, e.lineno or 0, "syntax", f"the cell does not parse: {e.msg}")]
    v = _Visitor(cell, modules or {}, allowed_modules or set(), references or {}, answer)
    v.visit(tree)
    return v.found


def reference_names(functions) -> dict[str, str]:
    """``{name: "module:qualname"}`` of reference functions, for :func:`scan_source`."""
    out = {}
    for f in functions:
        f = getattr(f, "__func__", f)
        out[f.__name__] = f"{getattr(f, '__module__', '?')}:{getattr(f, '__qualname__', f.__name__)}"
    return out


def metadata_findings(submitted: NotebookNode, release: NotebookNode) -> list[Finding]:
    """nbgrader metadata of the submission that differs from the release, per grade_id:
    changed points/flags/cell type, cells that claim a grade_id the release does not have."""
    out = []
    rel = cells_by_grade_id(release)
    for gid, cell in cells_by_grade_id(submitted).items():
        meta = nbgrader_meta(cell)
        if gid not in rel:
            if meta.get("grade") or meta.get("solution") or meta.get("locked"):
                out.append(Finding(gid, 0, "metadata",
                                   f"a cell claims nbgrader id {gid!r}, which the release does not have"))
            continue
        want = nbgrader_meta(rel[gid])
        changed = [k for k in METADATA_KEYS if meta.get(k) != want.get(k)]
        if cell.cell_type != rel[gid].cell_type:
            changed.append("cell type")
        if changed:
            out.append(Finding(gid, 0, "metadata",
                               f"nbgrader metadata changed from the release: {', '.join(changed)}"))
    return out


def scan_submission(submitted: NotebookNode, release: NotebookNode,
                    references: dict[str, dict[str, str]] | None = None) -> list[Finding]:
    """Every finding of a submission, in notebook order, then the metadata findings.

    Args:
        submitted: the student's notebook.
        release: the release notebook of the same assignment (its cells are not scanned, its
            imports are allowed).
        references: ``{exercise (solution grade_id): {name: "module:qualname"}}`` of each
            exercise's reference implementation (:func:`reference_names`).
    """
    release_code = {c.source.strip() for c in release.cells if c.cell_type == "code"}
    allowed = set(_imports(c.source for c in release.cells if c.cell_type == "code").values())
    allowed |= {m.split(".")[0] for m in allowed}
    modules = _imports(_code_source(c.source) for c in release.cells if c.cell_type == "code")
    references = references or {}
    found: list[Finding] = []
    for i, cell in enumerate(submitted.cells):
        if cell.cell_type != "code" or cell.source.strip() in release_code:
            continue
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id") or f"#{i + 1}"
        answer = bool(meta.get("solution"))
        found += scan_source(cell.source, gid, modules, allowed,
                             references.get(gid, {}) if answer else {}, answer)
        modules.update(_imports([_code_source(cell.source)]))
    return found + metadata_findings(submitted, release)
