"""Plain nbgrader commands, run at a course root, find the course's configuration.

The root's ``nbgrader_config.py`` (the file nbgrader and its Jupyter Server extensions
look for in the directory they start in) loads ``course/nbgrader_config.py``: no flag, no
"No nbgrader_config.py" warning, the gradebook, export and exchange under course-data/,
and a gradebook created even when the venv's bin/ is not on PATH (nbgrader runs alembic).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from toy_course import AID, make_toy_course

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def nbgrader(root, *args):
    env = dict(os.environ, PATH="/usr/bin:/bin")  # the venv is not activated
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = make_toy_course(tmp_path_factory.mktemp("plain"))
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    return root


def test_generate_assignment_needs_no_flag_and_prints_no_warning(root):
    out = nbgrader(root, "generate_assignment", AID, "--force")
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "No nbgrader_config.py" not in text
    assert (root / "notebooks" / AID / f"{AID}.ipynb").is_file()
    assert (root / "course-data" / "gradebook.db").is_file()
    assert not (root / "gradebook.db").exists()


def test_export_and_release_go_under_course_data(root):
    nbgrader(root, "generate_assignment", AID, "--force")
    out = nbgrader(root, "export")
    assert out.returncode == 0, out.stdout + out.stderr
    assert (root / "course-data" / "nbgrader-grades.csv").is_file()
    assert not (root / "grades.csv").exists()
    out = nbgrader(root, "release_assignment", AID, "--force")
    assert out.returncode == 0, out.stdout + out.stderr
    assert (root / "course-data" / "exchange" / "nncourse" / "outbound" / AID / f"{AID}.ipynb"
            ).is_file()
    assert not (root / ".nbgrader.log").exists()


def test_loading_the_config_puts_the_venv_on_path(root):
    """What the Jupyter Server does when its extensions load the root config: afterwards
    nbgrader finds ``alembic`` (it creates a gradebook with it) though PATH lacked the venv."""
    code = ("import os, shutil\n"
            "from traitlets.config.loader import PyFileConfigLoader\n"
            "cfg = PyFileConfigLoader('nbgrader_config.py', path='.').load_config()\n"
            "print(cfg.Exchange.root)\n"
            "print(shutil.which('alembic'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         env=dict(os.environ, PATH="/usr/bin:/bin"), timeout=120)
    assert out.returncode == 0, out.stderr
    exchange, alembic = out.stdout.split()
    assert exchange == str(root / "course-data" / "exchange")
    assert Path(alembic).parent == BIN
