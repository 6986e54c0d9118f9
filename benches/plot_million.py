#!/usr/bin/env python3
"""Bytes per row and rows/s of each output option of the reference net (10k rows, two threads),
from benches/results/million.json (written by benches/million.py).

Needs matplotlib (pinned in benches/plot_requirements.txt). Usage from the repo root:
    <venv>/bin/python benches/plot_million.py
Writes docs/img/million.png.
"""
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    res = json.load(open(REPO / "benches/results/million.json"))
    opts = res["options"]
    labels = [o["flags"].replace("--", "") for o in opts]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 0.45 * len(opts) + 1.6), sharey=True)
    y = range(len(opts))
    a.barh(y, [o["bytes_per_row"] for o in opts], color="tab:blue")
    a.set_xscale("log")
    a.set_xlabel("Parquet bytes per row (log scale)")
    a.axvline(200, color="grey", linestyle="--", linewidth=1)
    a.text(200, len(opts) - 0.4, " 200 B", color="grey", va="top")
    for i, o in enumerate(opts):
        a.text(o["bytes_per_row"], i, f" {o['bytes_per_row']:.0f}", va="center", fontsize=8)
    a.set_yticks(list(y), labels, fontsize=8)
    a.invert_yaxis()
    b.barh(y, [o["rows_per_second"] for o in opts], color="tab:orange")
    b.set_xlabel("rows/s, whole process, two threads")
    for i, o in enumerate(opts):
        b.text(o["rows_per_second"], i, f" {o['rows_per_second']:.0f}", va="center", fontsize=8)
    runs = "; ".join(f"{r['rows']:,} rows: {r['seconds'] / 60:.1f} min, {r['peak_rss_mb']:.0f} MB" for r in res["runs"])
    fig.suptitle(f"reference net, --samples 500, {opts[0]['rows']:,} rows per option\n--outputs predicted on two threads: {runs}", fontsize=9)
    fig.tight_layout()
    out = REPO / "docs/img/million.png"
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
