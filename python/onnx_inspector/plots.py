"""The library's charts (the CLI's `plot`) from an explanation: into a file, or as PNG bytes
that Jupyter shows.

    import onnx_inspector.plots as oip
    oip.waterfall(exp, row=0)                  # PNG bytes, displayed in a notebook
    oip.beeswarm(exp, path="beeswarm.svg")     # a file (SVG by its extension)
"""

from __future__ import annotations

import os
import tempfile
from typing import Optional, Union

from ._explanation import report_of


class PNG(bytes):
    """PNG bytes that Jupyter displays as an image."""

    def _repr_png_(self) -> bytes:
        return bytes(self)


def _draw(exp, kind: str, path, **kw) -> Union[PNG, str]:
    report = report_of(exp)
    if path is not None:
        path = os.fspath(path)
        report.chart(kind, path, svg=path.lower().endswith(".svg"), **kw)
        return path
    with tempfile.TemporaryDirectory() as d:
        target = os.path.join(d, f"{kind}.png")
        report.chart(kind, target, **kw)
        with open(target, "rb") as f:
            return PNG(f.read())


def waterfall(exp, row: int = 0, output: Optional[Union[int, str]] = None,
              top: Optional[int] = None, path=None):
    """One row's attributions from E[f(X)] to f(x), with ±1 standard error bars when known;
    `output` defaults to the row's predicted output."""
    return _draw(exp, "waterfall", path, row=row, output=_name(output), top=top)


def bar(exp, row: int = 0, output: Optional[Union[int, str]] = None, top: Optional[int] = None,
        path=None):
    """One row's signed attributions of its `top` features."""
    return _draw(exp, "bar", path, row=row, output=_name(output), top=top)


def global_bar(exp, output: Optional[Union[int, str]] = None, top: Optional[int] = None,
               path=None):
    """Mean |φ| per feature over the rows (all outputs stacked unless `output` is given)."""
    return _draw(exp, "global_bar", path, output=_name(output), top=top)


def beeswarm(exp, output: Optional[Union[int, str]] = None, top: Optional[int] = None,
             path=None):
    """A dot per row and feature at its φ, coloured by the feature's value."""
    return _draw(exp, "beeswarm", path, output=_name(output), top=top)


def image(exp, row: int = 0, output: Optional[Union[int, str]] = None, path=None):
    """Input images beside their attribution maps (rows from `row`)."""
    return _draw(exp, "image", path, row=row, output=_name(output))


def _name(output):
    return None if output is None else str(output)
