"""A tiny self-contained course (one assignment, two exercises) for the tooling tests.

``make_toy_course(root)`` writes ``root/solutions/01-toy/01-toy.ipynb`` (nbgrader
source notebook: two solution cells, each with a visible + hidden test cell) and
a data file ``numbers.txt`` next to it. Not a test module.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

AID = "01-toy"
HIDDEN_MARK = "SECRET_HIDDEN_CASE"


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    m = {"grade": grade, "grade_id": grade_id, "locked": locked,
         "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        m["points"] = points
    return {"nbgrader": m}


def toy_notebook():
    """The source notebook (nbformat node) of the toy assignment."""
    cells = [
        new_markdown_cell("# Toy assignment\nTwo tiny exercises.",
                          metadata=_meta("intro", locked=True)),
        new_code_cell("import os\nprint('cwd', os.getcwd())\n"
                      "print('student', os.environ.get('NNCOURSE_STUDENT_ID'))\n"
                      "DATA = [int(x) for x in open('numbers.txt').read().split()]",
                      metadata=_meta("setup", locked=True)),
        new_code_cell("def square(x):\n    \"\"\"x squared.\"\"\"\n"
                      "    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
                      metadata=_meta("square", solution=True)),
        new_code_cell("assert square(3) == 9\nprint('visible square test passed')\n"
                      "### BEGIN HIDDEN TESTS\n"
                      f"{HIDDEN_MARK} = -7\n"
                      f"assert square({HIDDEN_MARK}) == 49, 'square is wrong for a negative input'\n"
                      "### END HIDDEN TESTS",
                      metadata=_meta("test_square", grade=True, locked=True, points=1)),
        new_code_cell("def total(values):\n    \"\"\"Sum of a list.\"\"\"\n"
                      "    ### BEGIN SOLUTION\n    return sum(values)\n    ### END SOLUTION",
                      metadata=_meta("total", solution=True)),
        new_code_cell("assert total([1, 2]) == 3\nprint('visible total test passed')\n"
                      "### BEGIN HIDDEN TESTS\n"
                      "assert total(DATA) == 10, 'total is wrong on the data file'\n"
                      "### END HIDDEN TESTS",
                      metadata=_meta("test_total", grade=True, locked=True, points=2)),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def make_toy_course(root: Path) -> Path:
    """Write the toy course into ``root`` and return ``root``."""
    d = Path(root) / "solutions" / AID
    d.mkdir(parents=True, exist_ok=True)
    nbformat.write(toy_notebook(), d / f"{AID}.ipynb")
    (d / "numbers.txt").write_text("1 2 3 4\n")
    (Path(root) / "course").mkdir(exist_ok=True)
    return Path(root)


def built_toy_course(root: Path, **build_options):
    """``make_toy_course(root)`` then ``course build`` (the release, and the assignment in
    the gradebook; ``build_options`` go to ``course.build.build``). Returns ``(root,
    release, source)``: the root and the toy assignment's release and source notebooks."""
    from course.build import build

    root = make_toy_course(root)
    build(root, **build_options)
    release = nbformat.read(root / "notebooks" / AID / f"{AID}.ipynb", as_version=4)
    source = nbformat.read(root / "solutions" / AID / f"{AID}.ipynb", as_version=4)
    return root, release, source


def write_submission(subs: Path, student: str, nb_or_text) -> Path:
    """Write ``subs/<student>/01-toy/01-toy.ipynb`` from a notebook node or raw text."""
    d = Path(subs) / student / AID
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{AID}.ipynb"
    if isinstance(nb_or_text, str):
        path.write_text(nb_or_text)
    else:
        nbformat.write(nb_or_text, path)
    return path


TOY_MISTAKES = '''
[[mistake]]
student = "ann"
cell = "square"
find = "return x * x"
replace = "return x * abs(x)"
breaks = ["test_square"]
why = "sign lost for negative inputs"

[[mistake]]
student = "bob"
cell = "total"
find = "return sum(values)"
replace = "return sum(values[:3])"
breaks = ["test_total"]
why = "ignores the tail of the list"
'''


def write_mistakes(root: Path, text: str = TOY_MISTAKES) -> Path:
    """Write ``root/course/sample/mistakes/01-toy.toml``."""
    d = Path(root) / "course" / "sample" / "mistakes"
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{AID}.toml"
    path.write_text(text)
    return path
