"""Benchmark: seconds per graded notebook, ``course grade`` vs plain ``nbgrader`` CLI.

Not a test (pytest does not collect it). Run from anywhere::

    python tests/benchmarks/bench_grading.py [--root COURSE_ROOT] [ID ...]

In one run, on the sample class (reference + blank + one per mistake) of the
given assignments (default: the first two; the toy assignment of tests/toy_course.py if the course has none yet),
in a temporary copy of the course, it measures the wall time per graded notebook of

1. ``course grade --jobs 1``   (in-process nbgrader, one worker process at a time)
2. ``course grade --jobs 2``   (two worker processes)
3. ``nbgrader autograde`` + ``nbgrader generate_feedback`` CLI, one call each per
   assignment (``course grade`` writes feedback too)
4. ``nbgrader autograde --student S`` CLI, one call per submission (no feedback)

and prints the ratios against (1). Timings on a shared machine are noisy; the
ratios within one run are what to compare.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

from course.build import build  # noqa: E402
from course.grade import grade  # noqa: E402
from course.nbgrader_config import DATA  # noqa: E402
from course.nbgrader_run import ensure_env_on_path  # noqa: E402
from course.paths import assignment_ids  # noqa: E402
from course.sample_class import assemble  # noqa: E402


def make_course(src_root: Path, dest: Path) -> Path:
    """Copy solutions/ and course/sample/ (or write the toy course) into ``dest``."""
    if assignment_ids(src_root):
        shutil.copytree(src_root / "solutions", dest / "solutions")
        if (src_root / "course" / "sample").is_dir():
            shutil.copytree(src_root / "course" / "sample", dest / "course" / "sample")
    else:
        from toy_course import make_toy_course, write_mistakes
        make_toy_course(dest)
        write_mistakes(dest)
        print("(no assignments in the course yet: using the toy assignment)")
    shutil.copy(REPO / "course" / "nbgrader_config.py", dest / "course" / "nbgrader_config.py")
    return dest


def reset_state(root: Path) -> None:
    for name in ("submitted", "autograded", "feedback", "gradebook.db", "grades.csv", "logs"):
        p = root / DATA / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=REPO, help="course root to copy")
    ap.add_argument("ids", nargs="*", metavar="ID",
                    help="assignments to use (default: the first two)")
    args = ap.parse_args()
    ensure_env_on_path()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        root = make_course(args.root.resolve(), Path(tmp) / "course-root")
        ids = build(root, args.ids or assignment_ids(root)[:2])
        subs = root / "sample"
        roster = assemble(root, subs, ids)
        per_aid = {a: sorted(s for s, d in roster.items() if a in d) for a in ids}
        n = sum(len(v) for v in per_aid.values())
        print(f"{n} submissions over {len(ids)} assignment(s): {', '.join(ids)}")
        config = str(root / "course" / "nbgrader_config.py")

        def course_grade(jobs):
            def run():
                for aid in ids:
                    grade(root, aid, subs, jobs=jobs, progress=False)
            return run

        def cli_per_assignment():
            for aid in ids:
                for s in per_aid[aid]:
                    shutil.copytree(subs / s / aid, root / DATA / "submitted" / s / aid)
            for aid in ids:
                for step in ("autograde", "generate_feedback"):
                    subprocess.run(["nbgrader", step, aid, f"--NbGrader.config_file={config}",
                                    "--force", "--log-level=ERROR"], cwd=root, check=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def cli_per_student():
            for aid in ids:
                for s in per_aid[aid]:
                    shutil.copytree(subs / s / aid, root / DATA / "submitted" / s / aid)
                    subprocess.run(["nbgrader", "autograde", aid, "--student", s,
                                    f"--NbGrader.config_file={config}", "--force",
                                    "--log-level=ERROR"], cwd=root, check=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        runs = [("course grade --jobs 1", course_grade(1)),
                ("course grade --jobs 2", course_grade(2)),
                ("nbgrader CLI, 1 call/assignment (+feedback)", cli_per_assignment),
                ("nbgrader CLI, 1 call/student (no feedback)", cli_per_student)]
        results = []
        for name, fn in runs:
            reset_state(root)
            build(root, ids)  # records the assignments in the fresh gradebook
            seconds = timed(fn)
            results.append((name, seconds / n))
            print(f"  {name:45s} {seconds / n:6.2f} s/notebook", flush=True)
        base = results[0][1]
        print("\nratio to `course grade --jobs 1` (lower is faster):")
        for name, per in results:
            print(f"  {name:45s} {per / base:5.2f}x")


if __name__ == "__main__":
    main()
