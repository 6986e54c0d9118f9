//! What a run stores of each row: `--outputs all|predicted|top:K|NAMES`, `--stderr drop`,
//! `--precision f32`, `--compression`; shards merged, resumed and reported with such folders.

use parquet::basic::Type as Physical;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("onnx-inspector"))
}

/// The reference net (100 features, 10 softmax outputs) on 12 digit rows in parts of 5.
fn explain(out: &Path, extra: &[&str]) -> Command {
    let mut c = bin();
    c.args([
        "explain",
        "models/ref_dense100.onnx",
        "--data",
        "models/digits10_test.csv",
        "--rows",
        "0:12",
        "--method",
        "permutation",
        "--samples",
        "500",
        "--chunk-rows",
        "5",
        "--no-charts",
        "--no-report",
        "--quiet",
        "--out",
    ])
    .arg(out)
    .args(extra);
    c
}

fn ok(mut c: Command) {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn err(mut c: Command) -> String {
    let o = c.output().unwrap();
    assert!(!o.status.success(), "expected a failure");
    let e = String::from_utf8_lossy(&o.stderr).trim_end().to_string();
    assert_eq!(e.lines().count(), 1, "not one line: {e}");
    e
}

fn json(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("explanations.json")).unwrap()).unwrap()
}

/// One Parquet record: row, output, and every number column by name.
struct Record {
    row: i64,
    output: String,
    nums: Vec<(String, f64)>,
}

impl Record {
    fn get(&self, name: &str) -> f64 {
        self.nums.iter().find(|(n, _)| n == name).unwrap().1
    }
}

fn part_files(out: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(out.join("attributions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    files.sort();
    files
}

/// Every record of a folder's parts, and the physical type of its φ columns.
fn records(out: &Path) -> (Vec<Record>, Vec<String>, Physical) {
    let (mut recs, mut cols, mut phys) = (vec![], vec![], Physical::DOUBLE);
    for f in part_files(out) {
        let reader = SerializedFileReader::new(std::fs::File::open(&f).unwrap()).unwrap();
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        cols = (0..schema.num_columns())
            .map(|c| schema.column(c).name().to_string())
            .collect();
        phys = schema.column(4).physical_type();
        for row in reader.get_row_iter(None).unwrap() {
            let (mut r, mut o, mut nums) = (0, String::new(), vec![]);
            for (name, field) in row.unwrap().get_column_iter() {
                match field {
                    Field::Long(v) => r = *v,
                    Field::Str(s) => o = s.clone(),
                    Field::Double(v) => nums.push((name.clone(), *v)),
                    Field::Float(v) => nums.push((name.clone(), *v as f64)),
                    other => panic!("unexpected field {other:?}"),
                }
            }
            recs.push(Record {
                row: r,
                output: o,
                nums,
            });
        }
    }
    (recs, cols, phys)
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Output indices by decreasing prediction.
fn by_probability(pred: &[f64]) -> Vec<usize> {
    let mut o: Vec<usize> = (0..pred.len()).collect();
    o.sort_by(|&a, &b| pred[b].total_cmp(&pred[a]).then(a.cmp(&b)));
    o
}

#[test]
fn predicted_and_top_k_store_the_most_probable_outputs_with_their_phi() {
    let dir = tempfile::tempdir().unwrap();
    let (all, pred, top) = (
        dir.path().join("all"),
        dir.path().join("pred"),
        dir.path().join("top"),
    );
    ok(explain(&all, &[]));
    // f64: the stored φ are the all-outputs run's bit for bit (auto would round them).
    ok(explain(
        &pred,
        &["--outputs", "predicted", "--precision", "f64"],
    ));
    ok(explain(&top, &["--outputs", "top:3", "--precision", "f64"]));
    let a = json(&all);
    assert!(a.get("row_outputs").is_none(), "`all` keeps today's schema");
    let names: Vec<String> = serde_json::from_value(a["output_names"].clone()).unwrap();
    let features: Vec<String> = serde_json::from_value(a["feature_names"].clone()).unwrap();
    let (all_recs, _, _) = records(&all);
    assert_eq!(all_recs.len(), 12 * 10);
    for (dir, k) in [(&pred, 1), (&top, 3)] {
        let doc = json(dir);
        let (recs, _, _) = records(dir);
        assert_eq!(recs.len(), 12 * k, "{k} records per row");
        let row_outputs: Vec<Vec<usize>> =
            serde_json::from_value(doc["row_outputs"].clone()).unwrap();
        for (i, chosen) in row_outputs.iter().enumerate() {
            let p = f64s(&a["predictions"][i]);
            assert_eq!(chosen[..], by_probability(&p)[..k], "row {i}");
            for (slot, &o) in chosen.iter().enumerate() {
                let r = &recs[i * k + slot];
                assert_eq!(r.row as u64, a["row_indices"][i].as_u64().unwrap());
                assert_eq!(r.output, names[o]);
                // The stored φ is the all-outputs run's φ of that output (same seed).
                let full = &all_recs[i * 10 + o];
                assert_eq!(full.output, names[o]);
                for f in &features {
                    assert_eq!(r.get(f), full.get(f), "row {i} output {o} {f}");
                }
                // Efficiency per stored output.
                let sum: f64 = features.iter().map(|f| r.get(f)).sum();
                let gap = sum - (r.get("prediction") - r.get("base_value"));
                assert!(gap.abs() < 1e-5, "row {i} output {o}: gap {gap}");
            }
        }
        // Each output's summary averages |φ| over the rows that store it.
        for (o, s) in doc["summary"].as_array().unwrap().iter().enumerate() {
            let rows: Vec<usize> = (0..12).filter(|&i| row_outputs[i].contains(&o)).collect();
            let expect: Vec<f64> = (0..features.len())
                .map(|j| {
                    let total: f64 = rows
                        .iter()
                        .map(|&i| a["values"][i][j][o].as_f64().unwrap().abs())
                        .sum();
                    total / rows.len().max(1) as f64
                })
                .collect();
            let got = f64s(&s["mean_abs"]);
            let diff = got
                .iter()
                .zip(&expect)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max);
            assert!(diff < 1e-12, "output {o}: summary off by {diff}");
        }
    }
}

#[test]
fn named_outputs_are_the_labels_run() {
    let dir = tempfile::tempdir().unwrap();
    let (named, labels) = (dir.path().join("named"), dir.path().join("labels"));
    ok(explain(&named, &["--outputs", "class 3,1"]));
    ok(explain(&labels, &["--labels", "class 3,1"]));
    let (a, _, _) = records(&named);
    let (b, _, _) = records(&labels);
    assert_eq!(a.len(), 12 * 2);
    assert!(a
        .iter()
        .zip(&b)
        .all(|(x, y)| x.output == y.output && x.nums == y.nums));
    assert_eq!(a[0].output, "class 3");
    assert_eq!(json(&named)["output_names"], json(&labels)["output_names"]);
}

#[test]
fn f32_without_stderr_is_close_to_f64_far_below_the_standard_error() {
    let dir = tempfile::tempdir().unwrap();
    let (wide, narrow) = (dir.path().join("f64"), dir.path().join("f32"));
    ok(explain(&wide, &[]));
    ok(explain(
        &narrow,
        &[
            "--precision",
            "f32",
            "--stderr",
            "drop",
            "--compression",
            "snappy",
        ],
    ));
    let (w, wcols, wtype) = records(&wide);
    let (n, ncols, ntype) = records(&narrow);
    assert_eq!((wtype, ntype), (Physical::DOUBLE, Physical::FLOAT));
    assert!(wcols.iter().any(|c| c.ends_with("__stderr")));
    assert!(!ncols.iter().any(|c| c.ends_with("__stderr")), "{ncols:?}");
    assert_eq!(ncols[..], wcols[..ncols.len()]);
    assert_eq!(w.len(), n.len());
    // |φ_f32 − φ_f64| against the φ's standard error, over every stored φ.
    let mut worst: f64 = 0.0;
    for (a, b) in w.iter().zip(&n) {
        assert_eq!((a.row, &a.output), (b.row, &b.output));
        for (name, v) in &b.nums[2..] {
            let (exact, se) = (a.get(name), a.get(&format!("{name}__stderr")));
            let d = (v - exact).abs();
            assert!(d <= exact.abs() * 1e-7 + 1e-45, "{name}: {v} vs {exact}");
            if se > 0.0 {
                worst = worst.max(d / se);
            }
        }
    }
    assert!(worst < 1e-2, "f32 rounding is {worst} standard errors");
}

/// The largest power of two ≤ `limit` (0 for 0).
fn pow2_under(limit: f64) -> f64 {
    if limit <= 0.0 {
        return 0.0;
    }
    let mut q = 1.0f64;
    while q > limit {
        q /= 2.0;
    }
    while q * 2.0 <= limit {
        q *= 2.0;
    }
    q
}

#[test]
fn predicted_runs_round_phi_within_a_twentieth_of_its_standard_error() {
    let dir = tempfile::tempdir().unwrap();
    let (wide, auto, coarse) = (
        dir.path().join("f64"),
        dir.path().join("auto"),
        dir.path().join("se05"),
    );
    ok(explain(
        &wide,
        &["--outputs", "predicted", "--precision", "f64"],
    ));
    ok(explain(&auto, &["--outputs", "predicted"]));
    ok(explain(
        &coarse,
        &["--outputs", "predicted", "--precision", "se:0.5"],
    ));
    let features: Vec<String> =
        serde_json::from_value(json(&wide)["feature_names"].clone()).unwrap();
    let (w, _, wtype) = records(&wide);
    for (dir, fraction) in [(&auto, 0.1), (&coarse, 0.5)] {
        let (n, ncols, ntype) = records(dir);
        assert_eq!((wtype, ntype), (Physical::DOUBLE, Physical::FLOAT));
        assert!(ncols.iter().any(|c| c.ends_with("__stderr")));
        assert_eq!(w.len(), n.len());
        let (mut worst, mut rounded, mut zero_low, mut count) = (0.0f64, 0, 0, 0);
        for (a, b) in w.iter().zip(&n) {
            assert_eq!((a.row, &a.output), (b.row, &b.output));
            assert_eq!(a.get("prediction"), b.get("prediction"));
            let mut bound = 0.0;
            for f in &features {
                let (exact, se, v) = (a.get(f), a.get(&format!("{f}__stderr")), b.get(f));
                let d = (v - exact).abs();
                let q = pow2_under(fraction * se);
                bound += q / 2.0;
                // Half a quantum, plus f32's own rounding of the multiple.
                assert!(
                    d <= q / 2.0 + exact.abs() * 6e-8 + 1e-45,
                    "{f}: {v} vs {exact} (se {se})"
                );
                if se > 0.0 {
                    worst = worst.max(d / se);
                    count += 1;
                    rounded += usize::from(v != exact as f32 as f64);
                    zero_low += usize::from((v as f32).to_bits() & 0xffff == 0);
                }
                // Standard errors to 8 significant bits.
                let s = b.get(&format!("{f}__stderr"));
                assert!((s - se).abs() <= se * 2f64.powi(-8), "{f}: se {s} vs {se}");
            }
            // Efficiency within the sum of the half quanta.
            let sum: f64 = features.iter().map(|f| b.get(f)).sum();
            let gap = sum - (b.get("prediction") - b.get("base_value"));
            assert!(
                gap.abs() <= bound + 1e-5,
                "row {}: gap {gap} > {bound}",
                a.row
            );
        }
        assert!(
            worst <= fraction / 2.0,
            "rounding is {worst} standard errors"
        );
        // The rounding did something: most φ moved, and their low 16 bits are zero.
        assert!(rounded * 2 > count, "{rounded} of {count} φ rounded");
        assert!(
            zero_low * 10 > count * 8,
            "{zero_low} of {count} φ with zero low bytes"
        );
    }
    // The run records the resolved precision.
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(auto.join("manifest.json")).unwrap())
            .unwrap();
    assert!(m.to_string().contains("\"se\":0.1"), "{m}");
}

#[test]
fn shards_of_a_predicted_rounded_run_merge_resume_and_report() {
    let dir = tempfile::tempdir().unwrap();
    // --precision auto: se:0.1 for a predicted-only run.
    let flags = ["--outputs", "predicted", "--stderr", "drop"];
    let single = dir.path().join("single");
    ok(explain(&single, &flags));
    let mut shards = vec![];
    for k in 0..2 {
        let out = dir.path().join(format!("shard{k}"));
        let mut c = explain(&out, &flags);
        c.args(["--shard", &format!("{k}/2")]);
        ok(c);
        shards.push(out);
    }
    let merged = dir.path().join("merged");
    let mut m = bin();
    m.arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .arg("--quiet");
    ok(m);
    let bytes = |d: &Path| -> Vec<Vec<u8>> {
        part_files(d)
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect()
    };
    assert_eq!(bytes(&merged), bytes(&single));
    let (a, b) = (json(&merged), json(&single));
    assert_eq!(a["summary"], b["summary"]);
    assert_eq!(a["row_outputs"], b["row_outputs"]);
    // A shard with other storage is not the same run.
    let other = dir.path().join("other");
    let mut c = explain(&other, &["--outputs", "top:2"]);
    c.args(["--shard", "1/2"]);
    ok(c);
    let mut m = bin();
    m.arg("merge")
        .args([&shards[0], &other])
        .arg("--out")
        .arg(dir.path().join("bad"));
    assert!(err(m).contains("storage"));
    // --resume checks and keeps the finished parts; other storage is refused.
    let mut r = explain(&single, &flags);
    r.arg("--resume");
    ok(r);
    assert_eq!(bytes(&single), bytes(&merged));
    let r = explain(&single, &["--outputs", "top:2", "--resume"]);
    assert!(err(r).contains("storage"));
    // report.html of such a folder.
    let mut rep = bin();
    rep.arg("report").arg(&merged);
    ok(rep);
    assert!(merged.join("report.html").exists());
}

#[test]
fn bad_storage_values_give_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    for (flags, needle) in [
        (vec!["--outputs", "top:0"], "top:0"),
        (vec!["--outputs", "top:x"], "top:x"),
        (vec!["--outputs", "class 3,nope"], "nope"),
        (vec!["--outputs", "0", "--labels", "1"], "--labels"),
        (vec!["--compression", "zstd:0"], "zstd"),
        (vec!["--compression", "brotli"], "brotli"),
    ] {
        let e = err(explain(&out, &flags));
        assert!(e.contains(needle), "{flags:?}: {e}");
        assert!(
            e.contains("--outputs") || e.contains("--compression"),
            "{flags:?}: {e}"
        );
    }
    assert!(!out.exists(), "a failed first run leaves no folder");
}
