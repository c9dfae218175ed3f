"""Shared set-up of the API tests.

Hypothesis keeps its caches in ``./.hypothesis`` by default; pyproject's
``norecursedirs`` replaces pytest's defaults, so that directory in the repo root
makes collection warn (and warnings are errors). Keep the caches in the temp dir.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "mimo-hypothesis")
)
