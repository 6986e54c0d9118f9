"""Opens a report.html from disk in headless Chromium (DevTools protocol) and fails on any
console error, uncaught exception or network request; checks that the row table filters and
sorts, that a click and the Enter key show a row's waterfall with its error bars, that the
cohort chart draws, and that a screenshot is not blank.

usage: python3 report_in_chromium.py REPORT.html [--screenshot OUT.png]
"""

import argparse
import base64
import html
import json
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from cdp import Browser, decode_png  # noqa: E402


def payload(path):
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)
    assert m, "no report-data script in the page"
    return json.loads(m.group(1).replace("<\\/", "</"))


def matching(data, query, output=""):
    """The rows the page's filter should keep (the script's rule, restated)."""
    words = query.lower().split()
    kept = []
    for r in data["rows"]:
        if output != "" and str(r["k"]) != output:
            continue
        text = " ".join([str(r["r"]), data["outputs"][r["k"]]] +
                        [data["features"][j] for j in r["t"]]).lower()
        if all(w in text for w in words):
            kept.append(r)
    return kept


def count_text(b):
    return b.eval("document.getElementById('row-count').textContent")


def matching_count(b):
    m = re.match(r"\d+ of (\d+) matching", count_text(b))
    assert m, count_text(b)
    return int(m.group(1))


def set_filter(b, query):
    b.eval(f"(function(){{var f=document.getElementById('filter'); f.value={json.dumps(query)};"
           "f.dispatchEvent(new Event('input')); return 1;})()")


def click(b, selector):
    """A real mouse click at the centre of the first element matching `selector`."""
    rect = b.eval(f"(function(){{var e=document.querySelector({json.dumps(selector)});"
                  "e.scrollIntoView({block:'center'}); var r=e.getBoundingClientRect();"
                  "return [r.left + r.width/2, r.top + r.height/2];})()")
    for kind in ("mousePressed", "mouseReleased"):
        b.call("Input.dispatchMouseEvent", {"type": kind, "x": rect[0], "y": rect[1],
                                            "button": "left", "clickCount": 1})


def detail(b):
    return b.eval("""(function(){var d=document.getElementById('detail');
      var w=d.querySelector('svg.waterfall');
      return {title: (d.querySelector('h3')||{}).textContent || '',
              steps: w ? w.querySelectorAll('rect.step').length : 0,
              bars: w ? w.querySelectorAll('line.errorbar').length : 0,
              force: d.querySelectorAll('svg.force').length,
              overlay: d.querySelectorAll('.overlay svg').length};})()""")


def expect_detail(b, data, row):
    d = detail(b)
    assert d["title"].startswith(f"Row {row['r']}:"), d
    steps = len(row["t"]) + (1 if len(data["features"]) > len(row["t"]) else 0)
    assert d["steps"] == steps, (d, steps)
    if data["has_se"]:
        ses = (row["s"] or []) + ([row["rest_se"]] if steps > len(row["t"]) else [])
        assert d["bars"] == sum(1 for s in ses if s), (d, ses)
    assert d["force"] == 1, d
    assert d["overlay"] == (1 if row["r"] in data["overlays"] else 0), d


def check(path, screenshot):
    data = payload(path)
    b = Browser()
    try:
        for domain in ("Runtime", "Log", "Network", "Page"):
            b.call(f"{domain}.enable")
        b.call("Page.navigate", {"url": path.resolve().as_uri()})
        b.wait_for("Page.loadEventFired")

        n = len(data["rows"])
        assert matching_count(b) == n, count_text(b)
        shown = b.eval("document.querySelectorAll('#row-table tbody tr').length")
        assert shown == min(n, 100), shown

        # Filter by a feature name: the table keeps exactly the rows the rule keeps.
        feature = data["features"][data["importance"][0]["feature"]]
        query = feature.split()[-1]
        expected = matching(data, query)
        set_filter(b, query)
        assert matching_count(b) == len(expected), (query, count_text(b), len(expected))
        assert 0 < len(expected) <= n
        set_filter(b, "no-such-row-anywhere")
        assert matching_count(b) == 0, count_text(b)
        set_filter(b, "")
        if data["label_kind"] in ("class", "binary"):
            wrong = sum(1 for r in data["rows"] if r["ok"] is False)
            b.eval("(function(){var c=document.getElementById('wrong-only'); c.checked=true;"
                   "c.dispatchEvent(new Event('change')); return 1;})()")
            assert matching_count(b) == wrong, (count_text(b), wrong)
            b.eval("(function(){var c=document.getElementById('wrong-only'); c.checked=false;"
                   "c.dispatchEvent(new Event('change')); return 1;})()")

        # Sort by f(x), largest first: the first row is the largest prediction.
        click(b, "#row-table thead button[data-key='f']")
        first = b.eval("document.querySelector('#row-table tbody tr').dataset.row")
        top = max(data["rows"], key=lambda r: (r["f"], -r["r"]))
        assert int(first) == top["r"], (first, top["r"])

        # A click on a row shows its waterfall.
        click(b, "#row-table tbody tr:nth-child(2)")
        r2 = int(b.eval("document.querySelector('#row-table tbody tr:nth-child(2)').dataset.row"))
        expect_detail(b, data, next(r for r in data["rows"] if r["r"] == r2))
        # The keyboard does too: focus the third row and press Enter.
        b.eval("document.querySelector('#row-table tbody tr:nth-child(3)').focus()")
        for kind in ("keyDown", "keyUp"):
            b.call("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter",
                                              "windowsVirtualKeyCode": 13})
        r3 = int(b.eval("document.querySelector('#row-table tbody tr:nth-child(3)').dataset.row"))
        expect_detail(b, data, next(r for r in data["rows"] if r["r"] == r3))

        # Cohorts, importance and the inline charts are drawn.
        bars = b.eval("document.querySelectorAll('#cohort-chart svg rect').length")
        assert bars == 2 * len(data["cohort"]) or "empty" in b.eval(
            "document.getElementById('cohort-chart').textContent"), bars
        imp = b.eval("document.querySelectorAll('#importance-chart svg rect').length")
        assert imp == len(data["importance"]), imp
        scatters = b.eval("document.querySelectorAll('#dependence svg').length")
        assert scatters >= 1 or "No feature stands for one input" in b.eval(
            "document.getElementById('dependence').textContent"), scatters

        b.eval("window.scrollTo(0, 0)")
        shot = base64.b64decode(b.call("Page.captureScreenshot", {"format": "png"})["data"])
        if screenshot:
            pathlib.Path(screenshot).write_bytes(shot)
        w, h, rows = decode_png(shot)
        pixels = [p for row in rows[::4] for p in row[::4]]
        ink = sum(1 for p in pixels if p != (255, 255, 255)) / len(pixels)
        colours = len(set(pixels))
        assert ink > 0.03 and colours > 20, f"blank screenshot: {ink:.3f} inked, {colours} colours"

        problems = []
        for e in b.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.exceptionThrown":
                problems.append(f"exception: {p['exceptionDetails']}")
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                problems.append(f"console {p['type']}: {p.get('args')}")
            elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                problems.append(f"log {p['entry']['level']}: {p['entry']['text']}")
            elif m == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if url != path.resolve().as_uri():
                    problems.append(f"network request: {url}")
        assert not problems, "\n".join(problems)
        print(f"ok: {path} ({n} rows, filter '{html.escape(query)}' kept {len(expected)}, "
              f"screenshot {w}x{h}, {ink:.2f} inked)")
    finally:
        b.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report", type=pathlib.Path)
    ap.add_argument("--screenshot")
    a = ap.parse_args()
    check(a.report, a.screenshot)


if __name__ == "__main__":
    main()
