//! report.html: written by default for runs up to --json-rows and by `report OUT/` (also over a
//! run kept in Parquet only), self-contained, its numbers those of explanations.json, under
//! 5 MB for 10k rows, and one-line errors. tests/browser/ opens it in a real browser (CI).

use assert_cmd::Command;
use onnx_inspector::report::html::{render_report, ReportInput, MAX_ROWS, ROW_TOP};
use onnx_inspector::report::ExplanationFile;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn bin() -> Command {
    Command::cargo_bin("onnx-inspector").unwrap()
}

/// Explains breast_cancer's test rows into `out` with `extra` flags.
fn explain(out: &Path, extra: &[&str]) {
    bin()
        .args(["explain", "models/breast_cancer.onnx", "--data"])
        .arg("models/breast_cancer_test.csv")
        .args(["--samples", "200", "--quiet", "--no-charts", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

/// The page's embedded numbers.
fn payload(html: &str) -> Value {
    let start = html.find(r#"id="report-data">"#).unwrap() + r#"id="report-data">"#.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end].replace("<\\/", "</")).unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Fails unless the page loads nothing from anywhere (SVG's namespace is a name, not a load).
fn assert_self_contained(html: &str) {
    let without_ns = html.replace("http://www.w3.org/2000/svg", "");
    for needle in ["http://", "https://", " src=", "<link", "@import", "url("] {
        assert!(!without_ns.contains(needle), "the page contains '{needle}'");
    }
    assert!(
        html.contains("default-src 'none'"),
        "no content security policy"
    );
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-3 * b.abs().max(1e-6)
}

#[test]
fn default_report_holds_the_runs_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    explain(
        &out,
        &["--labels-file", "models/breast_cancer_test_labels.csv"],
    );
    let html = read(&out.join("report.html"));
    assert_self_contained(&html);
    let manifest: Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert!(manifest["files"]
        .as_array()
        .unwrap()
        .contains(&Value::from("report.html")));
    let f = ExplanationFile::read(&out.join("explanations.json")).unwrap();
    let p = payload(&html);
    let rows = p["rows"].as_array().unwrap();
    assert_eq!(rows.len(), f.values.len());
    let labels = std::fs::read_to_string("models/breast_cancer_test_labels.csv").unwrap();
    let labels: Vec<f64> = labels.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["r"].as_u64().unwrap() as usize, f.row_indices[i]);
        let phi: Vec<f64> = f.values[i].iter().map(|v| v[0]).collect();
        let top: Vec<usize> = row["t"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(top.len(), ROW_TOP);
        // The top features are the largest |φ|, in order, and carry the file's φ.
        assert!(top.windows(2).all(|w| phi[w[0]].abs() >= phi[w[1]].abs()));
        let smallest_top = phi[top[ROW_TOP - 1]].abs();
        assert!((0..phi.len())
            .filter(|j| !top.contains(j))
            .all(|j| phi[j].abs() <= smallest_top));
        for (n, &j) in top.iter().enumerate() {
            assert!(close(row["p"][n].as_f64().unwrap(), phi[j]), "row {i}");
            let se = f.stderr.as_ref().unwrap()[i][j][0];
            assert!(close(row["s"][n].as_f64().unwrap(), se));
        }
        let rest: f64 = (0..phi.len())
            .filter(|j| !top.contains(j))
            .map(|j| phi[j])
            .sum();
        assert!((row["rest"].as_f64().unwrap() - rest).abs() < 1e-4 * (1.0 + rest.abs()));
        assert!(close(row["f"].as_f64().unwrap(), f.predictions[i][0]));
        let y = labels[f.row_indices[i]];
        assert_eq!(row["y"].as_f64().unwrap(), y);
        let right = (f.predictions[i][0] >= 0.5) == (y == 1.0);
        assert_eq!(row["ok"].as_bool().unwrap(), right);
    }
    // Global importance: the file's mean |φ| inside its interval, largest first.
    let imp = p["importance"].as_array().unwrap();
    let mean_abs = &f.summary[0].mean_abs;
    for w in imp.windows(2) {
        assert!(w[0]["mean"].as_f64().unwrap() >= w[1]["mean"].as_f64().unwrap());
    }
    for i in imp {
        let j = i["feature"].as_u64().unwrap() as usize;
        let (lo, mean, hi) = (
            i["lo"].as_f64().unwrap(),
            i["mean"].as_f64().unwrap(),
            i["hi"].as_f64().unwrap(),
        );
        assert!(
            close(mean, mean_abs[j]),
            "feature {j}: {mean} vs {}",
            mean_abs[j]
        );
        assert!(lo < mean && mean < hi, "{i}");
        assert!(i["boot_se"].as_f64().unwrap() > 0.0 && i["est_se"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(p["label_kind"], "binary");
}

#[test]
fn no_report_and_parquet_only_runs() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small");
    explain(&small, &["--no-report"]);
    assert!(!small.join("report.html").exists());
    // The same run kept in Parquet only: no page by default, `report` builds it from the parts.
    let big = dir.path().join("big");
    explain(&big, &["--json-rows", "10", "--chunk-rows", "40"]);
    assert!(!big.join("report.html").exists());
    bin()
        .args(["report", "--quiet"])
        .arg(&big)
        .assert()
        .success();
    bin()
        .args(["report", "--quiet"])
        .arg(&small)
        .assert()
        .success();
    let (a, b) = (
        payload(&read(&small.join("report.html"))),
        payload(&read(&big.join("report.html"))),
    );
    assert_eq!(a["rows"].as_array().unwrap().len(), 114);
    assert_eq!(
        a["rows"], b["rows"],
        "the parts' rows are the in-memory rows"
    );
    assert_eq!(a["importance"], b["importance"]);
    assert_self_contained(&read(&big.join("report.html")));
}

/// Runs `report` expecting one error line; returns it.
fn report_fails(args: &[&str], out: &Path) -> String {
    let o = bin().arg("report").arg(out).args(args).output().unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn bad_folders_and_labels_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = report_fails(&[], &empty);
    assert!(e.contains("no finished run"), "{e}");
    let out = dir.path().join("run");
    explain(&out, &["--rows", "100:110", "--no-report"]);
    let short = dir.path().join("labels.csv");
    std::fs::write(&short, "label\n1\n0\n").unwrap();
    let e = report_fails(&["--labels-file", short.to_str().unwrap()], &out);
    assert!(
        e.contains("--labels-file") && e.contains("has 2 labels, but row 100"),
        "{e}"
    );
    assert!(!out.join("report.html").exists(), "no half-written page");
}

/// A file of `n` rows made by repeating `f`'s rows.
fn repeated(f: &ExplanationFile, n: usize) -> ExplanationFile {
    let m = f.values.len();
    let pick = |i: usize| i % m;
    ExplanationFile {
        row_indices: (0..n).collect(),
        data: (0..n).map(|i| f.data[pick(i)].clone()).collect(),
        values: (0..n).map(|i| f.values[pick(i)].clone()).collect(),
        base_values: (0..n).map(|i| f.base_values[pick(i)].clone()).collect(),
        predictions: (0..n).map(|i| f.predictions[pick(i)].clone()).collect(),
        stderr: f
            .stderr
            .as_ref()
            .map(|s| (0..n).map(|i| s[pick(i)].clone()).collect()),
        ..f.clone()
    }
}

#[test]
fn ten_thousand_rows_fit_in_five_megabytes_and_say_they_are_sampled() {
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("digits");
    bin()
        .args(["explain", "models/ref_dense100.onnx", "--data"])
        .arg("models/digits10_test.csv")
        .args([
            "--rows",
            "0:60",
            "--samples",
            "200",
            "--quiet",
            "--no-charts",
        ])
        .arg("--no-report")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let f = ExplanationFile::read(&out.join("explanations.json")).unwrap();
    let big = repeated(&f, 10_000);
    let input = ReportInput {
        file: &big,
        total_rows: 10_000,
        labels: None,
        model_card: None,
    };
    let html = render_report(&input).unwrap();
    assert!(html.len() < 5_000_000, "{} bytes", html.len());
    assert_eq!(payload(&html)["rows"].as_array().unwrap().len(), MAX_ROWS);
    assert!(html.contains(&format!(
        "The table holds {MAX_ROWS} of the run's 10000 rows"
    )));
}
