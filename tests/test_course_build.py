"""course build: stripped release, deterministic output, --check."""
from pathlib import Path

import nbformat
import pytest
from toy_course import AID, HIDDEN_MARK, make_toy_course

from course.build import build
from course.cli import main


@pytest.fixture
def toy(tmp_path):
    root = make_toy_course(tmp_path / "toy")
    build(root)
    return root


def release_path(root):
    return Path(root) / "notebooks" / AID / f"{AID}.ipynb"


def test_release_is_stripped(toy):
    text = release_path(toy).read_text()
    assert "BEGIN SOLUTION" not in text
    assert "return x * x" not in text
    assert "HIDDEN TESTS" not in text and HIDDEN_MARK not in text
    nb = nbformat.read(release_path(toy), as_version=4)
    assert all(c.get("outputs", []) == [] for c in nb.cells)
    assert "raise NotImplementedError()" in text
    assert "assert square(3) == 9" in text  # visible tests stay
    assert (toy / "notebooks" / AID / "numbers.txt").read_text() == "1 2 3 4\n"


def test_rebuild_is_byte_identical(toy):
    first = release_path(toy).read_bytes()
    build(toy)
    assert release_path(toy).read_bytes() == first


def test_check_passes_on_fresh_build(toy, capsys):
    assert main(["build", "--check", "--root", str(toy)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_check_fails_naming_edited_file(toy, capsys):
    path = release_path(toy)
    path.write_text(path.read_text().replace("Two tiny exercises.", "Edited by hand."))
    assert main(["build", "--check", "--root", str(toy)]) == 1
    err = capsys.readouterr().err
    assert f"differs: notebooks/{AID}/{AID}.ipynb: cell 1 (intro): source" in err


def test_check_names_missing_and_extra_files(toy, capsys):
    (toy / "notebooks" / AID / "numbers.txt").unlink()
    (toy / "notebooks" / AID / "stray.txt").write_text("x")
    assert main(["build", "--check", "--root", str(toy)]) == 1
    err = capsys.readouterr().err
    assert f"missing: notebooks/{AID}/numbers.txt" in err
    assert f"extra: notebooks/{AID}/stray.txt" in err


def test_unknown_assignment_is_a_clear_error(toy, capsys):
    assert main(["build", "99-nope", "--root", str(toy)]) == 2
    assert "unknown assignment(s) 99-nope" in capsys.readouterr().err


def open_in_lab(path):
    """Write into ``path`` what JupyterLab writes when it opens, runs and saves a notebook
    (its kernelspec and language_info, widget state, cell execution/view metadata)."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.2",
                                    "mimetype": "text/x-python", "file_extension": ".py"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    for cell in nb.cells:
        cell.metadata["jupyter"] = {"source_hidden": False}
        if cell.cell_type == "code":
            cell.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    nbformat.write(nb, path)


def test_check_ignores_what_jupyterlab_writes_and_says_so(toy, capsys):
    open_in_lab(release_path(toy))
    assert main(["build", "--check", "--root", str(toy)]) == 0
    out = capsys.readouterr().out
    assert f"note: notebooks/{AID}/{AID}.ipynb: only metadata JupyterLab writes" in out
    assert "kernelspec, language_info" in out and "up to date" in out


def test_check_names_what_really_differs(toy, capsys):
    open_in_lab(release_path(toy))
    nb = nbformat.read(release_path(toy), as_version=4)
    nb.cells[3].source += "\nprint('edited')"
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="cwd\n")]
    nbformat.write(nb, release_path(toy))
    assert main(["build", "--check", "--root", str(toy)]) == 1
    err = capsys.readouterr().err
    assert "cell 4 (test_square): source" in err
    assert "outputs saved in cell(s) 2 (clear them)" in err
