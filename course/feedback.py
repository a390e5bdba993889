"""Feedback sanitising: what students see must not reveal the hidden tests.

``StripHiddenTests`` is an nbconvert preprocessor that nbgrader's
``GenerateFeedback`` converter runs (it is listed in
``GenerateFeedback.preprocessors`` by ``course/nbgrader_config.py``), so both
``course grade`` and plain ``nbgrader generate_feedback`` produce safe HTML.
"""
from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

BEGIN = "### BEGIN HIDDEN TESTS"
END = "### END HIDDEN TESTS"
PLACEHOLDER = "# (hidden tests were run here; their source is not shown)"


def strip_hidden_source(source: str) -> str:
    """Replace each ``### BEGIN HIDDEN TESTS`` .. ``### END HIDDEN TESTS`` region
    (delimiter lines included) by one placeholder comment, keeping its indentation.

    An unterminated region is removed to the end of the cell.
    """
    out, hidden = [], False
    for line in source.split("\n"):
        if not hidden and BEGIN in line:
            hidden = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + PLACEHOLDER)
        elif hidden:
            if END in line:
                hidden = False
        else:
            out.append(line)
    return "\n".join(out)


def short_error(output: dict) -> dict:
    """An ``error`` output reduced to one line ``ExceptionName: message``
    (the traceback could quote hidden test lines)."""
    ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
    output["traceback"] = [f"{ename}: {evalue}" if evalue else ename]
    return output


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


class StripHiddenTests(Preprocessor):
    """Remove hidden-test source and reduce test-cell errors to one line."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        hidden = BEGIN in cell.get("source", "")
        if hidden:
            cell.source = strip_hidden_source(cell.source)
        if cell.cell_type == "code" and (hidden or _is_test_cell(cell)):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    short_error(output)
        return cell, resources
