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


def _test_cell(gid, points, score, outputs, source="check()"):
    return new_code_cell(source, outputs=outputs, metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": gid, "points": points, "score": score}})


def _solution_cell(gid):
    return new_code_cell(f"def {gid}(): pass", metadata={"nbgrader": {
        "grade": False, "solution": True, "grade_id": gid}})


def test_readable_feedback_names_exercises_and_puts_the_diagnosis_first():
    from nbformat.v4 import new_markdown_cell, new_notebook

    from course.feedback import META, ReadableFeedback
    judged = new_output("error", ename="AssertionError",
                        evalue="phi(X, U, a, tanh): transposed weights (U instead of U.T)",
                        traceback=["AssertionError: ..."])
    nb = new_notebook(cells=[
        new_markdown_cell("### Exercise 1 (4 points): the feature map $\\phi$"),
        _solution_cell("phi"),
        _test_cell("test_phi", 4, 0, [new_output("stream", name="stdout", text="shapes ok\n"),
                                      judged]),
        new_markdown_cell("### Exercise 2: the loss"),
        _solution_cell("loss"),
        _test_cell("test_loss", 2, 2, [new_output("stream", name="stdout", text="✔ loss\n")]),
        _test_cell("test_loss_hidden", 1, 0.5, []),
    ])
    nb, res = ReadableFeedback().preprocess(nb, {})
    phi, loss, extra = (nb.cells[i].metadata[META] for i in (2, 5, 6))
    assert (phi["label"], loss["label"], extra["label"]) == ("phi", "loss", "test_loss_hidden")
    assert phi["heading"] == "Exercise 1 (4 points): the feature map $\\phi$"
    assert phi["diagnosis"] == "phi(X, U, a, tanh): transposed weights (U instead of U.T)"
    # the diagnosis is shown once, first: the error output it came from is gone
    assert [o["output_type"] for o in nb.cells[2].outputs] == ["stream"]
    assert loss["diagnosis"] == "" and not loss["lost"]
    assert extra["lost"] and extra["diagnosis"]
    assert res[META]["lost"] == "Points were lost in phi (0/4) and test_loss_hidden (0.5/1)."


def test_diagnosis_of_each_kind_of_failure():
    from course.feedback import diagnosis
    assert diagnosis({"ename": "NotImplementedError", "evalue": ""}, "phi").startswith(
        "Not done yet: phi still raises NotImplementedError")
    assert diagnosis({"ename": "AssertionError", "evalue": "wrong sign"}, "phi") == "wrong sign"
    assert diagnosis({"ename": "ValueError", "evalue": "shapes (2,3) (2,3)"}, "phi") == \
        "Your code raised ValueError: shapes (2,3) (2,3)"
    assert "time limit" in diagnosis({"ename": "CellTimeoutError", "evalue": ""}, "phi")


def test_points_lost_sentence():
    from course.feedback import points_lost
    assert points_lost([]) == "This notebook has no automatically graded tests."
    assert points_lost([{"label": "a", "score": "1", "points": "1", "lost": False}]) == \
        "No points were lost: every test passed."


def test_math_becomes_mathml_and_unconvertible_tex_stays_visible():
    from course.feedback import latex_to_mathml
    html = latex_to_mathml(r"\phi_j(x) = h\!\left(u_j^T x + a_j\right)", "block")
    assert html.startswith("<math") and 'display="block"' in html and "<msub>" in html
    assert latex_to_mathml("x^", "inline") == '<code class="tex">$x^$</code>'


PNG_1x1 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJ"
           "RU5ErkJggg==")


def _page(cells):
    """The feedback page of a notebook with ``cells``, rendered by the course's exporter with
    the course's configuration (as GenerateFeedback renders it)."""
    from pathlib import Path

    from nbformat.v4 import new_notebook

    from course.feedback import FeedbackExporter
    from course.nbgrader_config import course_config
    nb = new_notebook(cells=cells, metadata={"language_info": {"name": "python"}})
    resources = {"nbgrader": {"notebook": "nb", "score": 1, "max_score": 2, "late_penalty": 0}}
    html, _ = FeedbackExporter(config=course_config(Path(__file__).parents[1])).from_notebook_node(
        nb, resources)
    return html


def test_every_figure_has_one_alt_text_and_a_given_one_is_kept():
    import re
    plain = new_output("display_data", data={"image/png": PNG_1x1})
    described = new_output("display_data", data={"image/png": PNG_1x1},
                           metadata={"image/png": {"alt": "the loss against the epoch"}})
    html = _page([new_code_cell("plot()", outputs=[plain]),
                  new_code_cell("plot()", outputs=[described])])
    imgs = re.findall(r"<img\b[^>]*>", html)
    assert len(imgs) == 2
    assert all(tag.count(" alt=") == 1 for tag in imgs), imgs
    assert 'alt="a figure drawn by this cell"' in imgs[0]
    assert 'alt="the loss against the epoch"' in imgs[1]


def test_remembered_cells_never_show_another_submissions_text():
    """Markdown and highlighted code are rendered once per source for the whole run: a
    student's own edit is rendered afresh, and a cell shared by two pages renders as new."""
    from nbformat.v4 import new_markdown_cell
    released = [new_markdown_cell("Exercise: **the release's text**"),
                new_code_cell("loss = released_code(x)")]
    first = _page(released)
    second = _page([new_markdown_cell("Exercise: **a student's own note**"),
                    new_code_cell("loss = students_own_code(x)")])
    again = _page(released)
    assert "<strong>a student's own note</strong>" in second
    assert "the release's text" not in second and "released_code" not in second
    assert "students_own_code" in second
    assert again == first
