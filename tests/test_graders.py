"""The graders of the real assignments, proven end to end on the sample class.

The proof is a pyramid. Its base, ``tests/test_graders_unit.py``, judges EVERY sample mistake
(and many more wrong answers) in-process against its checker, in seconds. This module is its
top: for every ``solutions/<id>/`` present when pytest runs, a sample class is assembled and
graded with ``course grade``'s machinery (sandboxed kernels, the judge, nbgrader's scoring) in a
temporary copy of the course, once per assignment and only for the assignments selected, then

- ``reference`` gets full marks on every automatically graded test cell;
- ``blank`` gets zero and grading it does not fail;
- each mistake graded loses points on every cell in its ``breaks`` and only there;
- every cheat of ``course/sample/cheats.toml`` is flagged.

Which mistakes are graded end to end: by default, for each graded test cell, the first
mistake of ``course/sample/mistakes/<id>.toml`` that breaks a cell not yet covered, so every
test cell is shown losing points through the whole pipeline; ``NNCOURSE_SAMPLE=all`` grades
every mistake (what ``course demo`` does).
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from course.build import build
from course.grade import grade
from course.paths import CourseError, assignment_ids
from course.sample_class import BLANK, REFERENCE, assemble
from course.submission import graded_test_ids

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
IDS = assignment_ids(REPO)
if not IDS:
    pytest.skip(f"no assignments yet: {REPO / 'solutions'} has no <id>/<id>.ipynb",
                allow_module_level=True)

pytestmark = pytest.mark.slow


FULL = os.environ.get("NNCOURSE_SAMPLE", "").strip().lower() == "all"


def _raw_mistakes(aid):
    """The [[mistake]] entries of ``aid``'s mistakes file, read raw (validation happens in the
    fixture, so one bad file fails only its own tests)."""
    path = REPO / "course" / "sample" / "mistakes" / f"{aid}.toml"
    if not path.is_file():
        return []
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")).get("mistake", [])
    except tomllib.TOMLDecodeError:
        return [{"student": "<unreadable file>"}]


def end_to_end_students(entries):
    """Students whose mistakes are graded end to end: all (``NNCOURSE_SAMPLE=all``), or a
    greedy cover of the test cells (in file order, each mistake that breaks a cell no earlier
    chosen mistake breaks)."""
    chosen, covered = [], set()
    for n, e in enumerate(entries, 1):
        student = str(e.get("student", f"<mistake #{n}>"))
        breaks = set(e.get("breaks", ())) if isinstance(e.get("breaks"), list) else set()
        if FULL or not breaks or breaks - covered:
            chosen.append(student)
            covered |= breaks
    return chosen


def _mistake_params():
    """(assignment, student) for every mistake graded end to end."""
    return [pytest.param(aid, student, id=f"{aid}-{student}")
            for aid in IDS for student in end_to_end_students(_raw_mistakes(aid))]


class SampleGrades:
    """The sample class of each assignment, graded on first use (so ``-k 04-backprop``
    grades only 04) in one temporary copy of the course."""

    def __init__(self, root):
        self.root, self._results = root, {}
        shutil.copytree(REPO / "solutions", root / "solutions")
        if (REPO / "course" / "sample").is_dir():
            shutil.copytree(REPO / "course" / "sample", root / "course" / "sample")
        build(root)

    def __getitem__(self, aid):
        """``(outcomes by student, roster or CourseError)`` of assignment ``aid``."""
        if aid not in self._results:
            subs = self.root / "sample-submissions" / aid
            try:
                roster = assemble(self.root, subs, [aid])
            except CourseError as e:
                self._results[aid] = ({}, e)
                return self._results[aid]
            keep = set(end_to_end_students(_raw_mistakes(aid)))
            for student, work in roster.items():
                if work.get(aid) is not None and student not in keep:
                    shutil.rmtree(subs / student)
            outcomes = grade(self.root, aid, subs, jobs=os.cpu_count() or 1, progress=False)
            self._results[aid] = ({o.student: o for o in outcomes}, roster)
        return self._results[aid]

    def all(self):
        """Grade every assignment (for the class-wide checks); returns the course root."""
        for aid in IDS:
            self[aid]
        return self.root


@pytest.fixture(scope="session")
def sample_grades(tmp_path_factory):
    return SampleGrades(tmp_path_factory.mktemp("course"))


def _get(sample_grades, aid, student):
    root = sample_grades.root
    outcomes, roster = sample_grades[aid]
    if isinstance(roster, CourseError):
        pytest.fail(f"{aid}: sample class could not be assembled: {roster}")
    assert student in outcomes, f"{aid}: no graded submission for {student!r}"
    out = outcomes[student]
    assert out.score is not None, \
        f"{aid}/{student}: grading gave no score: {'; '.join(out.problems)}"
    tests = graded_test_ids(nbformat.read(root / "solutions" / aid / f"{aid}.ipynb", as_version=4))
    return out, roster, tests


def _table(aid, student, out, tests):
    return "\n".join(f"    {aid}/{student} {gid}: {out.cells[gid][0]:g}/{out.cells[gid][1]:g}"
                     if gid in out.cells else f"    {aid}/{student} {gid}: not graded"
                     for gid in tests)


@pytest.mark.parametrize("aid", IDS)
def test_reference_gets_full_marks(sample_grades, aid):
    out, _, tests = _get(sample_grades, aid, REFERENCE)
    assert tests, f"{aid}: the solution notebook has no graded test cells"
    short = [g for g in tests if g not in out.cells or out.cells[g][0] < out.cells[g][1]]
    assert not short, (f"{aid}: the reference solution loses points on {', '.join(short)}:\n"
                       + _table(aid, REFERENCE, out, tests)
                       + (f"\n  problems: {'; '.join(out.problems)}" if out.problems else ""))
    assert not out.problems, f"{aid}/{REFERENCE}: {'; '.join(out.problems)}"


@pytest.mark.parametrize("aid", IDS)
def test_blank_gets_zero(sample_grades, aid):
    out, _, tests = _get(sample_grades, aid, BLANK)
    scored = [g for g in tests if out.cells.get(g, (0, 0))[0] > 0]
    assert not scored, (f"{aid}: the untouched release earns points on {', '.join(scored)}:\n"
                        + _table(aid, BLANK, out, tests))
    assert out.score == 0, f"{aid}/{BLANK}: total score {out.score:g}, expected 0"
    assert not any("failed" in p or "process" in p or "crashed" in p for p in out.problems), \
        f"{aid}/{BLANK}: grading failed: {'; '.join(out.problems)}"


@pytest.mark.parametrize("aid, student", _mistake_params())
def test_mistake_loses_points_only_where_it_breaks(sample_grades, aid, student):
    out, roster, tests = _get(sample_grades, aid, student)
    mistake = roster[student][aid]
    wrong = []
    for gid in tests:
        score, top = out.cells.get(gid, (None, None))
        if score is None:
            wrong.append(f"{gid}: not graded")
        elif gid in mistake.breaks and score >= top:
            wrong.append(f"{gid}: expected to lose points, got {score:g}/{top:g}")
        elif gid not in mistake.breaks and score < top:
            wrong.append(f"{gid}: expected full marks, got {score:g}/{top:g}")
    assert not wrong, (
        f"{aid}: mistake of {student!r} in cell {mistake.cell!r} ({mistake.why}; "
        f"breaks {', '.join(mistake.breaks)}):\n    " + "\n    ".join(wrong)
        + "\n  all test cells:\n" + _table(aid, student, out, tests))


def _flag_kinds(line):
    if line.startswith("copy of the reference"):
        return "copy"
    if line.startswith("shares answers with"):
        return "pair"
    return line.rsplit("[", 1)[-1].rstrip("]")


def test_sample_cheats_are_flagged_in_grades_csv(sample_grades):
    from course.gradescsv import read_grades
    from course.nbgrader_config import DATA
    from course.sample_class import load_cheats

    root = sample_grades.all()
    rows = {(r["student"], r["assignment"]): r for r in read_grades(root / DATA / "grades.csv")}
    cheats = load_cheats(root)
    assert cheats
    for c in cheats:
        row = rows.get((c.student, c.assignment))
        assert row is not None, f"{c.student}/{c.assignment}: no row in grades.csv"
        kinds = {_flag_kinds(f) for f in row["flags"].split("; ") if f}
        assert set(c.flags) <= kinds, (f"{c.student}/{c.assignment} ({c.how}): flags "
                                       f"{row['flags']!r} lack {set(c.flags) - kinds}")
    cheaters = {(c.student, c.assignment) for c in cheats}

    def calls_of_the_reference_only(flags):  # sample mistakes that call the reference
        return all(f.endswith("[reference]") for f in flags.split("; ") if f)

    false = {k: r["flags"] for k, r in rows.items() if r["flags"] and k not in cheaters
             and not calls_of_the_reference_only(r["flags"])}
    assert not false, f"flags on students who do not cheat: {false}"


def test_class_report_shows_histograms_mistake_counts_and_flags(sample_grades):
    from html.parser import HTMLParser

    from course.nbgrader_config import DATA
    from course.report import collect, write_report

    root = sample_grades.all()
    index, summary = write_report(collect(root / DATA), root / DATA / "report")

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.images, self.cells, self._in_td, self.text = [], [], False, []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "img" and attrs.get("src", "").startswith("data:image/png;base64,"):
                self.images.append(attrs.get("alt", ""))
            self._in_td = tag == "td"

        def handle_data(self, data):
            self.text.append(data)
            if self._in_td:
                self.cells.append(data.strip())

    page = Page()
    page.feed(index.read_text(encoding="utf-8"))
    text = " ".join(page.text)
    for aid in IDS:
        assert f"score distributions of {aid}" in page.images, f"no histograms for {aid}"
    assert "grading time per submission" in page.images
    # the named mistakes of the sample class, counted: e.g. 04's transposed weight gradient
    assert "Most frequent named mistakes" in text and "transposed" in text
    assert any(c.isdigit() and int(c) >= 1 for c in page.cells)
    from course.sample_class import load_cheats
    for c in load_cheats(root):
        assert c.student in page.cells, f"cheat {c.student} is not in the report's flagged list"
    for name in ("canvas.csv", "moodle.csv"):
        lines = (root / DATA / "report" / name).read_text().splitlines()
        assert len(lines) >= 3 and all(aid in lines[0] for aid in IDS)
    assert "report:" in summary


def test_on_flag_zero_takes_the_points_of_the_flagged_exercises(tmp_path):
    aid = "01-adaptive-basis"
    root = tmp_path / "course"
    shutil.copytree(REPO / "solutions", root / "solutions")
    shutil.copytree(REPO / "course" / "sample", root / "course" / "sample")
    build(root, [aid])
    everyone = root / "everyone"
    assemble(root, everyone, [aid])
    subs = root / "subs"
    for student in ("mal", "rex", "sol"):
        shutil.copytree(everyone / student, subs / student)
    by = {o.student: o for o in grade(root, aid, subs, progress=False, on_flag="zero")}
    # mal's phi runs a copy of the reference: right answers, test_phi zeroed
    assert by["mal"].cells["test_phi"][0] == 0 and by["mal"].score == 6
    assert any("--on-flag zero" in p for p in by["mal"].problems)
    # rex and sol share every answer: everything zeroed
    assert by["rex"].score == 0 and by["sol"].score == 0
