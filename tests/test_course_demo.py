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
    assert (root / "notebooks" / AID / f"{AID}.ipynb").is_file()
    with open(root / "course-data" / "grades.csv", newline="") as f:
        students = {r["student"] for r in csv.DictReader(f)}
    assert students == {"reference", "blank", "ann", "bob"}
    assert "feedback:" in text and "done in" in text
