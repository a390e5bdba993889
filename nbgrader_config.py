"""nbgrader's configuration for this course, where nbgrader looks for it.

nbgrader's commands and its Jupyter Server extensions (Formgrader, Assignment List,
Validate) read ``nbgrader_config.py`` from the directory they start in, so
``nbgrader autograde 02-xor`` and ``jupyter lab`` started here need no flag. The
settings themselves are in ``course/nbgrader_config.py`` (one source of truth); the
course root is this file's directory.
"""
import os

from course.nbgrader_config import course_config

c = get_config()  # noqa: F821 (injected by traitlets when it loads this file)
c.merge(course_config(os.path.dirname(os.path.abspath(__file__))))
