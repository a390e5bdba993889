"""Benchmark: seconds per graded notebook, plain nbgrader vs the old and the new engine.

Not a test (pytest does not collect it). Run from anywhere::

    python tests/benchmarks/bench_grading.py [--root COURSE_ROOT] [--old COMMIT] [ID ...]

In one run, on the sample class (reference + blank + one per mistake) of the given
assignments (default: the first two; the toy assignment of tests/toy_course.py if the
course has none yet), in a temporary copy of the course, it measures the wall time per
graded notebook (autograde and feedback) of

1. ``nbgrader autograde`` + ``nbgrader generate_feedback`` CLI, one call each per
   assignment, with nbgrader's own ``Execute`` (no sandbox): plain nbgrader;
2. the engine of commit ``--old`` (default ``1c8cfd1``, the last one with its own process
   pool), ``--jobs 2``, checked out into a temporary ``git worktree`` (skipped when that
   is not possible);
3. ``course grade --jobs 1`` and 4. ``--jobs 2``: the Dask engine, every kernel sandboxed
   and forked from the worker's preloaded fork server (one engine for all assignments,
   as ``course demo`` does; its start is included);
5. ``--jobs 1`` and 6. ``--jobs 2`` with every kernel started by a ``bwrap`` of its own
   (``NNCOURSE_ZYGOTE=0``: no fork server, the kernel imports everything itself);

and prints the ratios, and for the new engine a profile: per notebook, the time in the
sandboxed task, of that in the notebook's own cells, and the time outside the notebook's
code (kernel and sandbox start, nbgrader's bookkeeping, feedback). Timings on a shared
machine are noisy; the ratios within one run are what to compare.
"""
from __future__ import annotations

import argparse
import json
import os
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
from course.engine import Engine  # noqa: E402
from course.grade import grade  # noqa: E402
from course.nbgrader_config import DATA  # noqa: E402
from course.nbgrader_run import ensure_env_on_path  # noqa: E402
from course.paths import assignment_ids  # noqa: E402
from course.sample_class import assemble  # noqa: E402
from course.zygote_client import ZYGOTE_ENV  # noqa: E402

NATIVE_CONFIG = '''# nbgrader's own Execute step instead of the course's sandboxed one (benchmark only)
from nbgrader.converters import Autograde
from course.nbgrader_config import course_config
c = get_config()  # noqa: F821
c.merge(course_config({root!r}))
c.Autograde.autograde_preprocessors = Autograde.class_traits()["autograde_preprocessors"].default()
'''
OLD_RUN = '''
import json, sys, time
from pathlib import Path
from course.grade import grade
root, subs, ids = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
t0 = time.perf_counter()
for aid in ids:
    grade(root, aid, subs, jobs=2, progress=False)
print(json.dumps(time.perf_counter() - t0))
'''


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
    (dest / "course").mkdir(exist_ok=True)
    return dest


def reset_state(root: Path) -> None:
    for name in ("submitted", "autograded", "feedback", "gradebook.db", "grades.csv", "logs"):
        p = root / DATA / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def plain_nbgrader(root: Path, ids: list[str], per_aid: dict, subs: Path) -> None:
    config = root / "course" / "bench_native_config.py"
    config.write_text(NATIVE_CONFIG.format(root=str(root)))
    for aid in ids:
        for s in per_aid[aid]:
            shutil.copytree(subs / s / aid, root / DATA / "submitted" / s / aid)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    for aid in ids:
        for step in ("autograde", "generate_feedback"):
            subprocess.run(["nbgrader", step, aid, f"--NbGrader.config_file={config}",
                            "--force", "--log-level=ERROR"], cwd=root, check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


SKIPPED = "skipped"


def old_engine(commit: str, root: Path, ids: list[str], subs: Path, tmp: Path):
    """Seconds for ``course grade --jobs 2`` of ``commit`` on every id, or SKIPPED."""
    tree = tmp / "old-engine"
    made = subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree),
                           commit], capture_output=True, text=True)
    if made.returncode != 0:
        print(f"  (old engine skipped: {made.stderr.strip().splitlines()[-1:]})")
        return SKIPPED
    try:
        env = dict(os.environ, PYTHONPATH=str(tree))  # its course/ and nnlib/ come first
        out = subprocess.run([sys.executable, "-c", OLD_RUN, str(root), str(subs), *ids],
                             cwd=tmp, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            print(f"  (old engine failed: {out.stderr.strip().splitlines()[-1:]})")
            return SKIPPED
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                       capture_output=True)


INSTRUCTOR_CPU: dict = {}  # (jobs, zygote) -> CPU seconds of this process while it graded


def new_engine(root: Path, ids: list[str], subs: Path, jobs: int, zygote: bool = True) -> list:
    """Outcomes of grading every id on one engine; ``zygote=False``: a bwrap per kernel.
    The CPU time this process (the instructor's: nbgrader, the judge, the gradebook,
    feedback pages, Dask's client) spent grading goes to ``INSTRUCTOR_CPU``."""
    outcomes = []
    before = os.environ.get(ZYGOTE_ENV)
    os.environ[ZYGOTE_ENV] = "1" if zygote else "0"   # read by the workers it starts
    try:
        with Engine(jobs) as engine:
            cpu = time.process_time()
            for aid in ids:
                outcomes += grade(root, aid, subs, progress=False, engine=engine)
            INSTRUCTOR_CPU[(jobs, zygote)] = time.process_time() - cpu
    finally:
        if before is None:
            os.environ.pop(ZYGOTE_ENV, None)
        else:
            os.environ[ZYGOTE_ENV] = before
    return outcomes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=REPO, help="course root to copy")
    ap.add_argument("--old", default="1c8cfd1", help="commit of the old engine ('' skips it)")
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
        print(f"{n} submissions over {len(ids)} assignment(s): {', '.join(ids)}", flush=True)

        results, profiles = [], {}

        def measure(name, fn):
            reset_state(root)
            build(root, ids)  # records the assignments in the fresh gradebook
            t0 = time.perf_counter()
            value = fn()
            seconds = value if isinstance(value, float) else time.perf_counter() - t0
            if value is SKIPPED:
                return
            results.append((name, seconds / n))
            if isinstance(value, list):
                profiles[name] = (seconds, value)
            print(f"  {name:46s} {seconds / n:6.2f} s/notebook", flush=True)

        measure("plain nbgrader CLI (autograde+feedback)",
                lambda: plain_nbgrader(root, ids, per_aid, subs))
        if args.old:
            measure(f"old engine {args.old} --jobs 2",
                    lambda: old_engine(args.old, root, ids, subs, Path(tmp)))
        for jobs in (1, 2):
            measure(f"course grade --jobs {jobs} (fork server)",
                    lambda jobs=jobs: new_engine(root, ids, subs, jobs))
        for jobs in (1, 2):
            measure(f"per-kernel bwrap --jobs {jobs} (NNCOURSE_ZYGOTE=0)",
                    lambda jobs=jobs: new_engine(root, ids, subs, jobs, zygote=False))

        by = dict(results)
        print("\nratios (higher: the new engine is faster):")
        for name, per in results:
            for jobs in (1, 2):
                new = f"course grade --jobs {jobs} (fork server)"
                peer_jobs = 1 if "--jobs 1" in name else 2
                comparable = (not name.startswith(("course grade", "per-kernel"))
                              or (name.startswith("course grade") and peer_jobs == 1 and jobs == 2)
                              or (name.startswith("per-kernel") and peer_jobs == jobs))
                if name != new and new in by and comparable:
                    print(f"  {name:46s} / {new[:21]}: {per / by[new]:5.2f}x")
        graded = {name: {(o.assignment, o.student): (o.score, o.cells) for o in outcomes}
                  for name, (_, outcomes) in profiles.items()}
        if len(graded) > 1:
            same = all(g == next(iter(graded.values())) for g in graded.values())
            print(f"\nevery cell's score the same with and without the fork server: "
                  f"{'yes' if same else 'NO'}")
        print("\nprofile of the engine, per notebook:")
        for name, (seconds, outcomes) in profiles.items():
            task = sum(o.seconds for o in outcomes) / n
            cells = sum(o.cell_seconds for o in outcomes) / n
            jobs = 1 if "--jobs 1" in name else 2
            print(f"  {name}: wall {seconds / n:.2f} s; in the sandboxed task {task:.2f} s, "
                  f"of which the notebook's cells {cells:.2f} s and kernel/sandbox start "
                  f"and stop {task - cells:.2f} s; outside the student's code "
                  f"{seconds * jobs / n - cells:.2f} core-s (wall x jobs - cells); the "
                  f"instructor's process {INSTRUCTOR_CPU[(jobs, 'per-kernel' not in name)] / n:.2f} "
                  f"CPU-s (its share of that: nbgrader, judge, gradebook, feedback)")


if __name__ == "__main__":
    main()
