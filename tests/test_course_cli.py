"""The course command answers at once: help, version, usage errors; help for every option."""
import subprocess
import sys

import pytest

from course.cli import main, make_parser

HEAVY = ("nbgrader", "numpy", "nbconvert", "jupyter_client", "traitlets")


def _actions(parser):
    import argparse
    for action in parser._actions:
        yield parser.prog, action
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _actions(sub)


def test_every_option_and_argument_has_help():
    missing = [f"{prog}: {a.dest}" for prog, a in _actions(make_parser())
               if not a.help and a.dest != "command"]
    assert not missing, missing


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith("course ")


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["build", "99-nope"],
    ["grade", "99-nope", "--submissions", "."],
    ["grade", "02-xor", "--submissions", "/no/such/dir"],
    ["validate", "/no/such/notebook.ipynb"],
    ["demo", "99-nope"],
    ["grade", "02-xor"],
])
def test_help_and_usage_errors_import_nothing_heavy(argv):
    """They are answered before nbgrader, numpy or traitlets is imported (the slow part)."""
    code = ("import sys\nfrom course.cli import main\n"
            "try:\n    status = main(sys.argv[1:])\nexcept SystemExit as e:\n    status = e.code\n"
            f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
            "print('HEAVY', heavy, 'STATUS', status)")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                         timeout=60)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("HEAVY")][-1]
    assert line.startswith("HEAVY []"), (argv, line, out.stderr)
    assert not line.endswith("STATUS 0") or argv == ["--help"], (argv, line)


def test_missing_submissions_dir_is_named(capsys):
    assert main(["grade", "02-xor", "--submissions", "/no/such/dir"]) == 2
    assert "submissions directory /no/such/dir does not exist" in capsys.readouterr().err
