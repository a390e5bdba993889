"""Benchmark: how long each solution notebook takes top to bottom, against the 15 s budget.

Not a test (timings on shared machines are noisy; nbval in the test suite proves the notebooks
run). Executes every ``solutions/<id>/<id>.ipynb`` (or the ids given) with nbclient in a fresh
kernel, one BLAS thread as the graders use, and prints wall seconds, kernel start-up included,
next to a trivial one-cell notebook measured in the same run (the fixed cost of a kernel).

    python tests/benchmarks/bench_notebooks.py [ID ...] [--repeats 2]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 15.0


def run(nb, cwd) -> float:
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    ids = args.ids or sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    run(empty, ROOT)  # warm-up: the first kernel start pays for cold imports
    base = min(run(empty, ROOT) for _ in range(args.repeats))
    print(f"{'notebook':<22}{'seconds':>9}{'x empty':>9}  budget {BUDGET:.0f} s (best of {args.repeats})")
    print(f"{'(empty notebook)':<22}{base:>9.1f}{1:>8.1f}x")
    for nid in ids:
        path = ROOT / "solutions" / nid / f"{nid}.ipynb"
        best = min(run(nbformat.read(path, as_version=4), path.parent) for _ in range(args.repeats))
        flag = "ok" if best < BUDGET else "OVER BUDGET"
        print(f"{nid:<22}{best:>9.1f}{best / base:>8.1f}x  {flag}")


if __name__ == "__main__":
    main()
