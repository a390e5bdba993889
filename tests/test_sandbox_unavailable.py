"""Where bubblewrap cannot run, grading stops with a message that says how to opt out."""
import nbformat
from toy_course import AID, make_toy_course, write_submission

from course import sandbox
from course.build import build
from course.cli import main


def test_missing_bwrap_is_named_with_the_way_out(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda tool: None)
    why = sandbox.problem.__wrapped__()
    assert "bwrap" in why and "apt-get install bubblewrap" in why and "--no-sandbox" in why


def test_grade_stops_instead_of_running_unsandboxed(monkeypatch, tmp_path, capsys):
    root = make_toy_course(tmp_path)
    build(root)
    rel = nbformat.read(root / "notebooks" / AID / f"{AID}.ipynb", as_version=4)
    write_submission(root / "incoming", "ada", rel)
    monkeypatch.setattr(sandbox, "problem", lambda: "bwrap not found " + sandbox.NO_SANDBOX_HINT)
    assert main(["grade", AID, "--submissions", str(root / "incoming"),
                 "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "bwrap not found" in err and "--no-sandbox" in err
    assert not (root / "course-data" / "autograded").exists()  # nothing was executed


def test_limits_reject_nonsense():
    import pytest
    with pytest.raises(ValueError, match="memory"):
        sandbox.Limits(memory=0)
