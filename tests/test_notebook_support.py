"""nnlib.notebook: the demo cells' fallback to the reference and their graded-run sizes."""
import pytest

from nnlib import notebook


def stub(x):
    raise NotImplementedError()


def test_stub_falls_back_to_the_reference_with_a_banner(capsys):
    f = notebook.yours_or_reference(stub, lambda x: 2 * x, name="double")
    assert f(3) == 6
    assert f(4) == 8
    out = capsys.readouterr().out
    assert out.count("not written yet") == 1 and "double" in out


def test_a_written_function_is_used_and_no_banner_shown(capsys):
    f = notebook.yours_or_reference(lambda x: x + 1, lambda x: 2 * x)
    assert f(3) == 4
    assert capsys.readouterr().out == ""


def test_a_wrong_function_shows_its_own_error():
    def broken(x):
        raise ValueError("shapes (2,) and (3,)")
    f = notebook.yours_or_reference(broken, lambda x: 2 * x)
    with pytest.raises(ValueError, match="shapes"):
        f(1)


def test_demo_size_shrinks_only_while_grading(monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert notebook.demo_size(200, 20) == 200
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert notebook.demo_size(200, 20) == 200
    assert capsys.readouterr().out == ""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert notebook.demo_size(200, 20) == 20
    assert "graded run" in capsys.readouterr().out
