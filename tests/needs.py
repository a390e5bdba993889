"""Skip a test whose system tool is missing, except in CI (``$CI`` set), where that fails
it: CI installs every tool (``.ci/run``), so a missing one is a broken set-up, never a
silently skipped proof. Not a test module."""
import os

import pytest


def require(problem):
    """``problem``: None, or why the tool cannot run here."""
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide this: {problem}")
        pytest.skip(problem)
