"""course grade: bad submissions are reported, the others are graded; csv; feedback."""
import csv
import re

import nbformat
import pytest
from toy_course import AID, HIDDEN_MARK, built_toy_course, write_submission

from course.cli import main
from course.submission import student_submission

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade reference, blank, and submissions that hang, delete a test cell, are not
    JSON, or kill the kernel."""
    root, rel, src = built_toy_course(tmp_path_factory.mktemp("grade"))
    subs = root / "incoming"
    write_submission(subs, "reference", student_submission(rel, src))
    write_submission(subs, "blank", rel)
    write_submission(subs, "hanger", student_submission(
        rel, src, {"square": "def square(x):\n    while True: pass"}))
    nb = student_submission(rel, src)
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") != "test_total"]
    write_submission(subs, "deleter", nb)
    write_submission(subs, "garbler", "this is { not json")
    write_submission(subs, "crasher", student_submission(
        rel, src, {"total": "import os\nos._exit(1)"}))  # kills the kernel
    write_submission(subs, "labsaved", lab_saved(student_submission(rel, src)))
    import io
    import contextlib
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["grade", AID, "--submissions", str(subs), "--timeout", "3",
                       "--jobs", "2", "--root", str(root)])
    return root, status, out.getvalue()


def lab_saved(nb):
    """``nb`` as JupyterLab saves it after opening and running it: full language_info,
    its kernelspec, widget state, per-cell execution metadata."""
    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
        "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3", "version": "3.11.2"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {}, "version_major": 2, "version_minor": 0}}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00.000Z"}
            cell.metadata["scrolled"] = True
    return nb


def problem_lines(output):
    return [ln.strip() for ln in output.split("need a look:")[-1].splitlines()
            if re.match(r"\s+\w+/" + AID, ln)]


def test_ungraded_submissions_fail_the_command_and_are_named_last(graded):
    _, status, out = graded
    assert status == 1
    last = out.strip().splitlines()[-1]
    assert last.startswith("2 of 7 submission(s) could not be graded"), last
    assert "crasher" in last and "garbler" in last


def test_bad_submissions_are_reported_with_reasons(graded):
    _, _, out = graded
    lines = problem_lines(out)
    assert any(ln.startswith(f"hanger/{AID}: cell test_square timed out after 3 s")
               and "[score 2/3]" in ln for ln in lines), out
    assert any(ln.startswith(f"deleter/{AID}: deleted test cell test_total") for ln in lines), out
    assert any(ln.startswith(f"garbler/{AID}: not a notebook") and "[no score]" in ln
               for ln in lines), out
    assert any(ln.startswith(f"crasher/{AID}: autograde failed:") and "DeadKernelError" in ln
               for ln in lines), out
    assert not any(ln.startswith(("reference/", "blank/")) for ln in lines), out


def test_good_submissions_are_still_graded(graded):
    _, _, out = graded
    assert "reference: 3/3" in out and "blank: 0/3" in out
    assert "labsaved: 3/3" in out  # saved by JupyterLab, still gradable
    assert "garbler: 0/3 (no score)" in out and "counted as 0" in out
    assert "graded 5/7 submission(s)" in out


def test_grades_csv(graded):
    root, _, _ = graded
    with open(root / "course-data" / "grades.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["student", "assignment", "score", "max_score", "note", "flags"]
    # every student has a row; a submission that needs a look says why
    assert [r[:4] for r in rows[1:]] == [
        ["blank", AID, "0", "3"],
        ["crasher", AID, "", ""],
        ["deleter", AID, "1", "3"],
        ["garbler", AID, "", ""],
        ["hanger", AID, "2", "3"],
        ["labsaved", AID, "3", "3"],
        ["reference", AID, "3", "3"],
    ]
    notes = {r[0]: r[4] for r in rows[1:]}
    assert notes["reference"] == "" and notes["blank"] == ""
    assert notes["garbler"].startswith("not a notebook")
    assert "timed out" in notes["hanger"] and "deleted test cell" in notes["deleter"]
    assert notes["crasher"] != ""
    flags = {r[0]: r[5] for r in rows[1:]}
    # the integrity scan names what the kernel-killing answer does; honest ones have no flag
    assert "calls os._exit" in flags["crasher"] and "[process]" in flags["crasher"]
    assert flags["reference"] == "" and flags["blank"] == "" and flags["hanger"] == ""


def test_feedback_hides_hidden_tests_and_tracebacks(graded):
    root, _, _ = graded
    pages = sorted((root / "course-data" / "feedback").glob(f"*/{AID}/{AID}.html"))
    assert {p.parts[-3] for p in pages} == {"reference", "blank", "hanger", "deleter", "labsaved"}
    for page in pages:
        html = page.read_text()
        assert HIDDEN_MARK not in html, page
        assert "HIDDEN TESTS" not in html, page
        assert "Traceback (most recent call last)" not in html, page
        assert "most recent call last" not in html, page
        assert "hidden tests were run here" in html, page
    blank = (root / "course-data" / "feedback" / "blank" / AID / f"{AID}.html").read_text()
    assert "NotImplementedError" in blank  # the diagnosis names it
    assert "Not done yet: square still raises NotImplementedError" in blank
    assert "Points were lost in square (0/1) and total (0/2)." in blank


def test_feedback_names_exercises_and_diagnoses_first(graded):
    root, _, _ = graded
    html = (root / "course-data" / "feedback" / "hanger" / AID / f"{AID}.html").read_text()
    assert "Test cell" not in html  # the summary names the exercises instead
    assert "<code>square</code>" in html and "<code>total</code>" in html
    diag = html.index('class="diagnosis"')
    test_source = html.index("visible square test passed")
    assert diag < test_source  # the diagnosis stands before the test's source
    assert "time limit" in html[diag:test_source]
    assert "cdnjs" not in html and "MathJax.js" not in html  # nothing from the internet


def test_kernel_sees_student_id_and_runs_in_a_scratch_dir_outside_the_course(graded):
    root, _, _ = graded
    nb = nbformat.read(root / "course-data" / "autograded" / "deleter" / AID / f"{AID}.ipynb",
                       as_version=4)
    text = "".join(o.get("text", "") for o in nb.cells[1].outputs)
    assert "student deleter" in text
    cwd = re.search(r"^cwd (.*)$", text, re.M).group(1)
    assert "nncourse-grade-" in cwd and not cwd.startswith(str(root)), text


def test_unknown_submissions_dir_is_a_clear_error(graded, capsys):
    root, _, _ = graded
    assert main(["grade", AID, "--submissions", str(root / "nope"), "--root", str(root)]) == 2
    assert "does not exist" in capsys.readouterr().err
