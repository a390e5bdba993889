"""The ``course`` command: argparse front end; each subcommand calls one module.

    course build [ID...] [--check]
    course grade ID --submissions DIR [--jobs N] [--timeout SECONDS] [--deadline SECONDS]
                 [--scheduler ADDRESS] [--db URL] [--no-sandbox] [--on-flag report|zero]
    course validate NOTEBOOK [--timeout SECONDS]
    course report [ID...]
    course demo [ID...] [--jobs N] [--scheduler ADDRESS] [--db URL] [--no-sandbox]

Every subcommand accepts ``--root DIR`` (default: the current directory if it has
``solutions/``, else the checkout that contains the installed ``course`` package).

Arguments are checked before nbgrader, numpy or a kernel is imported (each command
imports its module only when it runs), so ``course --help`` and a mistyped id or path
answer at once. Exit status: 0 success, 1 the work found a problem (a difference, a
failed test, a submission that could not be graded), 2 a usage error.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys

from course.paths import CourseError, check_ids, find_root

DATA = "course-data"  # as course.nbgrader_config.DATA, without importing traitlets here


def cmd_build(args) -> int:
    root = find_root(args.root)
    check_ids(root, args.ids)
    from course.build import build, check
    if args.check:
        notes: list[str] = []
        problems = check(root, args.ids, notes=notes)
        for note in notes:
            print(f"note: {note}")
        if problems:
            print("notebooks/ is not what `course build` generates:", file=sys.stderr)
            print("\n".join("  " + p for p in problems), file=sys.stderr)
            print("run `course build` and commit notebooks/", file=sys.stderr)
            return 1
        print("notebooks/ is up to date: identical to a fresh build"
              + (" (apart from the metadata JupyterLab writes)" if notes else ""))
        return 0
    ids = build(root, args.ids)
    print(f"built {', '.join(ids)} into {root / 'notebooks'}")
    return 0


def cmd_grade(args) -> int:
    root = find_root(args.root)
    check_ids(root, [args.id])
    if not os.path.isdir(args.submissions):
        raise CourseError(f"submissions directory {args.submissions} does not exist")
    from course.grade import grade, print_report
    from course.gradescsv import class_rows
    outcomes = grade(root, args.id, args.submissions, jobs=args.jobs, timeout=args.timeout,
                     deadline=args.deadline, on_flag=args.on_flag, **_engine_args(args))
    if not outcomes:
        print(f"no submissions of {args.id} in {args.submissions} "
              f"(expected <student>/{args.id}/{args.id}.ipynb)")
        return 1
    graded = [o for o in outcomes if o.score is not None]
    print(f"graded {len(graded)}/{len(outcomes)} submission(s) of {args.id}")
    print(class_rows(root / DATA / "grades.csv", args.id))
    print_report(root, outcomes, f"<student>/{args.id}/{args.id}.html")
    failed = [o.student for o in outcomes if o.score is None]
    if failed:
        print(f"\n{len(failed)} of {len(outcomes)} submission(s) could not be graded "
              f"(score 0 in grades.csv until they are): {', '.join(failed)}")
        return 1
    return 0


def resolve_notebook(root, text: str):
    """The notebook ``course validate`` runs: ``text`` as a path if it exists; else, for an
    assignment id written as ``<id>`` or ``<id>.ipynb``, the release notebook
    ``notebooks/<id>/<id>.ipynb`` of the course root.

    Raises:
        CourseError: neither exists (the message names the path; no folder listing).
    """
    from pathlib import Path

    from course.paths import assignment_ids, release_notebook
    path = Path(text)
    if path.exists():
        return path
    aid = path.name[:-len(".ipynb")] if path.name.endswith(".ipynb") else path.name
    if len(path.parts) == 1 and aid in assignment_ids(root) \
            and release_notebook(root, aid).is_file():
        return release_notebook(root, aid)
    raise CourseError(f"{path.resolve()} does not exist")


def cmd_validate(args) -> int:
    root = find_root(args.root)
    path = resolve_notebook(root, args.notebook)
    if str(path) != args.notebook:
        print(f"validating {path}")
    from course.validate import format_reports, validate
    text, ok = format_reports(validate(path, timeout=args.timeout))
    print(text)
    return 0 if ok else 1


def cmd_report(args) -> int:
    root = find_root(args.root)
    if args.ids:
        check_ids(root, args.ids)
    from course.nbgrader_config import DATA
    from course.report import collect, write_report
    try:
        data = collect(root / DATA, args.ids or None)
    except FileNotFoundError as e:
        raise CourseError(str(e)) from None
    _, summary = write_report(data, root / DATA / "report")
    print(summary)
    return 0


def cmd_demo(args) -> int:
    root = find_root(args.root)
    check_ids(root, args.ids)
    from course.demo import demo
    return demo(root, jobs=args.jobs, timeout=args.timeout, ids=args.ids, **_engine_args(args))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("nncourse")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown (not installed)"


def _engine_args(args) -> dict:
    return {"scheduler": args.scheduler, "sandboxed": not args.no_sandbox, "db_url": args.db}


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="Dask scheduler of an existing cluster, e.g. tcp://HOST:8786 "
                        "(default: $NNCOURSE_SCHEDULER, else an embedded cluster)")
    p.add_argument("--db", metavar="URL", default=None,
                   help="gradebook database, e.g. postgresql://USER@HOST/DB "
                        "(default: $NNCOURSE_DB_URL, else course-data/gradebook.db)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code without the bubblewrap sandbox, with your rights")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``course`` command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", metavar="DIR",
                        help="course root, the directory with solutions/ (default: the current "
                             "directory if it has one, else the checkout of this package)")
    p = argparse.ArgumentParser(
        prog="course",
        description="Instructor tooling of the neural-networks course (nbgrader underneath).")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}",
                   help="print the version of the course package and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", parents=[common], help="generate notebooks/ from solutions/")
    b.add_argument("ids", nargs="*", metavar="ID", help="assignment ids (default: all)")
    b.add_argument("--check", action="store_true",
                   help="build into a temp dir; fail if notebooks/ differs")
    b.set_defaults(func=cmd_build)

    g = sub.add_parser("grade", parents=[common], help="autograde a directory of submissions")
    g.add_argument("id", metavar="ID", help="assignment id")
    g.add_argument("--submissions", required=True, metavar="DIR",
                   help="directory with <student>/<ID>/<ID>.ipynb")
    g.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1,
                   help="worker processes of the embedded Dask cluster (default: number "
                        "of cores)")
    g.add_argument("--timeout", type=_positive, default=30, metavar="SECONDS",
                   help="per-cell execution timeout (default 30)")
    g.add_argument("--deadline", type=_positive, default=None, metavar="SECONDS",
                   help="wall-clock limit of a whole notebook, then its sandbox is killed "
                        "(default: the timeout times the code cells, plus 120)")
    g.add_argument("--on-flag", choices=["report", "zero"], default="report",
                   help="what a flag of the integrity checks does: report it in grades.csv "
                        "and the class report only (default), or also give the exercises "
                        "involved 0 points")
    _add_engine_options(g)
    g.set_defaults(func=cmd_grade)

    v = sub.add_parser("validate", parents=[common], help="run a notebook and its visible tests")
    v.add_argument("notebook", metavar="NOTEBOOK",
                   help="path of the notebook (or an assignment id: its release notebook)")
    v.add_argument("--timeout", type=_positive, default=30, metavar="SECONDS",
                   help="per-cell execution timeout (default 30)")
    v.set_defaults(func=cmd_validate)

    r = sub.add_parser("report", parents=[common],
                       help="the class at a glance: one HTML page, and Canvas/Moodle CSVs")
    r.add_argument("ids", nargs="*", metavar="ID",
                   help="assignment ids (default: every assignment in grades.csv)")
    r.set_defaults(func=cmd_report)

    d = sub.add_parser("demo", parents=[common],
                       help="build, grade the sample class, print the gradebook")
    d.add_argument("ids", nargs="*", metavar="ID", help="assignment ids (default: all)")
    d.add_argument("--jobs", type=_positive, default=None,
                   help="parallel worker processes (default: number of cores)")
    d.add_argument("--timeout", type=_positive, default=30, metavar="SECONDS",
                   help="per-cell execution timeout (default 30)")
    _add_engine_options(d)
    d.set_defaults(func=cmd_demo)
    return p


def _terminate(signum, frame):
    raise KeyboardInterrupt  # so that running graders and kernels are cleaned up


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``course`` console script; returns the exit status."""
    args = make_parser().parse_args(argv)
    if argv is None:  # console script, not a call from Python code
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args)
    except CourseError as e:
        print(f"course {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
