//! Superpixel players: every explained image cut into its own SLIC segments (`--superpixels`),
//! checked on the bundled 32x32 RGB CNN and, exactly, on a linear model.

use assert_cmd::Command;
use ndarray::array;
use onnx_inspector::data::image::{slic, ImageShape, SlicParams};
use onnx_inspector::data::Dataset;
use onnx_inspector::explain::{Explainer, FeatureGroups, LimeExplainer, ShapExplainer, ShapMethod};
use onnx_inspector::model::FnModel;
use serde_json::Value;
use std::path::Path;

const MODEL: &str = "models/digits32_cnn.onnx";
const DATA: &str = "models/digits32_test.csv";
const SEGMENTS: usize = 20;

fn bin() -> Command {
    Command::cargo_bin("onnx-inspector").unwrap()
}

/// Runs `explain` on the first rows of the CNN's data with superpixels into `out`.
fn explain(out: &Path, extra: &[&str]) -> Value {
    bin()
        .args(["explain", MODEL, "--data", DATA, "--quiet", "--out"])
        .arg(out)
        .args(["--superpixels", &SEGMENTS.to_string()])
        .args(["--samples", "200", "--background-size", "8"])
        .args(extra)
        .assert()
        .success();
    read_json(&out.join("explanations.json"))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Row `members` of a file's `row_groups`, as index lists.
fn row_groups(doc: &Value, row: usize) -> Vec<Vec<usize>> {
    serde_json::from_value(doc["row_groups"][row].clone()).unwrap()
}

/// The features of each SLIC segment of data row `row`, as the library cuts it.
fn slic_groups(row: usize) -> Vec<Vec<usize>> {
    let data = Dataset::load(DATA).unwrap();
    let shape = ImageShape::hwc(32, 32, 3);
    let params = SlicParams {
        n_segments: SEGMENTS,
        ..SlicParams::default()
    };
    let segments = slic(&data.values.row(row).to_vec(), &shape, &params).unwrap();
    segments.to_groups(&shape).unwrap()
}

/// Checks that a row's players partition its M inputs.
fn assert_partition(groups: &[Vec<usize>], m: usize) {
    let mut all: Vec<usize> = groups.concat();
    all.sort_unstable();
    assert_eq!(all, (0..m).collect::<Vec<_>>());
}

/// Checks that row `row`'s φ sum to f(x) − base for every output.
fn assert_efficient(doc: &Value, row: usize) {
    let values = doc["values"][row].as_array().unwrap();
    let fx = floats(&doc["predictions"][row]);
    let base = floats(&doc["base_values"][row]);
    for k in 0..fx.len() {
        let sum: f64 = values.iter().map(|v| v[k].as_f64().unwrap()).sum();
        assert!(
            (sum - (fx[k] - base[k])).abs() < 1e-6,
            "row {row} output {k}"
        );
    }
}

#[test]
fn auto_runs_partition_shap_over_each_rows_own_segment_tree() {
    let dir = tempfile::tempdir().unwrap();
    let doc = explain(&dir.path().join("out"), &["--rows", "2:4", "--no-charts"]);
    assert_eq!(doc["meta"]["method"], "partition");
    for row in 0..2 {
        assert_efficient(&doc, row);
        let used = row_groups(&doc, row)
            .iter()
            .filter(|g| !g.is_empty())
            .count();
        let values = doc["values"][row].as_array().unwrap();
        assert!(values[used..]
            .iter()
            .all(|v| floats(v).iter().all(|&x| x == 0.0)));
    }
}

#[test]
fn each_row_gets_its_own_slic_segments_with_efficiency_and_zero_padding() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let doc = explain(&out, &["--rows", "0:3", "--method", "permutation"]);
    let p = doc["feature_names"].as_array().unwrap().len();
    assert_eq!(doc["feature_names"][0], "segment 0");
    assert!(doc.get("groups").is_none());
    let mut counts = vec![];
    for row in 0..3 {
        let groups = row_groups(&doc, row);
        assert_eq!(groups.len(), p);
        assert_partition(&groups, 32 * 32 * 3);
        let own = slic_groups(row);
        assert_eq!(groups[..own.len()], own[..], "row {row}");
        assert!(groups[own.len()..].iter().all(Vec::is_empty));
        counts.push(own.len());
        let values = doc["values"][row].as_array().unwrap();
        let fx = floats(&doc["predictions"][row]);
        let base = floats(&doc["base_values"][row]);
        for k in 0..fx.len() {
            let sum: f64 = values.iter().map(|v| v[k].as_f64().unwrap()).sum();
            assert!(
                (sum - (fx[k] - base[k])).abs() < 1e-6,
                "row {row} output {k}"
            );
        }
        for v in &values[own.len()..] {
            assert!(
                floats(v).iter().all(|&x| x == 0.0),
                "padding player of row {row}"
            );
        }
    }
    assert_eq!(p, *counts.iter().max().unwrap());
    assert!(counts.iter().any(|&c| c != counts[0]), "counts {counts:?}");
    let charts: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let overlays = charts
        .iter()
        .filter(|n| n.starts_with("overlay_row"))
        .count();
    assert_eq!(overlays, 3);
    // Segment k is another region in every row: no chart compares it across rows.
    assert!(
        !charts
            .iter()
            .any(|n| n.starts_with("global_bar") || n.starts_with("beeswarm")),
        "{charts:?}"
    );
    // `plot` reads the file back and refuses row groups that do not partition a row's inputs.
    let mut bad = doc.clone();
    bad["row_groups"][1][0][0] = bad["row_groups"][1][1][0].clone();
    let bad_path = dir.path().join("bad.json");
    std::fs::write(&bad_path, bad.to_string()).unwrap();
    bin()
        .args(["plot"])
        .arg(&bad_path)
        .args(["--kind", "overlay", "--out"])
        .arg(dir.path().join("plots"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("row_groups[1]"));
    bin()
        .args(["plot"])
        .arg(out.join("explanations.json"))
        .args(["--kind", "overlay", "--row", "1", "--out"])
        .arg(dir.path().join("plots"))
        .assert()
        .success();
}

#[test]
fn parquet_only_rows_keep_segment_columns_and_resume_checks_the_segments() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = [
        "--rows",
        "0:3",
        "--chunk-rows",
        "2",
        "--json-rows",
        "1",
        "--method",
        "kernel",
        "--no-charts",
    ];
    let doc = explain(&out, &args);
    assert_eq!(doc["row_indices"], serde_json::json!([]));
    assert_eq!(doc["row_groups"], serde_json::json!([]));
    assert_eq!(doc["attributions"], "attributions/");
    let p = doc["feature_names"].as_array().unwrap().len();
    assert_eq!(doc["summary"][0]["mean_abs"].as_array().unwrap().len(), p);
    let parts = std::fs::read_dir(out.join("attributions")).unwrap().count();
    assert_eq!(parts, 2);
    // A resume of the same run skips its finished parts; other segments are another run.
    let mut resume = args.to_vec();
    resume.push("--resume");
    assert_eq!(
        explain(&out, &resume)["feature_names"],
        doc["feature_names"]
    );
    bin()
        .args(["explain", MODEL, "--data", DATA, "--quiet", "--out"])
        .arg(&out)
        .args([
            "--superpixels",
            "30",
            "--samples",
            "200",
            "--background-size",
            "8",
        ])
        .args(resume)
        .assert()
        .failure()
        .stderr(predicates::str::contains("players differs"));
}

#[test]
fn lime_switches_each_rows_superpixels_filled_with_their_mean() {
    let dir = tempfile::tempdir().unwrap();
    let doc = explain(
        &dir.path().join("out"),
        &[
            "--rows",
            "1:3",
            "--method",
            "lime",
            "--mask",
            "mean",
            "--no-charts",
        ],
    );
    let p = doc["feature_names"].as_array().unwrap().len();
    assert_eq!(doc["lime"].as_array().unwrap().len(), 2);
    for row in 0..2 {
        let groups = row_groups(&doc, row);
        assert_partition(&groups, 32 * 32 * 3);
        let used = groups.iter().filter(|g| !g.is_empty()).count();
        assert_eq!(used, slic_groups(row + 1).len());
        let values = doc["values"][row].as_array().unwrap();
        assert_eq!(values.len(), p);
        assert!(values[..used]
            .iter()
            .any(|v| floats(v).iter().any(|&x| x != 0.0)));
        for v in &values[used..] {
            assert!(floats(v).iter().all(|&x| x == 0.0));
        }
        for o in doc["lime"][row]["outputs"].as_array().unwrap() {
            for t in o["features"].as_array().unwrap() {
                assert!(t["index"].as_u64().unwrap() < used as u64);
            }
        }
    }
}

#[test]
fn row_groups_give_each_row_the_shapley_values_of_its_own_players() {
    // f(x) = x0 + 2 x1 + 3 x2 + 4 x3 against a zero background: a player's φ is the sum of
    // its features' terms, whatever the grouping of that row.
    let model = FnModel::new(4, 1, |x| vec![x[0] + 2.0 * x[1] + 3.0 * x[2] + 4.0 * x[3]]);
    let names: Vec<String> = (0..4).map(|j| format!("f{j}")).collect();
    let background = array![[0.0f32; 4]];
    let x = array![[1.0f32, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0]];
    let sets = vec![
        FeatureGroups::segments(&[0, 0, 1, 2], 3, &names).unwrap(),
        FeatureGroups::segments(&[1, 0, 0, 1], 3, &names).unwrap(),
    ];
    let e = ShapExplainer::new(&model, background.view())
        .method(ShapMethod::Exact)
        .row_groups(sets.clone())
        .explain(x.view())
        .unwrap();
    let phi = |i: usize| (0..3).map(|p| e.values[[i, p, 0]]).collect::<Vec<_>>();
    let close = |a: Vec<f64>, b: [f64; 3]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-9);
    assert!(close(phi(0), [3.0, 3.0, 4.0]), "{:?}", phi(0));
    assert!(close(phi(1), [4.0 + 9.0, 1.0 + 16.0, 0.0]), "{:?}", phi(1));
    assert_eq!(e.row_groups.as_deref(), Some(&sets[..]));
    assert!(e.groups.is_none());
    assert_eq!(e.feature_names, ["segment 0", "segment 1", "segment 2"]);
    // LIME over the same players: the empty player gets nothing.
    let lime = LimeExplainer::new(&model, background.view())
        .samples(300)
        .row_groups(sets.clone())
        .explain(x.view())
        .unwrap();
    assert_eq!(lime.values[[1, 2, 0]], 0.0);
    // One set of players per row, all with the same count.
    let short = ShapExplainer::new(&model, background.view())
        .row_groups(sets[..1].to_vec())
        .explain(x.view());
    assert!(short
        .unwrap_err()
        .to_string()
        .contains("players for 1 rows"));
    let uneven = vec![
        sets[0].clone(),
        FeatureGroups::segments(&[0, 0, 1, 1], 2, &names).unwrap(),
    ];
    let e = ShapExplainer::new(&model, background.view())
        .row_groups(uneven)
        .explain(x.view());
    assert!(e.unwrap_err().to_string().contains("row 1 has 2 players"));
}

#[test]
fn superpixel_options_are_checked() {
    let run = |extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let out = bin()
            .args(["explain", MODEL, "--data", DATA, "--rows", "0", "--quiet"])
            .args(["--no-charts", "--out"])
            .arg(dir.path().join("o"))
            .args(extra)
            .assert()
            .failure();
        String::from_utf8_lossy(&out.get_output().stderr).to_string()
    };
    let both = run(&["--superpixels", "10", "--patch", "4"]);
    assert!(both.contains("not both"), "{both}");
    let alone = run(&["--compactness", "5", "--patch", "4"]);
    assert!(alone.contains("--superpixels N"), "{alone}");
    let bad = run(&["--superpixels", "10", "--compactness=-1"]);
    assert!(bad.contains("compactness"), "{bad}");
}

#[test]
fn shards_merged_keep_each_rows_segments() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--rows",
        "0:3",
        "--chunk-rows",
        "1",
        "--method",
        "kernel",
        "--no-charts",
    ];
    let single = explain(&dir.path().join("single"), &args);
    let shards: Vec<_> = (0..2)
        .map(|k| {
            let out = dir.path().join(format!("s{k}"));
            let shard = format!("{k}/2");
            let mut with_shard = args.to_vec();
            with_shard.extend(["--shard", &shard]);
            explain(&out, &with_shard);
            out
        })
        .collect();
    let all = dir.path().join("all");
    bin()
        .arg("merge")
        .args(&shards)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(&all)
        .assert()
        .success();
    let merged = read_json(&all.join("explanations.json"));
    assert_eq!(merged["row_groups"], single["row_groups"]);
    assert_eq!(merged["values"], single["values"]);
    assert_eq!(merged["feature_names"], single["feature_names"]);
}
