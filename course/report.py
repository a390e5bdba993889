"""``course report [ID ...]``: the class at a glance, as one self-contained HTML page.

Reads what grading left in the course's data directory: ``grades.csv`` (a row per student per
assignment, missing submissions included), the autograded notebooks (each graded test cell's
score, and the trusted judge's diagnosis in ``metadata.nncourse.judgment``) and
``runs/<id>.json`` (grading time, problems and integrity flags of each submission, written by
``course grade``). Writes ``report/index.html`` (figures embedded as PNG, no external files)
and gradebook exports for learning-management systems (``report/canvas.csv``,
``report/moodle.csv``), and returns a short text summary.

The page shows, per assignment: the distribution of total scores and of each exercise's score
(matplotlib histograms); the exercises most of the class lost points on; the most frequent
named mistakes (counted from the judge's diagnoses, e.g. "transposed: 23 students"); the
flagged submissions with their findings and similarity pairs; grading time per submission;
missing and ungraded submissions.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["collect", "write_report", "mistake_key", "ReportData"]


def mistake_key(message: str) -> str:
    """The mistake a diagnosis names, without the numbers that differ between students.

    ``"phi, case 2 (N=3, D=2, M=4, tanh): phi(X, U, a, tanh): relative error 8.8e-02
    (tolerance 1e-07). Your answer matches a known mistake: the bias a is missing: ..."``
    becomes ``"the bias a is missing: ..."``; other diagnoses keep their words, with numbers
    and shapes replaced by ``#``.
    """
    text = re.sub(r"^[A-Za-z_]*(Error|Exception|Wrong): ", "", message.strip())
    text = re.sub(r"^[\w.]+, case \d+ \((?:[^()]|\([^()]*\))*\): ", "", text)
    known = re.search(r"matches a known mistake: (.*)", text)
    if known:
        text = known.group(1)
    else:
        text = re.sub(r"^[^:]{0,80}: relative error [^.]*\.(?:\d+[^.]*\.)?\s*", "", text)
    text = re.sub(r"\([\d, ]*\)", "#", text)
    text = re.sub(r"[-+]?\b\d+(\.\d+)?(e[-+]?\d+)?\b", "#", text)
    return text.strip().rstrip(".")[:200] or message[:200]


@dataclass
class ReportData:
    """Everything on the page, per assignment id."""

    assignments: list
    students: list
    totals: dict = field(default_factory=dict)        # aid -> {student: (score, max, note)}
    cells: dict = field(default_factory=dict)         # aid -> {cell: {student: (score, max)}}
    mistakes: dict = field(default_factory=dict)      # aid -> Counter((cell, key))
    flags: dict = field(default_factory=dict)         # aid -> {student: [lines]}
    pairs: dict = field(default_factory=dict)         # aid -> [(a, b, share, exercises, lines)]
    seconds: dict = field(default_factory=dict)       # aid -> {student: seconds}
    late: dict = field(default_factory=dict)          # aid -> {student: seconds late}


def _float(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def collect(data_dir: Path, ids: list[str] | None = None) -> ReportData:
    """Read grades.csv, the autograded notebooks and the run records under ``data_dir``.

    Raises:
        FileNotFoundError: there is no ``grades.csv`` (nothing was graded yet).
    """
    import nbformat
    from nbgrader.utils import determine_grade

    data_dir = Path(data_dir)
    grades = data_dir / "grades.csv"
    if not grades.is_file():
        raise FileNotFoundError(f"{grades} does not exist: grade a class first (course grade)")
    with open(grades, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ids = ids or sorted({r["assignment"] for r in rows})
    students = sorted({r["student"] for r in rows})
    data = ReportData(list(ids), students)
    for aid in ids:
        data.totals[aid] = {r["student"]: (_float(r["score"]), _float(r["max_score"]), r.get("note", ""))
                            for r in rows if r["assignment"] == aid}
        cells: dict = defaultdict(dict)
        mistakes: Counter = Counter()
        for student in students:
            path = data_dir / "autograded" / student / aid / f"{aid}.ipynb"
            if not path.is_file():
                continue
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if not (meta.get("grade") and not meta.get("solution") and cell.cell_type == "code"):
                    continue
                score, top = determine_grade(cell)
                cells[meta["grade_id"]][student] = (score, top)
                judgment = cell.metadata.get("nncourse", {}).get("judgment")
                if judgment and not judgment.get("passed") and "not written yet" not in judgment["message"]:
                    mistakes[(meta["grade_id"], mistake_key(judgment["message"]))] += 1
        data.cells[aid], data.mistakes[aid] = dict(cells), mistakes
        run = data_dir / "runs" / f"{aid}.json"
        record = json.loads(run.read_text(encoding="utf-8")) if run.is_file() else {}
        subs = record.get("students", {})
        data.flags[aid] = {s: v.get("flags", []) for s, v in subs.items() if v.get("flags")}
        data.pairs[aid] = record.get("pairs", [])
        data.seconds[aid] = {s: v["seconds"] for s, v in subs.items() if v.get("seconds")}
        data.late[aid] = _late(data_dir.parent, aid)
    return data


def _late(root: Path, aid: str) -> dict:
    """``{student: seconds late}`` from the gradebook (nbgrader compares each submission's
    timestamp with the assignment's due date, when one is set); {} without a gradebook."""
    try:
        from nbgrader.api import Gradebook, MissingEntry

        from course.nbgrader_config import COURSE_ID, course_config
        with Gradebook(course_config(root).CourseDirectory.db_url, COURSE_ID) as gb:
            try:
                subs = gb.find_assignment(aid).submissions
            except MissingEntry:
                return {}
            return {sub.student.id: float(sub.total_seconds_late) for sub in subs
                    if sub.total_seconds_late and sub.total_seconds_late > 0}
    except Exception:  # noqa: BLE001 (a report without the late column is still a report)
        return {}


def _figure_png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _histograms(aid: str, data: ReportData) -> str:
    """One figure: the total score and each exercise's score, as histograms."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    panels = [("total", [v[0] or 0.0 for v in data.totals[aid].values()],
               max((v[1] or 0.0 for v in data.totals[aid].values()), default=1.0))]
    for cell, by in sorted(data.cells[aid].items()):
        panels.append((cell, [s or 0.0 for s, _ in by.values()], max(t for _, t in by.values())))
    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (name, scores, top) in zip(axes.flat, panels):
        bins = np.linspace(0, max(top, 1e-9), min(11, int(top) + 2) if top >= 1 else 5)
        ax.hist(scores, bins=bins, color="#4c72b0" if name != "total" else "#dd8452",
                edgecolor="white")
        ax.set_title(f"{name} (max {top:g})", fontsize=9)
        ax.set_xlabel("points", fontsize=8)
        ax.set_ylabel("students", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle(f"{aid}: score distributions", fontsize=10)
    fig.tight_layout()
    return _figure_png(fig)


def _time_histogram(data: ReportData) -> str | None:
    import matplotlib.pyplot as plt

    seconds = {aid: list(v.values()) for aid, v in data.seconds.items() if v}
    if not seconds:
        return None
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.hist(list(seconds.values()), bins=15, stacked=True, label=list(seconds))
    ax.set_xlabel("seconds per submission (execution and judging)")
    ax.set_ylabel("submissions")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _figure_png(fig)


def _table(header, rows) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _lost(aid, data):
    """Rows (exercise, points, mean, share who lost points), most lost first."""
    out = []
    for cell, by in data.cells[aid].items():
        top = max(t for _, t in by.values())
        scores = [s or 0.0 for s, _ in by.values()]
        lost = sum(s < top for s in scores) / len(scores)
        out.append((cell, top, sum(scores) / len(scores), lost))
    return sorted(out, key=lambda r: (-r[3], r[0]))


CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0 1.2em}td,th{border:1px solid #ddd;padding:.3em .6em;
text-align:left;vertical-align:top;font-size:.92em}th{background:#f3f3f3}img{max-width:100%}
.flag{color:#a40000}code,pre{font-size:.85em;white-space:pre-wrap}"""


def write_report(data: ReportData, out_dir: Path) -> tuple[Path, str]:
    """Write ``out_dir/index.html``, ``canvas.csv`` and ``moodle.csv``.

    Returns:
        ``(path of index.html, short text summary)``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Class report</title>"
             f"<style>{CSS}</style></head><body><h1>Class report</h1>"
             f"<p>{len(data.students)} students, assignments: {', '.join(data.assignments)}.</p>"]
    summary = [f"class report: {len(data.students)} students, {len(data.assignments)} assignment(s)"]
    for aid in data.assignments:
        totals = data.totals.get(aid, {})
        graded = [v for v in totals.values() if v[0] is not None]
        top = max((v[1] or 0 for v in graded), default=0)
        mean = sum(v[0] for v in graded) / len(graded) if graded else 0.0
        missing = sorted(s for s, v in totals.items() if "missing" in (v[2] or ""))
        late = data.late.get(aid, {})
        ungraded = sorted(s for s, v in totals.items() if v[0] is None)
        parts.append(f"<h2 id='{html.escape(aid)}'>{html.escape(aid)}</h2>")
        parts.append(f"<p>mean {mean:.2f} / {top:g} over {len(graded)} graded submission(s); "
                     f"missing: {', '.join(missing) or 'none'}; not graded: "
                     f"{', '.join(ungraded) or 'none'}; late: "
                     + html.escape(", ".join(f"{s} ({sec / 3600:.1f} h)" for s, sec in sorted(late.items()))
                                   or "none (or no due date set)") + ".</p>")
        if data.cells.get(aid):
            parts.append(f"<img alt='score distributions of {html.escape(aid)}' "
                         f"src='data:image/png;base64,{_histograms(aid, data)}'>")
            lost = _lost(aid, data)
            parts.append("<h3>Where the class lost points</h3>" + _table(
                ["exercise (test cell)", "points", "mean", "students who lost points"],
                [(html.escape(c), f"{t:g}", f"{m:.2f}", f"{p:.0%}") for c, t, m, p in lost]))
            if lost:
                summary.append(f"  {aid}: mean {mean:.2f}/{top:g}; most lost: {lost[0][0]} "
                               f"({lost[0][3]:.0%} of the class)")
        common = data.mistakes.get(aid, Counter()).most_common(15)
        parts.append("<h3>Most frequent named mistakes</h3>" + (_table(
            ["test cell", "diagnosis", "students"],
            [(html.escape(c), html.escape(k), n) for (c, k), n in common]) if common else "<p>none</p>"))
        for (c, k), n in common[:3]:
            summary.append(f"    {n} student(s), {c}: {k[:90]}")
        flags = data.flags.get(aid, {})
        parts.append("<h3>Flagged submissions</h3>" + (_table(
            ["student", "flags"],
            [(html.escape(s), "<br>".join(f"<span class='flag'>{html.escape(x)}</span>" for x in fl))
             for s, fl in sorted(flags.items())]) if flags else "<p>none</p>"))
        pairs = data.pairs.get(aid, [])
        if pairs:
            parts.append("<h3>Similar answers</h3>" + _table(
                ["students", "share", "exercises", "shared lines"],
                [(f"{html.escape(a)} &amp; {html.escape(b)}", f"{share:.0%}", html.escape(", ".join(ex)),
                  "<pre>" + html.escape("\n".join(lines[:12])) + "</pre>")
                 for a, b, share, ex, lines in pairs]))
        if flags:
            summary.append(f"    flagged: {', '.join(sorted(flags))}")
    times = _time_histogram(data)
    if times:
        slow = sorted(((sec, aid, s) for aid, v in data.seconds.items() for s, sec in v.items()),
                      reverse=True)[:10]
        parts.append("<h2>Grading time</h2>"
                     f"<img alt='grading time per submission' src='data:image/png;base64,{times}'>"
                     + _table(["student", "assignment", "seconds"],
                              [(html.escape(s), html.escape(a), f"{sec:.1f}") for sec, a, s in slow]))
    parts.append("</body></html>")
    index = out_dir / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    _exports(data, out_dir)
    summary.append(f"report: {index}")
    return index, "\n".join(summary)


def _exports(data: ReportData, out_dir: Path) -> None:
    """Gradebook CSVs: Canvas's import format (Student, ID, SIS User ID, SIS Login ID,
    Section, then one column per assignment with a "Points Possible" row) and Moodle's
    (an identifier column, then one column per assignment)."""
    tops = {aid: max((v[1] or 0 for v in data.totals.get(aid, {}).values()), default=0)
            for aid in data.assignments}

    def score(aid, s):
        v = data.totals.get(aid, {}).get(s)
        return "" if v is None or v[0] is None else f"{v[0]:g}"

    with open(out_dir / "canvas.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *data.assignments])
        w.writerow(["Points Possible", "", "", "", "", *[f"{tops[a]:g}" for a in data.assignments]])
        for s in data.students:
            w.writerow([s, "", s, s, "", *[score(a, s) for a in data.assignments]])
    with open(out_dir / "moodle.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Username", *data.assignments])
        for s in data.students:
            w.writerow([s, *[score(a, s) for a in data.assignments]])
