"""onnxruntime's shared library for the `ort` engine, found through a pip-installed `onnxruntime`."""

from __future__ import annotations

import glob
import importlib.util
import os
from typing import Optional

# The names onnxruntime's wheels give the library in `onnxruntime/capi/` (Linux, macOS, Windows).
_PATTERNS = ("libonnxruntime.so*", "libonnxruntime*.dylib", "onnxruntime.dll")


def library() -> Optional[str]:
    """`ORT_DYLIB_PATH` when set, else the library of the `onnxruntime` package importable here
    (found without importing it), else None."""
    given = os.environ.get("ORT_DYLIB_PATH")
    if given:
        return given
    try:
        spec = importlib.util.find_spec("onnxruntime")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    capi = os.path.join(list(spec.submodule_search_locations)[0], "capi")
    for pattern in _PATTERNS:
        found = sorted(p for p in glob.glob(os.path.join(capi, pattern))
                       if "providers" not in os.path.basename(p))
        if found:
            return found[-1]
    return None


def point_at_library(engine: str) -> None:
    """Lets the `auto` and `ort` engines load onnxruntime from this Python's `onnxruntime`
    package: sets `ORT_DYLIB_PATH` (read once per process, at the first model load) when unset."""
    if engine in ("auto", "ort") and not os.environ.get("ORT_DYLIB_PATH"):
        lib = library()
        if lib:
            os.environ["ORT_DYLIB_PATH"] = lib
