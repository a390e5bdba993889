"""The course's nbgrader configuration: one place for every directory and option.

Two ways to use it:

- as an nbgrader config file, from the course root::

      nbgrader generate_assignment 02-xor --config course/nbgrader_config.py
      nbgrader autograde 02-xor --config course/nbgrader_config.py
      nbgrader generate_feedback 02-xor --config course/nbgrader_config.py

  (the course root is taken from this file's location, so the commands work from
  any directory);
- in-process: ``course_config(root, timeout=30)`` returns the same settings as a
  ``traitlets.config.Config`` for an arbitrary course root (used by ``course``).

Layout (``directory_structure`` is nbgrader's default ``{step}/{student}/{assignment}``)::

    solutions/<id>/<id>.ipynb                      source (instructor)
    notebooks/<id>/<id>.ipynb                      release (students)
    course-data/gradebook.db                       SQLite gradebook
    course-data/submitted/<student>/<id>/          what students handed in
    course-data/autograded/<student>/<id>/         executed, scored copies
    course-data/feedback/<student>/<id>/<id>.html  feedback, hidden tests stripped

Autograde executes each notebook through ``course.remote_execute.SandboxedExecute`` (in a
bubblewrap sandbox) instead of nbgrader's ``Execute``: see ``autograde_preprocessors``.
The gradebook is SQLite unless ``$NNCOURSE_DB_URL`` (or ``course grade --db``) names
another database, e.g. ``postgresql://grader@dbhost/nncourse``.
"""
import os
import tempfile

from traitlets.config import Config

COURSE_ID = "nncourse"
DATA = "course-data"
DB_ENV = "NNCOURSE_DB_URL"
DB_SCHEMES = ("sqlite", "postgresql")


def check_db_url(url):
    """Return ``url`` if it is a database URL the gradebook supports.

    Raises:
        ValueError: not ``sqlite:///PATH`` or ``postgresql[+driver]://...``.
    """
    scheme = str(url).split("://", 1)[0].split("+", 1)[0] if "://" in str(url) else ""
    if scheme not in DB_SCHEMES:
        raise ValueError(f"unsupported gradebook URL {url!r}: expected sqlite:///PATH or "
                         "postgresql://USER@HOST/DATABASE")
    return str(url)


def autograde_preprocessors(execute):
    """nbgrader's autograde steps (``Autograde.autograde_preprocessors``) with ``execute``
    in place of nbgrader's ``Execute``; the one place this list is built.

    Args:
        execute: the execute step, a preprocessor class (e.g. ``SandboxedExecute`` or
            ``SandboxedExecute.bound(executor)``).

    Returns:
        list of preprocessor classes, in order.
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata,
                                        IgnorePattern, LimitOutput, SaveAutoGrades)

    return [
        execute,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]


def execution_config(timeout=30):
    """How notebooks are executed, for autograde and for ``course validate`` alike.

    Args:
        timeout: per-cell timeout in seconds; a cell that exceeds it is interrupted and
            gets a CellTimeoutError output, the rest of the notebook still runs.

    Returns:
        ``traitlets.config.Config``.
    """
    c = Config()
    c.Execute.timeout = int(timeout)
    # kernels talk over Unix sockets: no TCP port races between parallel graders
    # (ZMQError "Address already in use"), no "running over TCP" warning
    # (socket files under an absolute, per-process prefix: the kernel runs in
    # another directory than the client)
    if os.name == "posix":
        c.KernelManager.transport = "ipc"
        c.KernelManager.ip = os.path.join(tempfile.gettempdir(), f"nncourse-kernel-{os.getpid()}")
    return c


def course_config(root, timeout=30):
    """nbgrader settings for the course rooted at ``root``.

    Args:
        root: course root directory (contains ``solutions/``).
        timeout: per-cell execution timeout in seconds for autograde/validate.

    Returns:
        ``traitlets.config.Config``. Creates ``<root>/course-data/`` so that the
        SQLite gradebook can be opened.

    Raises:
        ValueError: ``$NNCOURSE_DB_URL`` is not a supported database URL.
    """
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from course.feedback import StripHiddenTests
    from course.paths import RELEASE, SOLUTIONS
    from course.remote_execute import SandboxedExecute

    root = os.path.abspath(root)
    os.makedirs(os.path.join(root, DATA), exist_ok=True)
    c = Config()
    cd = c.CourseDirectory
    cd.course_id = COURSE_ID
    cd.root = root
    cd.source_directory = SOLUTIONS
    cd.release_directory = RELEASE
    cd.submitted_directory = f"{DATA}/submitted"
    cd.autograded_directory = f"{DATA}/autograded"
    cd.feedback_directory = f"{DATA}/feedback"
    cd.solution_directory = f"{DATA}/solution"
    cd.source_with_tests_directory = f"{DATA}/source_with_tests"
    cd.db_url = check_db_url(os.environ.get(DB_ENV)
                             or "sqlite:///" + os.path.join(root, DATA, "gradebook.db"))
    c.merge(execution_config(timeout))
    c.Autograde.autograde_preprocessors = autograde_preprocessors(SandboxedExecute)
    # feedback must not reveal hidden tests or quote them in tracebacks
    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, StripHiddenTests]
    return c


if "get_config" in globals():  # executed by traitlets as a config file
    get_config().merge(  # noqa: F821 (injected by traitlets)
        course_config(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
