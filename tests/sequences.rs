//! Sequence players (`--groups time|feature|window:K`) on models with input [N, T, F]: exact
//! Shapley values over time steps equal brute force from model calls, and every grouping
//! partitions the cells.

mod common;

use common::{cli, error_of};
use ndarray::{s, Array2};
use onnx_inspector::data::read_csv;
use onnx_inspector::explain::{Estimator, ShapMethod, ShapParams};
use onnx_inspector::model::{Model, OnnxModel};
use onnx_inspector::request::SequenceGroups;
use onnx_inspector::run::run_explain;
use onnx_inspector::{ExplainRequest, GroupsSource};

/// Shapley values of output `o` over T time steps of F features, by enumerating every
/// coalition: v(S) = mean over background rows of f(x on the steps of S, background elsewhere).
fn brute_force_time(model: &OnnxModel, x: &[f32], bg: &Array2<f32>, t: usize) -> Array2<f64> {
    let (m, f, nb) = (x.len(), x.len() / t, bg.nrows());
    let n_coalitions = 1usize << t;
    let mut rows = Array2::<f32>::zeros((n_coalitions * nb, m));
    for c in 0..n_coalitions {
        for b in 0..nb {
            for j in 0..m {
                let on = c >> (j / f) & 1 == 1;
                rows[[c * nb + b, j]] = if on { x[j] } else { bg[[b, j]] };
            }
        }
    }
    let out = model.predict(rows.view()).unwrap();
    let k = model.n_outputs();
    let v =
        |c: usize, o: usize| (0..nb).map(|b| out[[c * nb + b, o]] as f64).sum::<f64>() / nb as f64;
    let fact = |n: usize| (1..=n).product::<usize>() as f64;
    let mut phi = Array2::zeros((t, k));
    for p in 0..t {
        for c in (0..n_coalitions).filter(|c| c >> p & 1 == 0) {
            let size = c.count_ones() as usize;
            let w = fact(size) * fact(t - size - 1) / fact(t);
            for o in 0..k {
                phi[[p, o]] += w * (v(c | 1 << p, o) - v(c, o));
            }
        }
    }
    phi
}

#[test]
fn time_players_exact_equal_brute_force_over_steps() {
    let dir = tempfile::tempdir().unwrap();
    let train = read_csv("models/digits8_train.csv").unwrap();
    let bg = train.values.slice(s![0..3, ..]).to_owned();
    let bg_path = dir.path().join("bg.csv");
    onnx_inspector::data::write_csv(&bg_path, &train.feature_names, &bg).unwrap();
    let mut req = ExplainRequest::new(
        "models/lstm_digits8.onnx",
        "models/digits8_test.csv",
        Estimator::Shap(ShapParams {
            method: ShapMethod::Exact,
            ..ShapParams::default()
        }),
    );
    req.background = Some(bg_path);
    req.rows = Some("0:2".into());
    req.groups = Some(GroupsSource::Sequence(SequenceGroups::Time));
    let file = run_explain(&req, None).unwrap();
    let names: Vec<String> = (0..8).map(|t| format!("t{t}")).collect();
    assert_eq!(file.feature_names, names);
    let model = OnnxModel::load("models/lstm_digits8.onnx").unwrap();
    for (i, x) in file.data.iter().enumerate() {
        let want = brute_force_time(&model, x, &bg, 8);
        for p in 0..8 {
            for o in 0..10 {
                let got = file.values[i][p][o];
                assert!(
                    (got - want[[p, o]]).abs() < 1e-5,
                    "row {i} t{p} out {o}: {got} vs {}",
                    want[[p, o]]
                );
            }
        }
    }
}

/// `explain` of the series regressor on its test rows (more arguments to add).
fn series() -> assert_cmd::Command {
    let mut cmd = cli();
    cmd.args([
        "explain",
        "models/series_lstm.onnx",
        "--data",
        "models/series_test.csv",
    ]);
    cmd
}

/// The groups of a `--groups VALUE` run on the series model, with their names.
fn groups_of(value: &str) -> (Vec<String>, Vec<Vec<usize>>) {
    let dir = tempfile::tempdir().unwrap();
    series()
        .args([
            "--rows",
            "0:2",
            "--groups",
            value,
            "--quiet",
            "--no-charts",
            "--no-report",
        ])
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("explanations.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let names = serde_json::from_value(doc["feature_names"].clone()).unwrap();
    let groups = serde_json::from_value(doc["groups"].clone()).unwrap();
    (names, groups)
}

#[test]
fn time_feature_and_window_groups_partition_the_cells() {
    let cells: Vec<usize> = (0..30).collect();
    for (value, want_names) in [
        ("time", (0..10).map(|t| format!("t{t}")).collect::<Vec<_>>()),
        (
            "feature",
            vec!["temp".into(), "load".into(), "noise".into()],
        ),
        (
            "window:4",
            vec!["t0-t3".into(), "t4-t7".into(), "t8-t9".into()],
        ),
    ] {
        let (names, groups) = groups_of(value);
        assert_eq!(names, want_names, "{value}");
        let mut all: Vec<usize> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, cells, "{value}");
    }
    let (_, feature) = groups_of("feature");
    assert_eq!(feature[1], (0..10).map(|t| t * 3 + 1).collect::<Vec<_>>());
}

#[test]
fn the_regressor_puts_its_weight_on_the_steps_and_channel_it_reads() {
    // y = mean(temp over steps 7..9) + 0.5 load at step 0: the other steps and the noise
    // channel matter less than those.
    let dir = tempfile::tempdir().unwrap();
    for (value, top) in [
        ("time", ["t0", "t7", "t8", "t9"].as_slice()),
        ("feature", &["temp", "load"]),
    ] {
        let out = dir.path().join(value);
        series()
            .args(["--groups", value, "--method", "exact", "--rows", "0:20"])
            .args([
                "--background-size",
                "10",
                "--quiet",
                "--no-charts",
                "--no-report",
            ])
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let text = std::fs::read_to_string(out.join("explanations.json")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let names: Vec<String> = serde_json::from_value(doc["feature_names"].clone()).unwrap();
        let mean_abs: Vec<f64> =
            serde_json::from_value(doc["summary"][0]["mean_abs"].clone()).unwrap();
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| mean_abs[b].total_cmp(&mean_abs[a]));
        let leaders: Vec<&str> = order[..top.len()]
            .iter()
            .map(|&p| names[p].as_str())
            .collect();
        for t in top {
            assert!(
                leaders.contains(t),
                "{value}: {leaders:?} should hold {t} ({mean_abs:?})"
            );
        }
    }
}

#[test]
fn sequence_groups_need_a_sequence_input_and_a_window_of_at_least_one_step() {
    let err = error_of(
        cli()
            .args([
                "explain",
                "models/breast_cancer.onnx",
                "--data",
                "models/breast_cancer_test.csv",
            ])
            .args([
                "--groups",
                "time",
                "--quiet",
                "--out",
                "/tmp/never-written-seq",
            ]),
    );
    assert!(
        err.contains("error: --groups: time needs a sequence input [N, T, F]"),
        "{err}"
    );
    assert!(err.contains("[30]"), "{err}");
    let err = error_of(series().args([
        "--groups",
        "window:0",
        "--quiet",
        "--out",
        "/tmp/never-written-seq",
    ]));
    assert!(
        err.contains("window:0: K must be a whole number of steps, at least 1"),
        "{err}"
    );
    let model = OnnxModel::load("models/series_lstm.onnx").unwrap();
    assert_eq!(model.row_shape(), vec![10, 3]);
}

#[test]
fn sequence_charts_follow_the_players() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        series()
            .args(["--rows", "0:2", "--quiet", "--no-report"])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        out
    };
    let cells = run("cells", &[]);
    let time = run("time", &["--groups", "time", "--method", "exact"]);
    let feature = run("feature", &["--groups", "feature"]);
    for r in [0, 1] {
        assert!(cells
            .join(format!("time_heatmap_row{r}_out0.png"))
            .is_file());
        assert!(cells.join(format!("steps_row{r}_out0.png")).is_file());
        assert!(time.join(format!("steps_row{r}_out0.png")).is_file());
        assert!(!time.join(format!("time_heatmap_row{r}_out0.png")).exists());
        assert!(!feature.join(format!("steps_row{r}_out0.png")).exists());
    }
    let plots = dir.path().join("plots");
    let done = common::plot(
        &cells.join("explanations.json"),
        &plots,
        &["--kind", "time-heatmap", "--row", "1"],
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(plots.join("time_heatmap_row1_out0.png").is_file());
    let refused = common::plot(
        &time.join("explanations.json"),
        &plots,
        &["--kind", "time-heatmap"],
    );
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("a time heatmap needs sequence rows [T, F] explained cell by cell"),
        "{err}"
    );
}
