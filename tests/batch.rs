//! Whole-dataset runs: chunked equals in memory, kill -9 then --resume, shards and merge, one
//! run per folder, standard input, the Parquet schema.

use onnx_inspector::batch::{run_batch, BatchOptions};
use onnx_inspector::explain::{Estimator, ShapMethod, ShapParams};
use onnx_inspector::report::{summarize, ExplanationFile};
use onnx_inspector::{run_explain, ExplainRequest};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::RowAccessor;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("onnx-inspector"))
}

fn permutation(samples: usize, seed: u64) -> Estimator {
    Estimator::Shap(ShapParams {
        method: ShapMethod::Permutation,
        samples: Some(samples),
        seed,
        ..ShapParams::default()
    })
}

/// The document without its timings (which differ between any two runs).
fn without_timings(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["meta"]["timings"] = serde_json::Value::Null;
    v
}

/// Every record of a Parquet dataset: (row, output, numbers after `output`).
fn read_dataset(dir: &Path) -> Vec<(i64, String, Vec<f64>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("attributions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    files.sort();
    let mut out = vec![];
    for f in files {
        let reader = SerializedFileReader::new(std::fs::File::open(&f).unwrap()).unwrap();
        let ncols = reader
            .metadata()
            .file_metadata()
            .schema_descr()
            .num_columns();
        for row in reader.get_row_iter(None).unwrap() {
            let row = row.unwrap();
            let nums = (2..ncols).map(|c| row.get_double(c).unwrap()).collect();
            out.push((
                row.get_long(0).unwrap(),
                row.get_string(1).unwrap().clone(),
                nums,
            ));
        }
    }
    out
}

fn parquet_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("attributions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn chunked_runs_equal_the_in_memory_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut req = ExplainRequest::new(
        "models/breast_cancer.onnx",
        "models/breast_cancer_test.csv",
        permutation(200, 3),
    );
    req.rows = Some("0:40".into());
    req.threads = 2;
    let whole = run_explain(&req, None).unwrap();
    let whole_path = dir.path().join("whole.json");
    whole.write(&whole_path).unwrap();
    for chunk in [1, 7, 1024] {
        let out = dir.path().join(format!("c{chunk}"));
        let mut opts = BatchOptions::new(&out);
        opts.chunk_rows = chunk;
        opts.charts = None;
        let r = run_batch(&req, &opts, None).unwrap();
        assert_eq!(r.rows, 40);
        assert_eq!(
            without_timings(&out.join("explanations.json")),
            without_timings(&whole_path),
            "chunk {chunk}"
        );
        // The Parquet records hold the same numbers: base, prediction, φ, stderr.
        let recs = read_dataset(&out);
        let (m, k) = (whole.feature_names.len(), whole.output_names.len());
        assert_eq!(recs.len(), 40 * k);
        for (i, (row, output, nums)) in recs.iter().enumerate() {
            let (r, o) = (i / k, i % k);
            assert_eq!(*row as usize, whole.row_indices[r]);
            assert_eq!(output, &whole.output_names[o]);
            assert_eq!(nums[0], whole.base_values[r][o]);
            assert_eq!(nums[1], whole.predictions[r][o]);
            for j in 0..m {
                assert_eq!(nums[2 + j], whole.values[r][j][o]);
                assert_eq!(nums[2 + m + j], whole.stderr.as_ref().unwrap()[r][j][o]);
            }
        }
    }
    // Above --json-rows: the summary streams and equals the in-memory one; rows live in Parquet.
    let out = dir.path().join("large");
    let mut opts = BatchOptions::new(&out);
    opts.chunk_rows = 6;
    opts.json_rows = 10;
    let r = run_batch(&req, &opts, None).unwrap();
    let small = ExplanationFile::read(&out.join("explanations.json")).unwrap();
    assert!(small.values.is_empty());
    assert_eq!(small.attributions.as_deref(), Some("attributions/"));
    let values = ndarray::Array3::from_shape_fn((40, 30, 1), |(i, j, o)| whole.values[i][j][o]);
    let exact = summarize(&values, &whole.output_names);
    for (a, b) in small.summary.iter().zip(&exact) {
        for (x, y) in a.mean_abs.iter().zip(&b.mean_abs) {
            assert!((x - y).abs() <= 1e-12 * y.abs().max(1e-300), "{x} vs {y}");
        }
        for (x, y) in a.mean.iter().zip(&b.mean) {
            assert!((x - y).abs() <= 1e-12 * (1.0 + y.abs()), "{x} vs {y}");
        }
        assert_eq!(a.ranking, b.ranking);
    }
    assert!(r.charts.iter().any(|p| p.ends_with("global_bar.png")));
    assert_eq!(
        r.charts
            .iter()
            .filter(|p| p.to_string_lossy().contains("waterfall"))
            .count(),
        20
    );
    // plot says what it cannot draw from a summary-only file.
    let o = bin()
        .args(["plot"])
        .arg(out.join("explanations.json"))
        .arg("--out")
        .arg(dir.path().join("plots"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("Parquet dataset 'attributions/'"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn lime_chunked_equals_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut req = ExplainRequest::new(
        "models/diabetes.onnx",
        "models/diabetes_test.csv",
        Estimator::Lime(onnx_inspector::explain::LimeParams {
            num_samples: 300,
            ..Default::default()
        }),
    );
    req.rows = Some("0:9".into());
    let whole_path = dir.path().join("whole.json");
    run_explain(&req, None).unwrap().write(&whole_path).unwrap();
    let mut opts = BatchOptions::new(dir.path().join("c"));
    opts.chunk_rows = 4;
    opts.charts = None;
    run_batch(&req, &opts, None).unwrap();
    assert_eq!(
        without_timings(&dir.path().join("c/explanations.json")),
        without_timings(&whole_path)
    );
}

/// `explain` on diabetes with permutation SHAP, parts of 8 rows, into `out`, plus `extra`.
fn explain_cmd(out: &Path, extra: &[&str]) -> Command {
    explain_with(out, "300", extra)
}

/// [`explain_cmd`] with a budget of `samples`.
fn explain_with(out: &Path, samples: &str, extra: &[&str]) -> Command {
    let mut c = bin();
    c.args([
        "explain",
        "models/diabetes.onnx",
        "--data",
        "models/diabetes_test.csv",
        "--method",
        "permutation",
        "--samples",
        samples,
        "--chunk-rows",
        "8",
        "--no-charts",
        "--out",
    ])
    .arg(out)
    .args(extra);
    c
}

fn ok(mut c: Command) -> String {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn err(mut c: Command) -> String {
    let o = c.output().unwrap();
    assert!(!o.status.success(), "expected a failure");
    let e = String::from_utf8_lossy(&o.stderr).trim_end().to_string();
    assert_eq!(e.lines().count(), 1, "not one line: {e}");
    e
}

#[cfg(unix)]
#[test]
fn kill_9_then_resume_equals_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    ok(explain_cmd(&full, &["--json-rows", "40"]));
    let out = dir.path().join("killed");
    // A slow run (one thread, a larger budget) killed once two parts are finished.
    let slow = ["--threads", "1", "--json-rows", "40"];
    let mut child = explain_with(&out, "3000", &slow)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !out.join("parts/part-00001.json").exists() {
        assert!(started.elapsed().as_secs() < 120, "no part written");
        assert!(child.try_wait().unwrap().is_none(), "ended before the kill");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!out.join("explanations.json").exists());
    assert!(
        !out.join("parts/part-00011.json").exists(),
        "the run was not interrupted"
    );
    // A different seed refuses to resume, in one line naming what differs.
    let e = err(explain_with(
        &out,
        "3000",
        &["--json-rows", "40", "--resume", "--seed", "9"],
    ));
    assert!(e.contains("--resume") && e.contains("seed differs"), "{e}");
    let e = err(explain_cmd(&out, &["--json-rows", "40", "--resume"]));
    assert!(
        e.contains("different run") && e.contains("estimator"),
        "{e}"
    );
    // What a write cut short leaves: removed by the resumed run; a file of the user's stays.
    let tmp = out.join("attributions/.part-00005.parquet.tmpAbC.parquet");
    std::fs::write(&tmp, b"half").unwrap();
    std::fs::write(out.join("attributions/.mine"), b"keep").unwrap();
    let said = ok(explain_with(
        &out,
        "3000",
        &["--json-rows", "40", "--resume"],
    ));
    assert!(!tmp.exists());
    std::fs::remove_file(out.join("attributions/.mine")).unwrap();
    assert!(said.contains("finished parts resumed"), "{said}");
    let twin = dir.path().join("twin");
    ok(explain_with(&twin, "3000", &["--json-rows", "40"]));
    assert_eq!(parquet_bytes(&out), parquet_bytes(&twin));
    assert_eq!(
        without_timings(&out.join("explanations.json")),
        without_timings(&twin.join("explanations.json"))
    );
    assert_ne!(parquet_bytes(&full), parquet_bytes(&twin));
}

#[test]
fn three_shards_merged_equal_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let single = dir.path().join("single");
    ok(explain_cmd(&single, &["--json-rows", "50"]));
    let shard = |k: usize, seed: &str| {
        let out = dir.path().join(format!("s{k}_{seed}"));
        ok(explain_cmd(
            &out,
            &[
                "--json-rows",
                "50",
                "--seed",
                seed,
                "--shard",
                &format!("{k}/3"),
            ],
        ));
        out
    };
    let (s0, s1, s2) = (shard(0, "0"), shard(1, "0"), shard(2, "0"));
    let all = dir.path().join("all");
    let mut m = bin();
    m.arg("merge").args([&s2, &s0, &s1]).arg("--out").arg(&all);
    ok(m);
    assert_eq!(parquet_bytes(&all), parquet_bytes(&single));
    assert_eq!(
        without_timings(&all.join("explanations.json")),
        without_timings(&single.join("explanations.json"))
    );
    assert!(all.join("global_bar.png").exists());
    assert!(all.join("beeswarm_out0.png").exists());

    let merge = |dirs: &[&PathBuf], name: &str| {
        let mut m = bin();
        m.arg("merge")
            .args(dirs)
            .arg("--out")
            .arg(dir.path().join(name));
        err(m)
    };
    let e = merge(&[&s0, &s1], "m1");
    assert!(e.contains("missing shard 2/3"), "{e}");
    let e = merge(&[&s0, &s1, &s1, &s2], "m2");
    assert!(e.contains("both hold shard 1/3"), "{e}");
    let other = shard(1, "5");
    let e = merge(&[&s0, &other, &s2], "m3");
    assert!(
        e.contains("not shards of the same run") && e.contains("seed"),
        "{e}"
    );
    let e = merge(&[&s0, &single], "m4");
    assert!(e.contains("is shard 0/1 but"), "{e}");

    // More shards than parts (12 parts of 8 rows): an empty shard succeeds and says so.
    let empty = dir.path().join("empty");
    let said = ok(explain_cmd(&empty, &["--shard", "0/20"]));
    assert!(said.contains("no rows"), "{said}");
    assert!(!empty.join("explanations.json").exists());
    // A foreign folder is refused with the reason.
    let e = merge(&[&s0, &dir.path().to_path_buf()], "m5");
    assert!(e.contains("no manifest.json"), "{e}");
}

#[test]
fn a_new_run_removes_exactly_the_files_of_the_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let run = |rows: &str| {
        let mut c = bin();
        c.args([
            "explain",
            "models/diabetes.onnx",
            "--data",
            "models/diabetes_test.csv",
            "--rows",
            rows,
            "--samples",
            "100",
            "--method",
            "permutation",
            "--out",
        ])
        .arg(&out);
        ok(c);
    };
    run("0:20");
    assert!(out.join("waterfall_row19_out0.png").exists());
    run("0:2");
    assert!(!out.join("waterfall_row19_out0.png").exists());
    assert!(out.join("waterfall_row1_out0.png").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    let f = ExplanationFile::read(&out.join("explanations.json")).unwrap();
    assert_eq!(f.row_indices, vec![0, 1]);
}

#[test]
fn data_from_standard_input_equals_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    ok(explain_cmd(&a, &["--rows", "0:12"]));
    let mut c = bin();
    c.args([
        "explain",
        "models/diabetes.onnx",
        "--data",
        "-",
        "--method",
        "permutation",
        "--samples",
        "300",
        "--chunk-rows",
        "8",
        "--no-charts",
        "--rows",
        "0:12",
        "--out",
    ])
    .arg(&b)
    .stdin(std::fs::File::open("models/diabetes_test.csv").unwrap());
    ok(c);
    let mut va = without_timings(&a.join("explanations.json"));
    let vb = without_timings(&b.join("explanations.json"));
    assert_eq!(vb["meta"]["data"], "-");
    va["meta"]["data"] = "-".into();
    va["meta"]["background"]["source"] = "-".into();
    assert!(va == vb, "standard input and the file differ");
    let left: Vec<String> = std::fs::read_dir(&b)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(left.iter().all(|n| !n.starts_with('.')), "{left:?}");
}
