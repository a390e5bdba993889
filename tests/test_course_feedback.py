"""course.feedback: hidden-test regions and tracebacks are removed."""
from nbformat.v4 import new_code_cell, new_output

from course.feedback import PLACEHOLDER, StripHiddenTests, strip_hidden_source


def test_strip_hidden_region_keeps_visible_lines():
    src = "a = 1\n    ### BEGIN HIDDEN TESTS\n    secret()\n    ### END HIDDEN TESTS\nb = 2"
    assert strip_hidden_source(src) == f"a = 1\n    {PLACEHOLDER}\nb = 2"


def test_unterminated_region_is_removed_to_the_end():
    assert strip_hidden_source("x\n### BEGIN HIDDEN TESTS\nsecret") == f"x\n{PLACEHOLDER}"


def test_preprocessor_reduces_test_cell_errors():
    err = new_output("error", ename="AssertionError", evalue="wrong sign",
                     traceback=["Traceback ...", "secret_line()", "AssertionError: wrong sign"])
    cell = new_code_cell("check()\n### BEGIN HIDDEN TESTS\nsecret_line()\n### END HIDDEN TESTS",
                         metadata={"nbgrader": {"grade": True, "solution": False,
                                                "grade_id": "t", "points": 1}},
                         outputs=[err])
    cell, _ = StripHiddenTests().preprocess_cell(cell, {}, 0)
    assert "secret_line" not in cell.source
    assert cell.outputs[0]["traceback"] == ["AssertionError: wrong sign"]
