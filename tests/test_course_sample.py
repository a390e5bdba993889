"""Sample class: mistakes loader errors, roster, submissions built from the release."""
import nbformat
import pytest
from toy_course import AID, TOY_MISTAKES, make_toy_course, write_mistakes

from course.build import build
from course.mistakes import load_mistakes
from course.paths import CourseError
from course.sample_class import assemble
from course.submission import cells_by_grade_id


@pytest.fixture
def toy(tmp_path):
    root = make_toy_course(tmp_path / "toy")
    build(root, use_database=False)
    return root


def source(root):
    return nbformat.read(root / "solutions" / AID / f"{AID}.ipynb", as_version=4)


def load(root, text):
    return load_mistakes(write_mistakes(root, text), source(root))


ENTRY = '''
[[mistake]]
student = "{student}"
cell = "{cell}"
find = "{find}"
replace = "return 0"
breaks = [{breaks}]
why = "test"
'''


def entry(student="ann", cell="square", find="return x * x", breaks='"test_square"'):
    return ENTRY.format(student=student, cell=cell, find=find, breaks=breaks)


def test_valid_file_loads(toy):
    ms = load(toy, TOY_MISTAKES)
    assert [(m.student, m.cell, m.breaks) for m in ms] == [
        ("ann", "square", ("test_square",)), ("bob", "total", ("test_total",))]
    assert "return x * abs(x)" in ms[0].apply(source(toy))


@pytest.mark.parametrize("text, words", [
    (entry(find="return x ** 2"), ["occurs 0 times", "cell 'square'", "'ann'"]),
    (entry(find="x"), ["occurs", "must occur exactly once"]),
    (entry() + entry(cell="total", find="return sum(values)", breaks='"test_total"'),
     ["already has a mistake", "'ann'"]),
    (entry(cell="nope"), ["unknown solution cell 'nope'", "square, total"]),
    (entry(cell="test_square"), ["unknown solution cell 'test_square'"]),
    (entry(breaks='"test_nope"'), ["'breaks'", "test_nope"]),
    (entry(breaks='"square"'), ["'breaks'", "square"]),
    (entry(student="reference"), ["invalid student name"]),
    ("[[mistake]]\nstudent = 'x'\n", ["key 'cell' is missing"]),
    ("not toml [[", ["cannot read mistakes file"]),
])
def test_loader_errors_name_file_mistake_and_cell(toy, text, words):
    with pytest.raises(CourseError) as err:
        load(toy, text)
    msg = str(err.value)
    assert f"{AID}.toml" in msg
    for w in words:
        assert w in msg, msg


def test_assemble_roster_and_submissions(toy, tmp_path):
    write_mistakes(toy)
    roster = assemble(toy, tmp_path / "subs")
    assert sorted(roster) == ["ann", "blank", "bob", "reference"]
    assert roster["reference"] == {AID: None} and roster["ann"][AID].cell == "square"
    release = nbformat.read(toy / "notebooks" / AID / f"{AID}.ipynb", as_version=4)
    ann = nbformat.read(tmp_path / "subs" / "ann" / AID / f"{AID}.ipynb", as_version=4)
    blank = nbformat.read(tmp_path / "subs" / "blank" / AID / f"{AID}.ipynb", as_version=4)
    assert blank == release
    rel_cells, ann_cells = cells_by_grade_id(release), cells_by_grade_id(ann)
    # metadata (checksums) and cell ids are the release's, as for a real student
    for gid, cell in rel_cells.items():
        assert ann_cells[gid].metadata == cell.metadata
        assert ann_cells[gid].id == cell.id
    assert ann_cells["square"].source == 'def square(x):\n    """x squared."""\n    return x * abs(x)'
    assert "BEGIN SOLUTION" not in ann_cells["total"].source
    assert ann_cells["total"].source.endswith("return sum(values)")
