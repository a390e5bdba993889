"""Feedback a student can read, without the hidden tests.

nbgrader's ``GenerateFeedback`` converter runs these (``course/nbgrader_config.py``
lists them in ``GenerateFeedback.preprocessors`` and sets
``GenerateFeedback.exporter_class``), so ``course grade``, plain
``nbgrader generate_feedback`` and the Formgrader's feedback button all produce the
same page:

- ``StripHiddenTests`` replaces the hidden-test source by a placeholder and reduces
  test-cell errors to one line (a traceback could quote hidden test lines);
- ``ReadableFeedback`` names each test cell after its exercise, turns the first error
  of a failed test cell into a *diagnosis* (the error output's ``evalue``: the checks'
  message, in the lectures' terms) shown first in that cell, and summarises where
  the points were lost;
- ``FeedbackExporter`` renders the page with the template
  ``course/templates/course_feedback`` (nbgrader's feedback template, with wrapping
  diagnoses and a points summary) and renders LaTeX math as MathML at conversion
  time (``latex2mathml``), so the page needs neither internet nor JavaScript.
"""
from __future__ import annotations

import os
import re
from html import escape

from jinja2 import BytecodeCache, pass_context
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer

BEGIN = "### BEGIN HIDDEN TESTS"
END = "### END HIDDEN TESTS"
PLACEHOLDER = "# (hidden tests were run here; their source is not shown)"
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
TEMPLATE_NAME = "course_feedback"
META = "course_feedback"  # cell metadata key the template reads (feedback copy only)


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


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _is_test_cell(cell) -> bool:
    meta = _meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


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


def diagnosis(output: dict, exercise: str) -> str:
    """The sentence a student reads first in a failed test cell.

    Args:
        output: the cell's first ``error`` output (nbformat dict with ``ename``, ``evalue``).
        exercise: the exercise's name (e.g. the solution cell's grade_id ``phi``).

    Returns:
        ``evalue`` for an ``AssertionError`` (the checks' message; the trusted judge
        reports a failed judgment the same way), a sentence for an unfinished exercise
        (``NotImplementedError``) or a cell stopped at the time limit, and
        ``ExceptionName: message`` when the student's code raised anything else.
    """
    ename, evalue = output.get("ename") or "Error", (output.get("evalue") or "").strip()
    if ename == "NotImplementedError":
        return (f"Not done yet: {exercise} still raises NotImplementedError "
                "(replace `raise NotImplementedError()` with your code)."
                + (f" {evalue}" if evalue else ""))
    if ename == "CellTimeoutError":
        return "This cell ran longer than the time limit and was stopped: look for an endless loop."
    if ename == "AssertionError":
        return evalue or "The test failed (no message)."
    return f"Your code raised {ename}: {evalue}" if evalue else f"Your code raised {ename}."


HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def _heading(markdown: str) -> str | None:
    m = HEADING.search(markdown)
    return m.group(1) if m else None


def _pts(x) -> str:
    return f"{float(x):.2f}".rstrip("0").rstrip(".")


class ReadableFeedback(Preprocessor):
    """Exercise names, a diagnosis first in each failed test cell, and where points were lost.

    Runs after nbgrader's ``GetGrades`` (it reads the ``score`` that GetGrades puts in
    each graded cell's nbgrader metadata). For every test cell it writes
    ``cell.metadata.course_feedback`` (``label``: the preceding solution cell's
    grade_id, else the test's grade_id; ``heading``: the last markdown heading before
    it; ``score``/``points``; ``diagnosis``: see :func:`diagnosis`, from the first error
    output (a ``CellTimeoutError`` before the interrupt it caused); ``short``: whether
    the visible source is short enough to show open) and removes the error outputs,
    whose message became the diagnosis. ``resources["course_feedback"]`` gets
    ``rows`` (one per test cell) and ``lost`` (the sentence saying where the points
    were lost). Only the feedback copy is changed, never the gradebook.
    """

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled").tag(config=True)
    short_lines = Integer(12, help="test cells with at most this many visible lines are "
                                   "shown open; longer ones are folded").tag(config=True)

    def preprocess(self, nb, resources):
        heading, solution = None, None
        rows = []
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                heading = _heading(cell.source) or heading
                continue
            meta = _meta(cell)
            if meta.get("solution"):
                solution = meta.get("grade_id")
                continue
            if not _is_test_cell(cell):
                continue
            label = solution or meta.get("grade_id") or "test"
            solution = None  # a solution cell names the test cells up to the next solution
            score, points = meta.get("score"), meta.get("points") or 0
            info = {"label": label, "heading": heading or "", "grade_id": meta.get("grade_id"),
                    "score": _pts(score) if score is not None else "?", "points": _pts(points),
                    "lost": score is not None and float(score) < float(points),
                    "diagnosis": "",
                    "short": len(cell.source.strip().splitlines()) <= self.short_lines}
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                # a cell stopped at the time limit has the interrupt's error too
                timeout = [o for o in errors if o.get("ename") == "CellTimeoutError"]
                info["diagnosis"] = diagnosis((timeout or errors)[0], label)
                cell.outputs = [o for o in cell.outputs if o.get("output_type") != "error"]
            elif info["lost"]:
                info["diagnosis"] = "This test did not pass (no error message was recorded)."
            cell.metadata[META] = info
            rows.append(info)
        resources[META] = {"rows": rows, "lost": points_lost(rows)}
        return nb, resources


def points_lost(rows: list[dict]) -> str:
    """One sentence: where the points were lost, e.g. ``"Points were lost in phi (0/4) and
    logistic_loss (2/4)."``, or that none were."""
    lost = [f"{r['label']} ({r['score']}/{r['points']})" for r in rows if r["lost"]]
    if not rows:
        return "This notebook has no automatically graded tests."
    if not lost:
        return "No points were lost: every test passed."
    where = lost[0] if len(lost) == 1 else ", ".join(lost[:-1]) + " and " + lost[-1]
    return f"Points were lost in {where}."


def latex_to_mathml(tex: str, display: str = "inline") -> str:
    """MathML for one LaTeX formula (``display`` is ``"inline"`` or ``"block"``).

    Uses ``latex2mathml``; a formula it cannot convert is shown as its TeX source in a
    ``<code>`` element, never dropped.
    """
    from latex2mathml.converter import convert

    try:
        return convert(tex.strip(), display=display)
    except Exception:  # latex2mathml raises several exception types for unsupported TeX
        delim = "$$" if display == "block" else "$"
        return f'<code class="tex">{escape(delim + tex + delim)}</code>'


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer with math written as MathML instead of left for MathJax."""

    def block_math(self, body: str) -> str:
        return latex_to_mathml(body, "block")

    def latex_environment(self, name: str, body: str) -> str:
        return latex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")

    def inline_math(self, body: str) -> str:
        return latex_to_mathml(body, "inline")


def _render_markdown(source: str, attachments: dict, options: dict) -> str:
    renderer = MathMLRenderer(escape=False, attachments=attachments, **options)
    return MarkdownWithMath(renderer=renderer).render(source)


class Remembered:
    """Results remembered for the rest of the process, by key (at most ``size``; when
    full, it starts again empty). The feedback pages of one assignment share most of their
    cells (the release's instructions and code), so most are rendered once per run."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._results: dict = {}

    def get(self, key, compute):
        """The result remembered for ``key``, or ``compute()`` (then remembered)."""
        try:
            return self._results[key]
        except KeyError:
            pass
        if len(self._results) >= self.size:
            self._results.clear()
        value = self._results[key] = compute()
        return value


MARKDOWN_HTML = Remembered()
HIGHLIGHTED = Remembered()


class RememberedHighlight(Highlight2HTML):
    """nbconvert's ``Highlight2HTML``, remembering (``HIGHLIGHTED``) the HTML of every source
    highlighted with the same language and options: Pygments is the costliest step left in
    a feedback page, and most code cells are the release's."""

    def __call__(self, source, language=None, metadata=None):
        key = (source, language or self.pygments_lexer,
               (metadata or {}).get("magics_language"),
               repr(sorted(self.extra_formatter_options.items())))
        return HIGHLIGHTED.get(key, lambda: super(RememberedHighlight, self).__call__(
            source, language, metadata))


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates kept in this process (Jinja's own ``BytecodeCache`` hook):
    every notebook gets a new exporter and so a new Jinja environment, which would otherwise
    parse and compile the same dozen templates again for each page. An entry is used only
    while its template's source is unchanged (Jinja checks the source's checksum)."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter with the course's feedback template and MathML math.

    ``GenerateFeedback.exporter_class`` names it; its template (``course_feedback``)
    extends nbgrader's ``feedback`` template, loads no MathJax and gives every figure an
    ``alt`` text. Two costs of ``HTMLExporter`` are left out, each about as large as the
    rest of the page: compiling the templates again for every notebook (they are compiled
    once per process, ``CompiledTemplates``), and re-parsing the finished page with
    BeautifulSoup to add alt texts and the JupyterLab template's ``tabindex`` attributes
    (the template writes the alt texts; the classic template it builds on has no such
    cells to make focusable).
    """

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = COMPILED_TEMPLATES
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        """The page for ``nb``: ``HTMLExporter``'s filters (code highlighted in the
        notebook's language, widget data types), rendered by the template alone."""
        info = nb.metadata.get("language_info", {})
        lexer = info.get("pygments_lexer", info.get("name"))
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", RememberedHighlight(pygments_lexer=lexer, parent=self)))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    @pass_context
    def markdown2html(self, context, source):
        """Markdown to HTML with math as MathML (otherwise as ``HTMLExporter.markdown2html``).

        A cell without attachments is rendered once per process for the same source and
        options (``MARKDOWN_HTML``): the instructions are the same in every submission."""
        cell = context.get("cell", {})
        options = dict(embed_images=self.embed_images,
                       path=context.get("resources", {}).get("metadata", {}).get("path", ""),
                       anchor_link_text=self.anchor_link_text,
                       exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
        attachments = cell.get("attachments", {})
        if attachments:
            return _render_markdown(source, attachments, options)
        return MARKDOWN_HTML.get((source, repr(sorted(options.items()))),
                                 lambda: _render_markdown(source, {}, options))
