"""The trusted judge (course.judge): grades come from evidence judged outside the kernel.

Unit tests build executed test cells by hand (what a kernel could emit) and score them with
nbgrader's own ``determine_grade`` after judging. The kernel tests execute small notebooks of
exercise ``phi`` (01) in a real kernel whose solution cell attacks the grading in one way
each, then judge the test cell: none of the attacks earns a point, and the same notebook with
an honest answer does.
"""
from __future__ import annotations

import copy
import json

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade

from course.judge import JudgeEvidence, judge_cell
from nnlib.graders import evidence
from nnlib.graders.runner import collect

AID = "01-adaptive-basis"
STUDENT = "ann"
CORRECT = "def phi(X, U, a, h):\n    return h(X @ U.T + a)\n"
WRONG = "def phi(X, U, a, h):\n    return h(X @ U.T) + a\n"


def _phi(source):
    ns = {}
    exec("import numpy as np\n" + source, ns)
    return ns["phi"]


def _doc(source=CORRECT, student=STUDENT):
    return json.loads(json.dumps(collect("phi", _phi(source), student)))


def _test_cell(*outputs, grade_id="test_phi"):
    cell = new_code_cell('check("phi", phi)\n### BEGIN HIDDEN TESTS\nrecord("phi", phi)\n'
                         '### END HIDDEN TESTS',
                         metadata={"nbgrader": {"grade": True, "solution": False, "locked": True,
                                                "grade_id": grade_id, "points": 4,
                                                "schema_version": 3}})
    cell.outputs = list(outputs)
    return cell


def _evidence_output(doc):
    return new_output("display_data", data={evidence.MIME: doc})


def _tick(text="\u2714 phi: N=2, D=2, M=3, tanh\n"):
    return new_output("stream", name="stdout", text=text)


def _score(cell, student=STUDENT, assignment=AID):
    judge_cell(cell, assignment, student)
    return determine_grade(cell)[0]


def test_correct_evidence_earns_the_points():
    cell = _test_cell(_tick(), _evidence_output(_doc()))
    assert _score(cell) == 4
    assert all(o.output_type == "stream" for o in cell.outputs)  # the evidence is gone
    assert cell.metadata["nncourse"]["judgment"]["passed"] is True


def test_wrong_answer_gets_zero_with_the_diagnosis_as_error():
    cell = _test_cell(_tick(), _evidence_output(_doc(WRONG)))
    assert _score(cell) == 0
    err = [o for o in cell.outputs if o.output_type == "error"]
    assert len(err) == 1 and "h applied before adding the bias" in err[0].evalue


def test_printed_tick_without_evidence_gets_zero():
    cell = _test_cell(_tick(), _tick("\u2714 graded outside your kernel: phi: all 6 cases correct\n"))
    assert _score(cell) == 0
    assert "no evidence" in cell.metadata["nncourse"]["judgment"]["message"]


def test_evidence_of_another_student_gets_zero():
    cell = _test_cell(_evidence_output(_doc(student="bob")))
    assert _score(cell, student=STUDENT) == 0
    assert "other inputs" in cell.metadata["nncourse"]["judgment"]["message"]


def test_evidence_for_another_exercise_gets_zero():
    doc = _doc()
    doc["exercise"] = "model_output"
    assert _score(_test_cell(_evidence_output(doc))) == 0


def test_two_evidence_outputs_get_zero():
    assert _score(_test_cell(_evidence_output(_doc()), _evidence_output(_doc()))) == 0


def test_unreadable_evidence_gets_zero():
    doc = _doc()
    doc["cases"][0]["output"] = {"t": "nd", "npy": "not base64 at all!"}
    cell = _test_cell(_evidence_output(doc))
    assert _score(cell) == 0
    assert "cannot be read" in cell.metadata["nncourse"]["judgment"]["message"]


def test_pickled_array_is_refused():
    import base64
    import io

    import numpy as np

    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    doc = _doc()
    doc["cases"][0]["output"] = {"t": "nd", "npy": base64.b64encode(buf.getvalue()).decode()}
    assert _score(_test_cell(_evidence_output(doc))) == 0


def test_forged_outputs_with_the_right_digests_get_zero():
    doc = _doc()
    for rec in doc["cases"]:  # keep digests and labels, claim zeros as the results
        rec["output"] = evidence.encode(0.0 * evidence.decode(rec["output"]))
    assert _score(_test_cell(_evidence_output(doc))) == 0


def test_partial_credit_output_of_the_kernel_is_not_read():
    # nbgrader reads an execute_result holding a number as partial credit, before any error
    fake = new_output("execute_result", data={"text/plain": "4"}, execution_count=1)
    cell = _test_cell(fake, _evidence_output(_doc(WRONG)))
    assert _score(cell) == 0
    assert not any(o.output_type == "execute_result" for o in cell.outputs)


def test_kernel_error_stays_a_failure_even_with_good_evidence():
    err = new_output("error", ename="AssertionError", evalue="phi: wrong", traceback=[])
    assert _score(_test_cell(_evidence_output(_doc()), err)) == 0


def test_no_student_id_fails_closed():
    assert _score(_test_cell(_evidence_output(_doc())), student=None) == 0


def test_cells_without_a_checker_are_left_to_nbgrader():
    cell = _test_cell(_tick(), grade_id="test_something_else")
    before = copy.deepcopy(cell)
    assert judge_cell(cell, AID, STUDENT) is None
    assert cell == before
    other = _test_cell(_tick())
    assert judge_cell(other, "01-toy", STUDENT) is None  # another assignment


def test_preprocessor_reads_assignment_and_student_from_nbgrader_resources():
    nb = new_notebook(cells=[_test_cell(_evidence_output(_doc())),
                             _test_cell(_evidence_output(_doc(WRONG)))])
    nb, _ = JudgeEvidence().preprocess(nb, {"nbgrader": {"assignment": AID, "student": STUDENT}})
    assert [determine_grade(c)[0] for c in nb.cells] == [4, 0]


# --- attacks from inside a real kernel ------------------------------------------------------

SETUP = ("import numpy as np\nimport nnlib\nfrom nnlib import checks\n"
         "from nnlib.graders import check, record")

ATTACKS = {
    "replaces nnlib.checks' comparisons with ones that accept anything": WRONG + (
        "import nnlib.checks, nnlib.graders.runner\n"
        "nnlib.checks.check_array = lambda *a, **k: 0.0\n"
        "nnlib.checks.check_scalar = lambda *a, **k: 0.0\n"
        "nnlib.graders.runner.judge_record = lambda *a, **k: None\n"),
    "rewrites every later cell into a print of a fake tick (IPython input transformer)": WRONG + (
        "def _fake(lines):\n"
        "    return ['print(\"\\u2714 phi: all correct\")\\n']\n"
        "get_ipython().input_transformers_post.append(_fake)\n"),
    "wraps every later cell in try/except (IPython AST transformer)": WRONG + (
        "import ast\n"
        "class _Swallow(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n"
        "        body = ast.Try(body=node.body or [ast.Pass()], handlers=[ast.ExceptHandler(\n"
        "            type=None, name=None, body=[ast.Pass()])], orelse=[], finalbody=[])\n"
        "        node.body = [body]\n"
        "        return ast.fix_missing_locations(node)\n"
        "get_ipython().ast_transformers.append(_Swallow())\n"),
    "replaces record() with one that emits evidence it forged": WRONG + (
        "import json\n"
        "from IPython.display import display\n"
        "import nnlib.graders.runner as _r\n"
        "def record(name, fn):\n"
        "    doc = _r.collect(name, fn)\n"
        "    for rec in doc['cases']:\n"
        "        rec.pop('raised', None)\n"
        "        rec['output'] = {'t': 'float', 'v': '0x0p+0'}\n"
        "    display({'application/vnd.nncourse.evidence+json': doc}, raw=True)\n"
        "import nnlib.graders\n"
        "nnlib.graders.record = record\n"),
    "grades itself as another student (environment variable)": CORRECT + (
        "import os\nos.environ['NNCOURSE_STUDENT_ID'] = 'somebody-else'\n"),
}


FOOLS_THE_KERNEL = {
    "replaces nnlib.checks' comparisons with ones that accept anything",
    "rewrites every later cell into a print of a fake tick (IPython input transformer)",
    "grades itself as another student (environment variable)",
}


def _run(solution: str, tmp_path, student=STUDENT):
    from nbclient import NotebookClient

    test = _test_cell()
    test.outputs = []
    nb = new_notebook(cells=[new_code_cell(SETUP), new_code_cell(solution), test])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    import os
    env_before = os.environ.get("NNCOURSE_STUDENT_ID")
    os.environ["NNCOURSE_STUDENT_ID"] = student
    try:
        NotebookClient(nb, timeout=60, allow_errors=True,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        if env_before is None:
            os.environ.pop("NNCOURSE_STUDENT_ID", None)
        else:
            os.environ["NNCOURSE_STUDENT_ID"] = env_before
    return nb.cells[2]


@pytest.mark.slow
def test_an_honest_kernel_earns_the_points(tmp_path):
    cell = _run(CORRECT, tmp_path)
    assert _score(cell) == 4, cell.outputs


@pytest.mark.slow
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_from_the_kernel_earns_nothing(attack, tmp_path):
    cell = _run(ATTACKS[attack], tmp_path)
    kernel_said = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    if attack in FOOLS_THE_KERNEL:  # the in-kernel test was fooled: it printed a tick
        assert "\u2714" in kernel_said and not any(o.output_type == "error" for o in cell.outputs)
    assert _score(cell) == 0, f"the attack that {attack} earned points; kernel printed {kernel_said!r}"
    assert not cell.metadata["nncourse"]["judgment"]["passed"]
