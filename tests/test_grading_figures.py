"""Figures of a graded notebook are drawn once, at 72 dpi (``KERNEL_CONFIG``), in the
kernel that grading starts, and the configuration is that kernel's alone."""
import base64
import struct

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from needs import require

from course import sandbox
from course.engine import Engine
from course.execute_task import ExecutionRequest, execute_notebook

pytestmark = pytest.mark.slow

FIGURE = """%matplotlib inline
import matplotlib.pyplot as plt
plt.figure(figsize=(2, 1))
plt.plot([0, 1], [0, 1])
plt.title("a title that a tight bounding box would take in")
plt.show()
"""


def _png_size(b64: str) -> tuple[int, int]:
    data = base64.b64decode(b64)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])   # IHDR: width, height


def test_a_graded_figure_is_drawn_at_72_dpi_without_the_tight_box(tmp_path):
    require(sandbox.problem())
    nb = new_notebook(cells=[new_code_cell(FIGURE)],
                      metadata={"kernelspec": {"name": "python3", "language": "python",
                                               "display_name": "Python 3"}})
    request = ExecutionRequest(nbformat.writes(nb), "figure.ipynb", "ada")
    with Engine(1) as engine:
        result = engine.client.submit(execute_notebook, request, pure=False).result(180)
    assert result.error == "", result.error
    done = nbformat.reads(result.notebook, as_version=4)
    pngs = [o["data"]["image/png"] for o in done.cells[0].outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 1, done.cells[0].outputs
    # 2 x 1 inches at 72 dpi, the whole figure: matplotlib's 100 dpi would give 200 x 100,
    # and the tight bounding box would crop or grow it around the title
    assert _png_size(pngs[0]) == (144, 72)
