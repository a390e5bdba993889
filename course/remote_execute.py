"""The trusted half of grading: nbgrader's execute step, handed to an executor.

``SandboxedExecute`` takes the place of nbgrader's ``Execute`` in
``Autograde.autograde_preprocessors`` (see ``course.nbgrader_config.autograde_preprocessors``).
It sends the prepared notebook (test cells and hidden tests already restored by
nbgrader's sanitize steps) and the other files of its directory to an executor as a
``course.execute_task.ExecutionRequest`` and returns the executed notebook; nbgrader's
remaining steps score it in this process. It is a subclass of ``Execute``, so
``Execute.timeout`` and the other execution settings of the course configuration apply,
and it adds the sandbox settings below (``--SandboxedExecute.sandbox=False`` on
nbgrader's command line turns the sandbox off).

``SandboxedExecute.bound(executor)`` makes a subclass that hands notebooks to
``executor`` (a ``course.executor.Executor``); unbound, the notebook is executed in
this process (still sandboxed), which is what plain ``nbgrader autograde`` does.
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Integer

from course.sandbox import Limits, MiB
from course.execute_task import ExecutionRequest, execute_notebook

MAX_FILES_BYTES = 200 * MiB
OPTIONS = ("timeout", "startup_timeout", "interrupt_on_timeout", "raise_on_iopub_timeout",
           "error_on_timeout", "allow_errors", "extra_arguments", "iopub_timeout",
           "record_timing", "store_widget_state")


class ExecutionError(Exception):
    """The executor returned no usable notebook; nbgrader then fails this submission
    (the message is the reason shown in grades.csv)."""


def directory_files(path: Path, exclude: str) -> dict[str, bytes]:
    """``{relative posix path: bytes}`` of the regular files below ``path`` except
    ``exclude`` (a file name in ``path``). Symbolic links are never followed or sent.

    Raises:
        ExecutionError: the files add up to more than MAX_FILES_BYTES.
    """
    path = Path(path)
    files, total = {}, 0
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
        for name in filenames:
            full = Path(dirpath) / name
            rel = full.relative_to(path).as_posix()
            if rel == exclude or full.is_symlink() or not full.is_file():
                continue
            total += full.stat().st_size
            if total > MAX_FILES_BYTES:
                raise ExecutionError(f"the submission's files exceed {MAX_FILES_BYTES >> 20} MiB")
            files[rel] = full.read_bytes()
    return files


class SandboxedExecute(Execute):
    """nbgrader's execute step, run by an executor in a bubblewrap sandbox."""

    sandbox = Bool(True, help="Run each kernel in the bubblewrap sandbox (course.sandbox); "
                   "False runs student code with the grader's rights.").tag(config=True)
    memory_limit = Integer(Limits.memory, help="Address-space limit of each "
                           "process of the sandbox, bytes.").tag(config=True)
    process_limit = Integer(Limits.processes, help="Processes plus threads the "
                            "sandbox may run.").tag(config=True)
    file_size_limit = Integer(Limits.file_size, help="Largest file the sandbox may "
                              "write, bytes.").tag(config=True)
    deadline = Float(Limits.deadline, help="Wall-clock seconds for a whole notebook, "
                     "kernel start included; then every process of the sandbox is killed."
                     ).tag(config=True)

    executor = None  # set by bound(); None: execute in this process

    @classmethod
    def bound(cls, executor) -> type:
        """A subclass whose notebooks go to ``executor`` (callable: request -> result)."""
        return type(cls.__name__, (cls,), {"executor": executor})

    def limits(self) -> Limits:
        """The sandbox's ``Limits`` from this step's settings."""
        return Limits(memory=self.memory_limit, processes=self.process_limit,
                              file_size=self.file_size_limit, cell_timeout=self.timeout,
                              deadline=self.deadline)

    def request(self, nb, resources) -> ExecutionRequest:
        """The ``ExecutionRequest`` for ``nb`` (its directory is resources' metadata path)."""
        path = Path(resources.get("metadata", {}).get("path") or ".")
        meta = resources.get("nbgrader", {})
        name = f"{meta.get('notebook', 'notebook')}.ipynb"
        return ExecutionRequest(
            notebook=nbformat.writes(nb), name=name, student=str(meta.get("student", "")),
            files=directory_files(path, exclude=name), limits=self.limits(),
            sandboxed=self.sandbox, options={k: getattr(self, k) for k in OPTIONS})

    def preprocess(self, nb, resources=None, km=None):
        """Execute ``nb`` through the executor; return the executed notebook.

        Raises:
            ExecutionError: the kernel died, the sandbox could not start, the deadline
                passed, or the executor lost the task.
        """
        request = self.request(nb, resources or {})
        result = (self.executor or execute_notebook)(request)
        if result.killed:
            raise ExecutionError(result.killed)
        if result.error:
            raise ExecutionError(result.error)
        return nbformat.reads(result.notebook, as_version=4), resources
