"""The committed student release is exactly what `course build` generates."""
from pathlib import Path

import pytest

from course.cli import main
from course.paths import assignment_ids

REPO = Path(__file__).resolve().parent.parent


def test_committed_release_is_up_to_date(capsys):
    if not assignment_ids(REPO):
        pytest.skip(f"no assignments yet in {REPO / 'solutions'}")
    status = main(["build", "--check", "--root", str(REPO)])
    err = capsys.readouterr().err
    assert status == 0, f"notebooks/ differs from a fresh `course build`:\n{err}"


@pytest.mark.parametrize("aid", assignment_ids(REPO))
def test_a_notebooks_count_of_its_exercises_and_points_is_true(aid):
    # "There are 4 exercises, 10 points in all." goes stale when an exercise is added
    import re

    import nbformat

    nb = nbformat.read(REPO / "solutions" / aid / f"{aid}.ipynb", as_version=4)
    points = [c.metadata["nbgrader"].get("points", 0) for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade")]
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for n, total in re.findall(r"(\d+) exercises, (\d+) points in all", cell.source):
            assert (int(n), int(total)) == (len(points), sum(points)), \
                f"{aid} says {n} exercises and {total} points; it has {len(points)} and {sum(points)}"
