import os

# One BLAS thread: nnlib's matrices are small, and the graders and nbval run several kernels at
# once on a 2-core machine, where multi-threaded BLAS oversubscribes the cores. Set before numpy
# is imported here, and inherited by every notebook kernel the tests start.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # tests draw figures without a screen
os.environ.setdefault("MPLBACKEND", "Agg")


import pytest  # noqa: E402


START = os.getcwd()


@pytest.fixture(autouse=True)
def _same_working_directory():
    """Every test starts in the directory pytest started in: nbgrader's converters change the
    process's working directory while they run, and a test must not depend on another's."""
    os.chdir(START)
    yield
    os.chdir(START)
