"""Shared set-up of the audio tests: Hypothesis caches in the temp dir (see tests/api)."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "mimo-hypothesis")
)
