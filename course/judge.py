"""The trusted judge: grades decided in the instructor's process, from evidence, after execution.

``JudgeEvidence`` is an nbgrader preprocessor placed right after the execute step in
``Autograde.autograde_preprocessors`` (see ``course/nbgrader_config.py``), so ``course grade``,
``course demo`` and plain ``nbgrader autograde`` with the course's configuration all use it.
For every graded test cell that has a checker (``nnlib.graders.for_test_cell``), it

1. keeps the cell's text output (the visible test's ✔ lines) and any error the kernel raised
   (a cell that raised gets no points, as in plain nbgrader);
2. drops every rich output of the cell (evidence, and any ``execute_result``, which nbgrader
   would otherwise read as partial credit);
3. reads the one evidence output of the course's MIME type, regenerates the student's cases
   from the student id nbgrader is grading (never from what the kernel says), and judges them
   with this process's ``nnlib`` (``nnlib.graders.judge_evidence``);
4. fails closed: no evidence, several, unreadable, for another exercise or other inputs, or
   a wrong answer, each becomes an ``AssertionError`` output whose message is the diagnosis,
   so nbgrader scores the cell 0. Nothing the kernel prints can make a cell pass.

The judgment is also stored in the cell's metadata (``metadata.nncourse.judgment``:
``passed``, ``message``, ``cases``) for reports.
"""
from __future__ import annotations

import json

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from traitlets import Bool

from nnlib.graders import evidence, for_test_cell, judge_evidence


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _kernel_failed(output) -> bool:
    return output.output_type == "error" or (
        output.output_type == "stream" and output.get("name") == "stderr")


def _evidence_docs(outputs) -> list:
    docs = []
    for o in outputs:
        if o.output_type in ("display_data", "execute_result") and evidence.MIME in o.get("data", {}):
            doc = o["data"][evidence.MIME]
            if isinstance(doc, str):
                try:
                    doc = json.loads(doc)
                except ValueError:
                    doc = None
            docs.append(doc)
    return docs


def failure_output(message: str):
    """The error output that records a failed judgment (one line, no traceback)."""
    return new_output("error", ename="AssertionError", evalue=message,
                      traceback=[f"AssertionError: {message}"])


def judge_cell(cell, assignment: str, student: str | None) -> dict | None:
    """Judge one executed test cell in place; return the judgment dict, or None when the
    cell has no checker (nbgrader's own rule then applies)."""
    if not _is_test_cell(cell):
        return None
    ex = for_test_cell(assignment, cell.metadata["nbgrader"].get("grade_id", ""))
    if ex is None:
        return None
    outputs = list(cell.get("outputs", []))
    docs = _evidence_docs(outputs)
    kept = [o for o in outputs if o.output_type in ("stream", "error")]
    failed = [o for o in kept if _kernel_failed(o)]
    if failed:
        first = failed[0]
        passed, cases = False, 0
        message = (f"{first.get('ename', 'Error')}: {first.get('evalue', '')}"
                   if first.output_type == "error" else
                   f"the test cell wrote to stderr: {first.get('text', '').strip()[:500]}")
    elif not student:
        passed, message, cases = False, "no student id: the cases cannot be regenerated", 0
    elif len(docs) != 1:
        passed, cases = False, 0
        message = ("the test cell recorded no evidence of your results, so it gets no points "
                   "(did the hidden block run?)" if not docs else
                   f"the test cell recorded {len(docs)} evidence outputs where one is expected")
    else:
        verdict = judge_evidence(ex, student, docs[0])
        passed, message, cases = verdict.passed, verdict.message, verdict.cases
    if passed:
        kept.append(new_output("stream", name="stdout",
                               text=f"\u2714 graded outside your kernel: {message}\n"))
    elif not failed:
        kept.append(failure_output(message))
    cell.outputs = kept
    judgment = {"exercise": ex.name, "passed": passed, "message": message, "cases": cases}
    cell.metadata.setdefault("nncourse", {})["judgment"] = judgment
    return judgment


class JudgeEvidence(Preprocessor):
    """nbgrader autograde step: judge every graded test cell that has a checker (see the
    module docstring). Reads the assignment and student from nbgrader's resources."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {}) or {}
        assignment, student = info.get("assignment", ""), info.get("student")
        for cell in nb.cells:
            judgment = judge_cell(cell, assignment, student)
            if judgment and not judgment["passed"]:
                self.log.info("judge: %s/%s %s: %s", student, assignment,
                              judgment["exercise"], judgment["message"])
        return nb, resources
