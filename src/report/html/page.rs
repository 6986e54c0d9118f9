//! The page: HTML around the payload, the inline SVG charts, and the embedded style and script.

use super::payload::Payload;
use super::{ReportInput, BEESWARM_TOP, SCATTERS};
use crate::report::charts::style::{method_label, model_name, num};
use std::fmt::Write;

/// The page's style sheet (screen and print).
const STYLE: &str = include_str!("report.css");
/// The page's script: table, waterfall, force line, cohorts (no library, no network).
const SCRIPT: &str = include_str!("report.js");

/// What [`render`] puts on the page.
pub struct Parts<'a> {
    pub input: &'a ReportInput<'a>,
    pub payload: &'a Payload,
    pub shown_rows: usize,
    pub dot_rows: usize,
    pub main_output: usize,
    pub beeswarm: Option<String>,
    pub scatters: Vec<String>,
    /// (data-file row, overlay SVG).
    pub overlays: Vec<(usize, String)>,
}

/// `s` with HTML's special characters escaped.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An SVG from plotters made to scale with the page: its fixed size becomes a viewBox.
fn responsive(svg: &str, label: &str) -> String {
    let open_end = svg.find('>').unwrap_or(0);
    let head = &svg[..open_end];
    let attr = |name: &str| -> Option<String> {
        let start = head.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(head[start..].split('"').next()?.to_string())
    };
    match (attr("width"), attr("height")) {
        (Some(w), Some(h)) => format!(
            "<svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {w} {h}\" \
             preserveAspectRatio=\"xMidYMid meet\" xmlns=\"http://www.w3.org/2000/svg\"{}",
            esc(label),
            &svg[open_end..]
        ),
        _ => svg.to_string(),
    }
}

/// A definition list row.
fn dl(out: &mut String, term: &str, value: &str) {
    let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(term), esc(value));
}

fn run_section(p: &Parts) -> String {
    let file = p.input.file;
    let meta = &file.meta;
    let t = &meta.timings;
    let mut s = String::from("<dl class=\"facts\">");
    dl(&mut s, "method", method_label(meta.method));
    if let Some(sampling) = &meta.sampling {
        dl(&mut s, "coalition sampling", sampling);
    }
    dl(&mut s, "budget per row", &meta.budget.to_string());
    let evals = &meta.evaluations_per_row;
    if !evals.is_empty() {
        let mean = evals.iter().sum::<usize>() as f64 / evals.len() as f64;
        dl(&mut s, "evaluations per row (mean)", &num(mean));
    }
    dl(&mut s, "seed", &meta.seed.to_string());
    if let Some(bg) = &meta.background {
        dl(
            &mut s,
            "background",
            &serde_json::to_string(bg).unwrap_or_default(),
        );
    }
    dl(&mut s, "engine", meta.engine.name());
    dl(&mut s, "evaluator", &meta.evaluator);
    dl(&mut s, "data", &meta.data);
    dl(&mut s, "rows explained", &p.input.total_rows.to_string());
    dl(
        &mut s,
        "timings",
        &format!(
            "{} s total, {} s explaining, {} rows/s on {} threads, {}% of explain time in the model",
            num(t.total_seconds),
            num(t.explain_seconds),
            num(t.rows_per_second),
            t.threads,
            num(100.0 * t.model_share())
        ),
    );
    dl(&mut s, "tool", &meta.tool);
    s.push_str("</dl>");
    s
}

/// What the error bars mean, for this run.
fn error_bars(p: &Parts) -> String {
    let se = if p.payload.has_se {
        "Error bars on a row's φ are ±1 standard error of the estimator (the spread the sampling \
         budget leaves); a bar that crosses 0 is a sign the run could not tell the direction."
    } else {
        "This method is exact (or reports no standard errors): a row's φ has no error bar."
    };
    format!(
        "<p>{se} Global importance intervals are 95%: mean |φ| ± 1.96·√(bootstrap SE² + \
         estimator SE²), the bootstrap resampling the rows shown ({} resamples, seed {}), the \
         estimator SE √(Σ se²)/n. Cohort intervals are 95% normal intervals of each cohort's \
         mean |φ| (± 1.96·sd/√n).</p>",
        super::BOOTSTRAP_RESAMPLES,
        p.input.file.meta.seed
    )
}

fn sample_note(p: &Parts) -> String {
    let total = p.input.total_rows;
    let mut notes = Vec::new();
    if p.shown_rows < total {
        notes.push(format!(
            "The table holds {} of the run's {total} rows: the first rows and a seeded sample \
             (seed {}); importance and cohorts are computed over them.",
            p.shown_rows, p.input.file.meta.seed
        ));
    }
    if p.dot_rows < total {
        notes.push(format!(
            "The beeswarm and scatters draw {} of the {total} rows.",
            p.dot_rows
        ));
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"note\" id=\"sample-note\">{}</p>",
            notes.join(" ")
        )
    }
}

/// The whole page.
pub fn render(p: &Parts) -> String {
    let file = p.input.file;
    let model = model_name(&file.meta.model);
    let k = p.main_output;
    let output = esc(&file.output_names[k]);
    let data = serde_json::to_string(p.payload)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/");
    let card = match p.input.model_card {
        Some(text) => format!("<pre class=\"card\">{}</pre>", esc(text)),
        None => format!(
            "<p>The model file could not be read now; from the run: {}, SHA-256 {}.</p>",
            esc(&file.meta.model),
            esc(&file.meta.model_sha256)
        ),
    };
    let beeswarm = match &p.beeswarm {
        Some(svg) => format!(
            "<figure>{}<figcaption>Beeswarm of output {output}: one dot per row for each of \
             the top {BEESWARM_TOP} features; colour is the feature's value.</figcaption></figure>",
            responsive(svg, &format!("beeswarm of output {}", file.output_names[k]))
        ),
        None => "<p>Rows have players of their own (superpixels): a beeswarm across rows would \
                 compare different regions.</p>"
            .into(),
    };
    let scatters: String = p
        .scatters
        .iter()
        .map(|svg| format!("<figure>{}</figure>", responsive(svg, "dependence scatter")))
        .collect();
    let scatters = if scatters.is_empty() {
        "<p>No feature stands for one input, so none has a value to plot.</p>".into()
    } else {
        scatters
    };
    let overlays: String = p
        .overlays
        .iter()
        .map(|(r, svg)| {
            format!(
                "<template id=\"overlay-{r}\">{}</template>",
                responsive(svg, &format!("attribution map of row {r} over its image"))
            )
        })
        .collect();
    let label_filter = if p.payload.label_kind.is_some() {
        "<label><input type=\"checkbox\" id=\"wrong-only\"> misclassified only</label>"
    } else {
        ""
    };
    let output_options: String = file
        .output_names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("<option value=\"{i}\">{}</option>", esc(n)))
        .collect();
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<a class="skip" href="#rows">Skip to the rows</a>
<header>
<h1>{title}</h1>
<nav aria-label="sections"><a href="#model">Model</a> <a href="#run">Run</a> <a href="#importance">Importance</a> <a href="#beeswarm">Beeswarm</a> <a href="#dependence">Dependence</a> <a href="#rows">Rows</a> <a href="#cohorts">Cohorts</a></nav>
</header>
<main>
{sample_note}
<section id="model"><h2>Model card</h2>{card}</section>
<section id="run"><h2>Run</h2>{run}{bars}</section>
<section id="importance"><h2>Global importance</h2>
<p>Which features matter most overall? Mean |φ| of each row's explained output (its predicted output), with 95% intervals.</p>
<div id="importance-chart" class="chart"></div>
</section>
<section id="beeswarm"><h2>Beeswarm</h2><p>How does each feature push the output, and for which values?</p>{beeswarm}</section>
<section id="dependence"><h2>Dependence</h2><p>How does φ change with the feature's value (top {SCATTERS} features of output {output})?</p><div class="grid">{scatters}</div></section>
<section id="rows"><h2>Rows</h2>
<p>Which rows did the model get wrong, and why? Filter and sort the rows; choose one (click, or Enter) to see its waterfall.</p>
<div class="controls" role="search">
<label>Find <input type="search" id="filter" placeholder="row, output or feature"></label>
<label>Predicted output <select id="output-filter"><option value="">any</option>{output_options}</select></label>
{label_filter}
<span id="row-count" aria-live="polite"></span>
</div>
<div class="table-wrap"><table id="row-table"><thead></thead><tbody></tbody></table></div>
<button type="button" id="more" hidden>Show more rows</button>
<div id="detail" tabindex="-1" aria-live="polite"><p>No row chosen yet.</p></div>
</section>
<section id="cohorts"><h2>Cohorts</h2>
<p>Do two groups of rows rely on different features? Split the rows by a condition and compare mean |φ| with 95% intervals.</p>
<div class="controls">
<label>Split on <select id="cohort-by"></select></label>
<label>is <select id="cohort-op"><option value="ge">≥</option><option value="lt">&lt;</option></select></label>
<label>threshold <input type="number" id="cohort-threshold" step="any"></label>
</div>
<div id="cohort-chart" class="chart"></div>
</section>
</main>
<footer><p>Written by {tool}. Self-contained: this file makes no network request.</p></footer>
{overlays}
<script type="application/json" id="report-data">{data}</script>
<script>{SCRIPT}</script>
</body>
</html>
"##,
        title = esc(&format!(
            "{model} · {} · report",
            method_label(file.meta.method)
        )),
        sample_note = sample_note(p),
        run = run_section(p),
        bars = error_bars(p),
        tool = esc(&file.meta.tool),
    )
}
