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
