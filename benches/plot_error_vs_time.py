#!/usr/bin/env python3
"""Error against time per row of our kernel and permutation SHAP (issue 12, part 3), one panel
per model, from benches/results/estimator_sweep.json: the curves that justify `auto`'s choice
(permutation below kernel at every time) and the default budget (marked).

Needs matplotlib (pinned in benches/plot_requirements.txt). Usage from the repo root:
    <venv>/bin/python benches/plot_error_vs_time.py
Writes docs/img/error_vs_time.png.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import NullFormatter, ScalarFormatter  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
STYLE = {"kernel": ("tab:blue", "o"), "permutation": ("tab:red", "s")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sweep", default=str(REPO / "benches/results/estimator_sweep.json"))
    ap.add_argument("--out", default=str(REPO / "docs/img/error_vs_time.png"))
    ap.add_argument("--time", choices=["cpu", "explain"], default="cpu",
                    help="process CPU time per row (robust to load) or explain-phase wall time")
    args = ap.parse_args()
    sweep = json.loads(Path(args.sweep).read_text())
    rows = [r for r in sweep["results"] if r["evaluator"] != "model"]
    models = list(dict.fromkeys(r["model"] for r in rows))
    fig, axes = plt.subplots(1, len(models), figsize=(5.5 * len(models), 4.2), squeeze=False)
    key = "cpu_s_per_row" if args.time == "cpu" else "explain_s_per_row"
    for ax, model in zip(axes[0], models):
        for method, (color, marker) in STYLE.items():
            pts = sorted((r["budget"], 1e3 * r[key], r["rel_l2"], r["default_budget"])
                         for r in rows if r["model"] == model and r["method"] == method)
            if not pts:
                continue
            ax.plot([p[1] for p in pts], [p[2] for p in pts], color=color, marker=marker, label=method)
            for b, t, e, default in pts:
                ax.annotate(str(b), (t, e), textcoords="offset points", xytext=(4, 3), fontsize=7)
                if default:
                    ax.scatter([t], [e], s=180, facecolors="none", edgecolors=color, linewidths=1.5)
        ax.set_xscale("log")
        ax.set_yscale("log")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(ScalarFormatter())
            axis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{model} ({sweep['rows']} rows, {sweep['background_size']} background rows, 1 thread)",
                     fontsize=9)
        ax.set_xlabel("process CPU ms per row" if args.time == "cpu" else "explain ms per row (wall)")
        ax.set_ylabel("rel-L2 error vs reference")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(title="circled: default budget", fontsize=8, title_fontsize=8)
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
