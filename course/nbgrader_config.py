"""The course's nbgrader configuration: one place for every directory and option.

Three ways to use it:

- through ``nbgrader_config.py`` at the course root, which nbgrader and its Jupyter
  Server extensions (Formgrader, Assignment List, Validate) read from the directory
  they start in: plain ``nbgrader autograde 02-xor`` and ``jupyter lab`` started at the
  course root need no flag; that file only calls ``course_config`` below;
- as an nbgrader config file given explicitly, from anywhere::

      nbgrader autograde 02-xor --NbGrader.config_file=course/nbgrader_config.py

  (the course root is taken from this file's location);
- in-process: ``course_config(root, timeout=30)`` returns the same settings as a
  ``traitlets.config.Config`` for an arbitrary course root (used by ``course``).

Layout (``directory_structure`` is nbgrader's default ``{step}/{student}/{assignment}``)::

    solutions/<id>/<id>.ipynb                      source (instructor)
    notebooks/<id>/<id>.ipynb                      release (students)
    course-data/gradebook.db                       SQLite gradebook
    course-data/submitted/<student>/<id>/          what students handed in
    course-data/autograded/<student>/<id>/         executed, scored copies
    course-data/feedback/<student>/<id>/<id>.html  feedback, hidden tests stripped
    course-data/exchange/                          nbgrader's local exchange (release,
                                                   fetch, submit, collect on one machine)
    course-data/nbgrader-grades.csv                what `nbgrader export` writes
    course-data/nbgrader.log                       nbgrader's log file

Autograde executes each notebook through ``course.remote_execute.SandboxedExecute`` (in a
bubblewrap sandbox) instead of nbgrader's ``Execute``, and the trusted judge ``course.judge.JudgeEvidence``
right after it: see ``autograde_preprocessors``.
The gradebook is SQLite unless ``$NNCOURSE_DB_URL`` (or ``course grade --db``) names
another database, e.g. ``postgresql://grader@dbhost/nncourse``.
"""
import os
import sys
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


def ensure_env_on_path():
    """Put this interpreter's ``bin/`` first on ``PATH`` (no change if it is there).

    nbgrader runs the ``alembic`` executable (from ``PATH``) when it creates a gradebook;
    the venv is often not activated (``.venv/bin/course``, ``.venv/bin/jupyter lab``),
    and then the Formgrader's first look at a new gradebook fails with HTTP 500.
    """
    bindir = os.path.dirname(sys.executable)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bindir not in parts:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


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


def autograde_preprocessors(execute=None):
    """nbgrader's autograde pipeline (``Autograde.autograde_preprocessors``): ``execute`` in
    place of nbgrader's ``Execute``, and the course's trusted judge right after it; the one
    place this list is built.

    Args:
        execute: the execute step, a preprocessor class (``SandboxedExecute``,
            ``SandboxedExecute.bound(executor)``; default nbgrader's ``Execute``).

    Returns:
        The list for ``Autograde.autograde_preprocessors``: nbgrader's default order, with
        ``course.judge.JudgeEvidence`` inserted after the execute step.
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute,
                                        IgnorePattern, LimitOutput, SaveAutoGrades)

    from course.judge import JudgeEvidence

    return [execute or Execute, JudgeEvidence, IgnorePattern, ClearMetadataPreprocessor,
            LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]


def course_config(root, timeout=30):
    """nbgrader settings for the course rooted at ``root``.

    Args:
        root: course root directory (contains ``solutions/``).
        timeout: per-cell execution timeout in seconds for autograde/validate.

    Returns:
        ``traitlets.config.Config``. Creates ``<root>/course-data/`` (so that the
        SQLite gradebook can be opened) and ``<root>/course-data/exchange/``, and puts
        this interpreter's ``bin/`` on ``PATH`` (:func:`ensure_env_on_path`).

    Raises:
        ValueError: ``$NNCOURSE_DB_URL`` is not a supported database URL.
    """
    import nbgrader
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from course.feedback import TEMPLATE_NAME, TEMPLATES, ReadableFeedback, StripHiddenTests
    from course.paths import RELEASE, SOLUTIONS
    from course.remote_execute import SandboxedExecute

    ensure_env_on_path()
    root = os.path.abspath(root)
    os.makedirs(os.path.join(root, DATA, "exchange"), exist_ok=True)
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
    # the local exchange (nbgrader's release/fetch/submit/collect and the Assignment List);
    # on JupyterHub point it at a shared directory instead (README)
    c.Exchange.root = os.path.join(root, DATA, "exchange")
    c.ExportPlugin.to = os.path.join(root, DATA, "nbgrader-grades.csv")
    c.NbGrader.logfile = os.path.join(root, DATA, "nbgrader.log")
    c.merge(execution_config(timeout))
    # grades are decided outside the student's kernel, from the evidence it emitted
    c.Autograde.autograde_preprocessors = autograde_preprocessors(SandboxedExecute)
    # feedback must not reveal hidden tests or quote them in tracebacks, and must be
    # readable: exercise names, the diagnosis first, math without internet
    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, StripHiddenTests,
                                        ReadableFeedback]
    c.GenerateFeedback.exporter_class = "course.feedback.FeedbackExporter"
    c.FeedbackExporter.template_name = TEMPLATE_NAME
    formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions",
                              "formgrader")
    c.FeedbackExporter.extra_template_basedirs = [TEMPLATES, os.path.join(formgrader, "templates")]
    # what GenerateFeedback gives HTMLExporter (bootstrap's css), and nbgrader's templates
    # themselves, so that ours can extend 'feedback/index.html.j2'
    c.FeedbackExporter.extra_template_paths = [
        os.path.join(formgrader, "static", "node_modules", "bootstrap", "dist", "css"),
        os.path.join(formgrader, "templates")]
    return c


if "get_config" in globals():  # executed by traitlets as a config file
    get_config().merge(  # noqa: F821 (injected by traitlets)
        course_config(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
