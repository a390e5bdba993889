"""End to end, in a real browser: JupyterLab and nbgrader's extensions on a copy of the course.

One ``jupyter lab`` (started here on 127.0.0.1, a free port, a token, no browser of its
own, the venv NOT on PATH as when started as ``.venv/bin/jupyter lab``) serves a
temporary copy of the course; Playwright drives Debian's ``chromium`` (headless, no
sandbox, background networking off, a fresh profile). Every wait is bounded. Screenshots
of each step go to ``test-artifacts/browser/`` (git-ignored).

What is proven:

- each release notebook: *Run All* stops at the first test cell of the first exercise,
  with its ``NotImplementedError``, and runs nothing after it;
- each solution notebook: *Run All* runs every cell, no error output, and every test
  cell prints a line starting with ✔;
- notebook 01's ipywidgets explorer is a live control: moving a slider redraws the figure;
- a notebook saved by JupyterLab still matches ``course build --check``;
- the Formgrader lists every assignment and, after a small sample class is graded, its
  submissions, and manual grading opens one;
- the Assignment List fetches a released assignment, its Validate button reports the
  release's failure, and it submits through the exchange; the notebook toolbar's
  Validate button reports success on a solved notebook;
- a feedback page shows the whole diagnosis, wrapped, first in its cell, and rendered
  math, loading nothing from the network.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from course.build import build, check
from course.grade import grade
from course.paths import assignment_ids
from course.sample_class import BLANK, REFERENCE, assemble
from course.submission import nbgrader_meta, student_submission

REPO = Path(__file__).resolve().parent.parent
IDS = assignment_ids(REPO)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts" / "browser"
BIN = Path(sys.executable).parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync",
                 # several notebooks run at once, each in its own tab: none is throttled
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]
PARALLEL = 3  # notebooks run at once (their kernels share the cores)
GRADED = "02-xor"  # the assignment graded, released and validated here (a quick one)
SERVER_START = 120  # seconds, bounds on every wait
KERNEL_READY = 90
RUN_ALL = 240
DIALOG = 180

pytestmark = [pytest.mark.slow, pytest.mark.browser]

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover
    sync_playwright = None

if sync_playwright is None or not os.path.exists(CHROMIUM):
    reason = "needs the playwright package (dev extra) and Debian's chromium (.ci/run installs it)"
    if os.environ.get("CI"):
        raise RuntimeError(reason)  # CI must run the browser tests, not skip them
    pytest.skip(reason, allow_module_level=True)
if not IDS:
    pytest.skip("no assignments yet", allow_module_level=True)

# JavaScript run in the page (JupyterLab started with expose_app_in_browser)
KERNEL_IDLE = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!(k && k.status === 'idle'); }"""
RUN_ALL_DONE = """() => { const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session.kernel;
  const code = w.content.model.toJSON().cells.filter(c => c.cell_type === 'code');
  const failed = code.some(c => (c.outputs || []).some(o => o.output_type === 'error'));
  return k.status === 'idle' && (failed || code.every(c => c.execution_count !== null)); }"""
NOTEBOOK_JSON = "() => window.jupyterapp.shell.currentWidget.content.model.toJSON()"
ERROR_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"


def shot(page, name: str) -> Path:
    """Save a screenshot of the page as ``test-artifacts/browser/<name>.png`` (the tab is
    brought to the front first and given a moment to paint what was scrolled to)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.bring_to_front()
    page.wait_for_timeout(400)
    page.screenshot(path=str(path))
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A ``jupyter lab`` serving ``root``; ``url(path)`` adds the token."""

    def __init__(self, root: Path, home: Path):
        self.root, self.port, self.token = root, _free_port(), secrets.token_hex(16)
        dirs = {k: home / k for k in ("config", "data", "runtime", "settings", "workspaces")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        # no announcements toast (it would ask to fetch news from the internet)
        (dirs["config"] / "labconfig").mkdir(exist_ok=True)
        (dirs["config"] / "labconfig" / "page_config.json").write_text(json.dumps(
            {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(dirs["config"]),
                   JUPYTER_DATA_DIR=str(dirs["data"]), JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
                   JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
                   JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
                   PATH=os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                                        if Path(p).resolve() != BIN.resolve()) or "/usr/bin:/bin")
        self.log = open(home / "jupyter-lab.log", "w")
        self.proc = subprocess.Popen(
            [str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
             "--LabApp.extension_manager=readonly"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + SERVER_START
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {(home / 'jupyter-lab.log').read_text()}")
            try:
                self.api("GET", "api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"jupyter lab did not answer in {SERVER_START} s")
                time.sleep(0.5)

    def url(self, path: str, **query) -> str:
        q = "&".join([f"token={self.token}", *(k if v is True else f"{k}={v}"
                                                for k, v in query.items())])
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}?{q}"

    def api(self, method: str, path: str):
        req = urllib.request.Request(self.url(path), method=method)
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self, paths=None) -> None:
        """Shut down the kernels of the notebooks ``paths`` (default: all)."""
        for session in self.api("GET", "api/sessions") or []:
            if paths is None or session.get("path") in paths:
                self.api("DELETE", f"api/sessions/{session['id']}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the server's own group: its kernels
                self.proc.wait(10)
        self.log.close()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the course (solutions, release, mistakes, root nbgrader_config.py), built
    (assignments recorded in its gradebook), with each release notebook copied to
    ``student/<id>/`` and each solution notebook to ``work/<id>/`` to be run there."""
    root = tmp_path_factory.mktemp("browser-course")
    for name in ("solutions", "notebooks"):
        shutil.copytree(REPO / name, root / name)
    shutil.copytree(REPO / "course" / "sample", root / "course" / "sample")
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    build(root)
    for aid in IDS:
        for src, dest in (("notebooks", "student"), ("solutions", "work")):
            (root / dest / aid).mkdir(parents=True)
            shutil.copy(root / src / aid / f"{aid}.ipynb", root / dest / aid / f"{aid}.ipynb")
    return root


@pytest.fixture(scope="module")
def lab(course, tmp_path_factory):
    server = Lab(course, tmp_path_factory.mktemp("lab-home"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900})
        ctx.set_default_timeout(60_000)
        yield ctx
        ctx.close()


@pytest.fixture
def page(browser, lab):
    """A fresh tab; its kernels are shut down afterwards."""
    pg = browser.new_page()
    yield pg
    pg.close()
    lab.shutdown_kernels()


def open_notebook(page, lab, rel: str) -> None:
    """Open ``rel`` (relative to the server root) in JupyterLab and wait for its kernel."""
    page.goto(lab.url(f"lab/tree/{rel}", reset=True))
    page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_READY * 1000, polling=250)


def is_test(cell) -> bool:
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def stdout_lines(cell) -> list[str]:
    return [ln for o in cell.get("outputs", []) if o.get("output_type") == "stream"
            for ln in o.get("text", "").splitlines()]


def run_many(browser, lab, rels, after, keep=()) -> dict:
    """Run All in each notebook of ``rels``, ``PARALLEL`` at a time, each in its own tab.

    ``after(rel, page, nb)`` is called when a notebook has finished (to take its
    screenshot). Returns ``rel -> notebook`` (as JupyterLab holds it after the run) or
    ``rel -> Exception`` (a wait that ran out, with a screenshot). The tabs of ``keep``
    stay open with their kernels: ``rel -> page`` in ``run_many.kept``.
    """
    results, pending = {}, list(rels)
    while pending:
        batch, pending = pending[:PARALLEL], pending[PARALLEL:]
        pages = {rel: browser.new_page() for rel in batch}
        try:
            for rel, pg in pages.items():
                pg.goto(lab.url(f"lab/tree/{rel}", reset=True))
            for rel, pg in pages.items():
                try:
                    pg.wait_for_function(KERNEL_IDLE, timeout=KERNEL_READY * 1000, polling=250)
                    pg.get_by_role("menuitem", name="Run", exact=True).click()
                    pg.get_by_role("menuitem", name="Run All Cells", exact=True).click()
                except Exception as e:  # playwright's TimeoutError and others
                    results[rel] = e
            for rel, pg in pages.items():
                if rel in results:
                    continue
                try:
                    pg.wait_for_function(RUN_ALL_DONE, timeout=RUN_ALL * 1000, polling=500)
                    results[rel] = nbformat.from_dict(pg.evaluate(NOTEBOOK_JSON))
                    after(rel, pg, results[rel])
                except Exception as e:
                    results[rel] = e
                    shot(pg, "failed-" + rel.replace("/", "-"))
        finally:
            for rel, pg in pages.items():
                if rel in keep and not isinstance(results.get(rel), Exception):
                    run_many.kept[rel] = pg
                else:
                    pg.close()
            lab.shutdown_kernels([r for r in batch if r not in run_many.kept])
    return results


run_many.kept = {}


def _result(runs, rel):
    nb = runs[rel]
    if isinstance(nb, Exception):
        pytest.fail(f"{rel}: Run All did not finish: {type(nb).__name__}: {nb}")
    return nb


@pytest.fixture(scope="module")
def release_runs(browser, lab):
    def after(rel, page, nb):
        if page.locator(ERROR_OUTPUT).count():
            page.locator(ERROR_OUTPUT).first.scroll_into_view_if_needed()
        shot(page, f"release-{rel.split('/')[1]}-run-all")
    return run_many(browser, lab, [f"student/{aid}/{aid}.ipynb" for aid in IDS], after)


@pytest.mark.parametrize("aid", IDS)
def test_release_run_all_stops_at_the_first_exercise(release_runs, aid):
    nb = _result(release_runs, f"student/{aid}/{aid}.ipynb")
    failed = [i for i, c in enumerate(nb.cells) if errors(c)]
    assert failed, f"{aid}: Run All on the release raised nothing"
    first_solution = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("solution"))
    first_test = next(i for i, c in enumerate(nb.cells) if is_test(c) and i > first_solution)
    assert failed[0] == first_test, (
        f"{aid}: Run All stopped at cell {failed[0] + 1}, not at the first test cell "
        f"{first_test + 1} ({nbgrader_meta(nb.cells[first_test]).get('grade_id')})")
    assert errors(nb.cells[first_test])[0]["ename"] == "NotImplementedError"
    ran_after = [i + 1 for i, c in enumerate(nb.cells[first_test + 1:], first_test + 1)
                 if c.cell_type == "code" and c.get("execution_count") is not None]
    assert not ran_after, f"{aid}: cells {ran_after} ran after the error"


EXPLORER = "work/01-adaptive-basis/01-adaptive-basis.ipynb"


@pytest.fixture(scope="module")
def solution_runs(browser, lab):
    def after(rel, page, nb):
        passed = page.locator(".jp-Cell").filter(has_text="✔")
        if passed.count():
            passed.last.scroll_into_view_if_needed()
        shot(page, f"solution-{rel.split('/')[1]}-run-all")
    return run_many(browser, lab, [f"work/{aid}/{aid}.ipynb" for aid in IDS], after,
                    keep={EXPLORER})


def _check_solution_run(nb, aid):
    bad = [(i + 1, e["ename"], e["evalue"][:200]) for i, c in enumerate(nb.cells)
           for e in errors(c)]
    assert not bad, f"{aid}: error outputs in the solution notebook: {bad}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") is not None for c in code), f"{aid}: not every cell ran"
    silent = [nbgrader_meta(c)["grade_id"] for c in nb.cells
              if is_test(c) and not any(ln.startswith("✔") for ln in stdout_lines(c))]
    assert not silent, f"{aid}: test cells that print no line starting with ✔: {silent}"


@pytest.mark.parametrize("aid", IDS)
def test_solution_run_all_passes_every_visible_test(solution_runs, aid):
    _check_solution_run(_result(solution_runs, f"work/{aid}/{aid}.ipynb"), aid)


WIDGET_IMG = ".jp-OutputArea-output:has(.widget-slider) img"


@pytest.mark.skipif("01-adaptive-basis" not in IDS, reason="notebook 01 has the explorer")
def test_explorer_widget_is_live_and_a_slider_redraws_the_figure(solution_runs, lab):
    _check_solution_run(_result(solution_runs, EXPLORER), "01-adaptive-basis")
    page = run_many.kept.pop(EXPLORER)
    try:
        assert page.locator("text=Loading widget").count() == 0
        sliders = page.locator(".widget-slider")
        assert sliders.count() >= 9, "the explorer's nine sliders are not rendered"
        img = page.locator(WIDGET_IMG).first
        img.wait_for(timeout=30_000)
        sliders.first.scroll_into_view_if_needed()
        shot(page, "widget-01-before")
        before = img.get_attribute("src")
        readout = page.locator(".widget-slider .widget-readout").first
        start = readout.inner_text()
        page.locator(".widget-slider .noUi-handle").first.focus()
        for _ in range(15):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([sel, old]) => { const i = document.querySelector(sel); "
            "return !!i && i.getAttribute('src') !== old; }",
            arg=[WIDGET_IMG, before], timeout=30_000, polling=250)
        assert readout.inner_text() != start
        # the fifteen key presses redraw the figure several times: wait (bounded) until the
        # image stops changing before the screenshot
        last, deadline = None, time.monotonic() + 20
        while time.monotonic() < deadline:
            src = page.evaluate("(sel) => { const i = document.querySelector(sel); "
                                "return i ? i.getAttribute('src') : null; }", WIDGET_IMG)
            if src is not None and src == last:
                break
            last = src
            time.sleep(0.5)
        sliders.first.scroll_into_view_if_needed()
        shot(page, "widget-01-after-moving-u1")
    finally:
        page.close()
        lab.shutdown_kernels([EXPLORER])


def test_a_notebook_saved_by_jupyterlab_still_matches_the_build(page, lab, course):
    rel = f"notebooks/{GRADED}/{GRADED}.ipynb"
    before = (course / rel).read_text()
    open_notebook(page, lab, rel)
    page.locator(".jp-Notebook").first.click()
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while (course / rel).read_text() == before and time.monotonic() < deadline:
        time.sleep(0.25)
    assert (course / rel).read_text() != before, "JupyterLab did not save the notebook"
    notes: list[str] = []
    assert check(course, [GRADED], notes=notes) == []
    assert notes and "metadata JupyterLab writes" in notes[0], notes


@pytest.fixture(scope="module")
def graded(course):
    """A small sample class of GRADED (reference, blank, the first typical mistake),
    graded into the course copy's gradebook; ``(outcomes by student, mistake student)``."""
    subs = course / "sample-submissions"
    roster = assemble(course, subs, [GRADED])
    mistaken = sorted(s for s in roster if s not in (REFERENCE, BLANK))[0]
    for student in sorted(roster):
        if student not in (REFERENCE, BLANK, mistaken):
            shutil.rmtree(subs / student)
    outcomes = grade(course, GRADED, subs, jobs=2, progress=False)
    return {o.student: o for o in outcomes}, mistaken


def test_formgrader_lists_assignments_then_the_graded_submissions(page, lab, graded):
    page.goto(lab.url("formgrader"))
    for aid in IDS:
        page.locator("td", has_text=aid).first.wait_for(timeout=30_000)
    shot(page, "formgrader-assignments")
    outcomes, mistaken = graded
    assert all(o.score is not None for o in outcomes.values()), outcomes
    page.goto(lab.url(f"formgrader/manage_submissions/{GRADED}"))
    for student in outcomes:
        page.locator("td", has_text=student).first.wait_for(timeout=30_000)
    shot(page, "formgrader-submissions")
    page.goto(lab.url(f"formgrader/gradebook/{GRADED}/{GRADED}"))
    page.get_by_role("link", name="Submission #1").click()
    page.locator(".cell, .nbgrader_cell").first.wait_for(timeout=60_000)
    shot(page, "formgrader-manual-grading")
    # the Formgrader used the course's gradebook: nothing stray at the course root
    course = lab.root
    assert not (course / "gradebook.db").exists() and not (course / "grades.csv").exists()


def test_feedback_page_shows_the_whole_diagnosis_wrapped_and_rendered_math(browser, graded,
                                                                         course):
    outcomes, mistaken = graded
    html = course / "course-data" / "feedback" / mistaken / GRADED / f"{GRADED}.html"
    autograded = nbformat.read(course / "course-data" / "autograded" / mistaken / GRADED
                               / f"{GRADED}.ipynb", as_version=4)
    evalues = [errors(c)[0]["evalue"] for c in autograded.cells if is_test(c) and errors(c)]
    assert evalues, f"{mistaken}'s mistake raised no error in a test cell"
    page = browser.new_page()
    page.set_viewport_size({"width": 1000, "height": 800})
    remote = []
    page.on("request", lambda r: remote.append(r.url) if not r.url.startswith(
        ("file:", "data:")) else None)
    try:
        page.goto(html.as_uri())
        diag = page.locator("div.diagnosis").first
        diag.scroll_into_view_if_needed()
        shot(page, "feedback-diagnosis")
        assert " ".join(diag.inner_text().split()) == " ".join(evalues[0].split())
        assert diag.evaluate("e => e.scrollWidth <= e.clientWidth"), "the diagnosis overflows"
        box = diag.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1000
        # it stands first in its cell: before the test's source
        assert diag.evaluate("e => { const src = e.parentElement.querySelector('.input_area');"
                             " return !src || !!(e.compareDocumentPosition(src) & 4); }")
        assert page.locator("text=Points were lost in").count() == 1
        maths = page.locator("math")
        assert maths.count() > 5
        first = maths.first
        first.scroll_into_view_if_needed()
        assert first.bounding_box()["width"] > 0
        prose = " ".join(page.locator(".text_cell_render").all_inner_texts())
        assert "$\\" not in prose and "\\frac" not in prose, "raw TeX left in the text"
        page.locator("#toc").scroll_into_view_if_needed()
        shot(page, "feedback-summary")
    finally:
        page.close()
    assert not remote, f"the feedback page loaded from the network: {remote[:5]}"


def _dialog_text(page) -> str:
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=DIALOG * 1000)
    page.wait_for_timeout(300)
    return dialog.inner_text()


def test_assignment_list_fetches_validates_and_submits(page, lab, course):
    out = subprocess.run([str(BIN / "nbgrader"), "release_assignment", GRADED, "--force"],
                         cwd=course, capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, PATH="/usr/bin:/bin"))
    assert out.returncode == 0, out.stdout + out.stderr
    page.goto(lab.url("lab", reset=True))
    page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    page.get_by_role("menuitem", name="Assignment List").click()
    released = page.locator("#released_assignments_list")
    released.get_by_text(GRADED).wait_for(timeout=60_000)
    shot(page, "assignment-list-released")
    released.get_by_role("button", name="Fetch").click()
    fetched = page.locator("#fetched_assignments_list")
    fetched.get_by_text(GRADED).first.wait_for(timeout=60_000)
    assert (course / GRADED / f"{GRADED}.ipynb").is_file()
    fetched.locator("a.assignment-notebooks-link").first.click()
    fetched.get_by_role("button", name="Validate").click()
    text = _dialog_text(page)
    shot(page, "assignment-list-validate-release")
    assert "failed" in text and "NotImplementedError" in text, text[:500]
    page.locator(".jp-Dialog").get_by_role("button").last.click()
    fetched.get_by_role("button", name="Submit").click()
    page.locator("#submitted_assignments_list").get_by_text(GRADED).first.wait_for(
        timeout=60_000)
    shot(page, "assignment-list-submitted")
    inbound = course / "course-data" / "exchange" / "nncourse" / "inbound"
    assert any(p.name.split("+")[1] == GRADED for p in inbound.iterdir())


def test_validate_button_reports_success_on_a_solved_notebook(page, lab, course):
    release = nbformat.read(course / "notebooks" / GRADED / f"{GRADED}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / GRADED / f"{GRADED}.ipynb", as_version=4)
    (course / "solved" / GRADED).mkdir(parents=True)
    nbformat.write(student_submission(release, source),
                   course / "solved" / GRADED / f"{GRADED}.ipynb")
    open_notebook(page, lab, f"solved/{GRADED}/{GRADED}.ipynb")
    page.get_by_role("button", name="Validate").click()
    text = _dialog_text(page)
    shot(page, "validate-button-solution")
    assert "Success" in text and "failed" not in text, text[:500]
