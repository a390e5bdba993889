"""Instructor tooling for the neural-networks course.

The ``course`` command (``course.cli``) wraps nbgrader's in-process API:

- ``course build``    generate the student release ``notebooks/`` from ``solutions/``
- ``course grade``    autograde a directory of submissions in parallel
- ``course validate`` run a notebook and its visible tests, exit non-zero on failure
- ``course demo``     build, assemble the sample class, grade it, print the gradebook

All grading state lives under ``course-data/`` in the course root; the nbgrader
configuration is in ``course/nbgrader_config.py``, loaded by the root's
``nbgrader_config.py`` (where nbgrader and its Jupyter Server extensions look for it).
"""
