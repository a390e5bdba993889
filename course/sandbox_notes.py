"""Notes for the grade sheet about a notebook that ran into its sandbox.

``limit_notes(nb, limits)`` looks at the error outputs of an executed notebook and names
the cells whose error says the sandbox stopped something: memory (``MemoryError``), the
file-size limit (``EFBIG``), the process limit (``EAGAIN`` from fork/thread start), the
network (there is none), a read-only or forbidden path. An instructor reads these in
``grades.csv``: such a cell is either a mistake or an attempt to leave the sandbox.
"""
from __future__ import annotations

import errno
import re

from course.sandbox import GiB, Limits
from course.submission import nbgrader_meta

ERRNO = re.compile(r"\[Errno (\d+)\]")


def _why(ename: str, evalue: str, limits: Limits) -> str | None:
    if ename == "MemoryError":
        return f"ran out of memory (the sandbox allows {limits.memory / GiB:g} GiB per process)"
    m = ERRNO.search(evalue)
    code = int(m.group(1)) if m else None
    if code == errno.EFBIG:
        return f"hit the file-size limit ({limits.file_size / GiB:g} GiB)"
    if code == errno.EAGAIN or ename == "BlockingIOError" or "can't start new thread" in evalue:
        return f"hit the process limit ({limits.processes} processes and threads)"
    if code in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNREFUSED, errno.EADDRNOTAVAIL):
        return "tried to use the network (the sandbox has none)"
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"was refused by the sandbox ({ename}: {evalue[:120]})"
    return None


def limit_notes(nb, limits: Limits) -> list[str]:
    """One note per code cell whose first sandbox-related error is listed above.

    Args:
        nb: executed notebook (nbformat node).
        limits: the limits it ran under (for the figures in the notes).

    Returns:
        ``["cell <grade_id or #n> <why>", ...]`` in notebook order.
    """
    notes = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") != "error":
                continue
            why = _why(out.get("ename", ""), str(out.get("evalue", "")), limits)
            if why:
                notes.append(f"cell {nbgrader_meta(cell).get('grade_id') or f'#{i + 1}'} {why}")
                break
    return notes
