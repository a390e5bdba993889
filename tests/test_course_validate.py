"""course validate: exit status follows the test cells."""
import pytest
from toy_course import AID, make_toy_course, write_submission

from course.build import build
from course.cli import main
from course.submission import student_submission

import nbformat

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    root = make_toy_course(tmp_path_factory.mktemp("validate"))
    build(root)
    return root


def test_solution_passes(toy, capsys):
    assert main(["validate", str(toy / "solutions" / AID / f"{AID}.ipynb")]) == 0
    out = capsys.readouterr().out
    assert "PASS  test_square" in out and "PASS  test_total" in out


def test_blank_release_fails(toy, capsys):
    assert main(["validate", str(toy / "notebooks" / AID / f"{AID}.ipynb")]) == 1
    out = capsys.readouterr().out
    assert "FAIL  test_square: NotImplementedError" in out


def test_one_wrong_function_fails_only_its_test(toy, tmp_path, capsys):
    rel = nbformat.read(toy / "notebooks" / AID / f"{AID}.ipynb", as_version=4)
    src = nbformat.read(toy / "solutions" / AID / f"{AID}.ipynb", as_version=4)
    nb = student_submission(rel, src, {"total": "def total(values):\n    return 0"})
    path = write_submission(tmp_path, "x", nb)
    # the data file the notebook reads sits next to it, as in a student's folder
    (path.parent / "numbers.txt").write_text("1 2 3 4\n")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "PASS  test_square" in out and "FAIL  test_total: AssertionError" in out


def test_missing_and_non_notebook_files(tmp_path, capsys):
    (tmp_path / "other.txt").write_text("x")
    assert main(["validate", str(tmp_path / "nope.ipynb")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'nope.ipynb'} does not exist" in err
    assert "other.txt" not in err  # no listing of the folder
    bad = tmp_path / "bad.ipynb"
    bad.write_text("print('hello')")
    assert main(["validate", str(bad)]) == 2
    assert "not a notebook" in capsys.readouterr().err


def test_an_assignment_id_validates_its_release(toy, capsys):
    # the notebooks' text says `course validate <id>.ipynb`: from the course root it means
    # the release notebook
    assert main(["validate", f"{AID}.ipynb", "--root", str(toy)]) == 1
    out = capsys.readouterr().out
    assert f"validating {toy / 'notebooks' / AID / f'{AID}.ipynb'}" in out
    assert "FAIL  test_square: NotImplementedError" in out
