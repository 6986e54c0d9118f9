"""Screenshots of a report.html for the README, taken in headless Chromium through the DevTools
protocol (tests/browser/cdp.py): the top of the page, and the rows section with a misclassified
row chosen (its waterfall and force view).

usage: python3 docs/report_screenshots.py REPORT.html ROWS.png IMPORTANCE.png
"""

import base64
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "browser"))
from cdp import Browser  # noqa: E402


def shot(b, selector, path):
    """A screenshot of the element matching `selector` (page coordinates, whole element)."""
    r = b.eval(f"""(function(){{var e=document.querySelector({selector!r});
        var r=e.getBoundingClientRect();
        return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];}})()""")
    clip = {"x": r[0], "y": r[1], "width": r[2], "height": r[3], "scale": 1}
    data = b.call("Page.captureScreenshot",
                  {"format": "png", "clip": clip, "captureBeyondViewport": True})["data"]
    pathlib.Path(path).write_bytes(base64.b64decode(data))
    print(f"wrote {path}")


def main():
    report, rows_png, importance_png = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    b = Browser()
    try:
        b.call("Page.enable")
        b.call("Page.navigate", {"url": report.resolve().as_uri()})
        b.wait_for("Page.loadEventFired")
        b.eval("(function(){var c=document.getElementById('wrong-only'); if(c){c.checked=true;"
               "c.dispatchEvent(new Event('change'));} return 1;})()")
        b.eval("(function(){var t=document.querySelector('#row-table tbody tr');"
               "t.dispatchEvent(new MouseEvent('click')); return 1;})()")
        shot(b, "#rows", rows_png)
        shot(b, "#importance", importance_png)
    finally:
        b.close()


if __name__ == "__main__":
    main()
