"""The ``course`` command: argparse front end; each subcommand calls one module.

    course build [ID...] [--check]
    course grade ID --submissions DIR [--jobs N] [--timeout SECONDS] [--deadline SECONDS]
                 [--scheduler ADDRESS] [--db URL] [--no-sandbox]
    course validate NOTEBOOK [--timeout SECONDS]
    course demo [ID...] [--jobs N] [--scheduler ADDRESS] [--db URL] [--no-sandbox]

Every subcommand accepts ``--root DIR`` (default: the current directory if it has
``solutions/``, else the checkout that contains the installed ``course`` package).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys

from course.paths import CourseError, find_root


def cmd_build(args) -> int:
    from course.build import build, check
    root = find_root(args.root)
    if args.check:
        problems = check(root, args.ids)
        if problems:
            print("notebooks/ is not what `course build` generates:", file=sys.stderr)
            print("\n".join("  " + p for p in problems), file=sys.stderr)
            print("run `course build` and commit notebooks/", file=sys.stderr)
            return 1
        print("notebooks/ is up to date: identical to a fresh build")
        return 0
    ids = build(root, args.ids)
    print(f"built {', '.join(ids)} into {root / 'notebooks'}")
    return 0


def cmd_grade(args) -> int:
    from course.grade import grade, print_report
    root = find_root(args.root)
    outcomes = grade(root, args.id, args.submissions, jobs=args.jobs, timeout=args.timeout,
                     deadline=args.deadline, **_engine_args(args))
    if not outcomes:
        print(f"no submissions of {args.id} in {args.submissions} "
              f"(expected <student>/{args.id}/{args.id}.ipynb)")
        return 1
    graded = [o for o in outcomes if o.score is not None]
    print(f"graded {len(graded)}/{len(outcomes)} submission(s) of {args.id}")
    for o in graded:
        print(f"  {o.student}: {o.score:g}/{o.max_score:g}")
    print_report(root, outcomes, f"<student>/{args.id}/{args.id}.html")
    return 0


def cmd_validate(args) -> int:
    from course.validate import format_reports, validate
    text, ok = format_reports(validate(args.notebook, timeout=args.timeout))
    print(text)
    return 0 if ok else 1


def cmd_demo(args) -> int:
    from course.demo import demo
    return demo(find_root(args.root), jobs=args.jobs, timeout=args.timeout, ids=args.ids,
                **_engine_args(args))


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
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``course`` command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", help="course root (directory with solutions/)")
    p = argparse.ArgumentParser(
        prog="course",
        description="Instructor tooling of the neural-networks course (nbgrader underneath).")
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
    _add_engine_options(g)
    g.set_defaults(func=cmd_grade)

    v = sub.add_parser("validate", parents=[common], help="run a notebook and its visible tests")
    v.add_argument("notebook", metavar="NOTEBOOK")
    v.add_argument("--timeout", type=_positive, default=30, metavar="SECONDS")
    v.set_defaults(func=cmd_validate)

    d = sub.add_parser("demo", parents=[common],
                       help="build, grade the sample class, print the gradebook")
    d.add_argument("ids", nargs="*", metavar="ID", help="assignment ids (default: all)")
    d.add_argument("--jobs", type=_positive, default=None)
    d.add_argument("--timeout", type=_positive, default=30, metavar="SECONDS")
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
