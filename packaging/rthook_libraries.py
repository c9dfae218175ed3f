"""PyInstaller runtime hook: ctypes finds the libraries the bundle carries (Linux).

sounddevice loads PortAudio through ``ctypes.util.find_library("portaudio")``, which on
Linux asks ldconfig about the system's libraries only, so the bundle's own
``libportaudio.so.2`` would never be found on a machine without PortAudio. This runs
before the app imports anything and looks in the bundle first.
"""

import ctypes.util
import glob
import os
import sys


def _install() -> None:
    if not sys.platform.startswith("linux") or not hasattr(sys, "_MEIPASS"):
        return
    system_find_library = ctypes.util.find_library
    bundle = sys._MEIPASS

    def find_library(name: str) -> str | None:
        for path in sorted(glob.glob(os.path.join(bundle, f"lib{name}.so*"))):
            return path
        return system_find_library(name)

    ctypes.util.find_library = find_library


_install()
