"""`course demo` on the toy course: builds, grades the sample class, prints the gradebook."""
import contextlib
import csv
import io

import pytest
from toy_course import AID, make_toy_course, write_mistakes

from course.cli import main


@pytest.mark.slow
def test_demo_prints_the_gradebook_and_writes_grades(tmp_path):
    root = make_toy_course(tmp_path / "toy")
    write_mistakes(root)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["demo", AID, "--root", str(root), "--jobs", "2"])
    text = out.getvalue()
    assert status == 0, text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()
            if line.split() and line.split()[0] in {"reference", "blank", "ann", "bob"}}
    assert rows["reference"] == ["3/3", "3/3"]
    assert rows["blank"] == ["0/3", "0/3"]
    assert rows["ann"][0] != "3/3" and rows["bob"][0] != "3/3"  # each mistake costs points
    # the demo keeps to its own course copy: the real course's release and data are untouched
    demo = root / "course-data" / "demo"
    assert (demo / "notebooks" / AID / f"{AID}.ipynb").is_file()
    assert not (root / "notebooks").exists()
    assert not (root / "course-data" / "grades.csv").exists()
    assert not (root / "course-data" / "gradebook.db").exists()
    with open(demo / "course-data" / "grades.csv", newline="") as f:
        students = {r["student"] for r in csv.DictReader(f)}
    assert students == {"reference", "blank", "ann", "bob"}
    assert "feedback:" in text and "done in" in text
    assert "counted as 0" in text  # the legend of the totals


def test_totals_count_missing_and_ungraded_as_zero():
    from course.demo import gradebook_table
    from course.grade import Outcome
    outcomes = [Outcome("ann", "a1", 3, 3), Outcome("ann", "a2", 1, 2),
                Outcome("bob", "a1", 2, 3), Outcome("cy", "a1", None, None),
                Outcome("cy", "a2", 2, 2)]
    table = gradebook_table(outcomes, ["a1", "a2"])
    rows = {ln.split()[0]: ln.split()[1:] for ln in table.splitlines()[2:] if not ln.startswith("(")}
    assert rows["ann"] == ["3/3", "1/2", "4/5"]
    assert rows["bob"] == ["2/3", "—", "2/5"]       # missing a2 counts as 0 of 2
    assert rows["cy"] == ["failed", "2/2", "2/5"]   # ungraded a1 counts as 0 of 3
    assert "counted as 0" in table.splitlines()[-1]
