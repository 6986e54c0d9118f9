//! The in-memory library front (`explain_dataset`, what the Python package calls) gives the same
//! values as the file-based run (`run_explain`, the CLI's setup), for a sampled background, a
//! background given as a table, groups given by name, and LIME's training rows.

use onnx_inspector::explain::{Estimator, LimeParams, ShapMethod, ShapParams};
use onnx_inspector::report::ExplanationFile;
use onnx_inspector::{
    explain_dataset, run_explain, Dataset, ExplainRequest, GivenTables, GroupsSource, OnnxModel,
};
use std::io::Write;

const MODEL: &str = "models/breast_cancer.onnx";
const DATA: &str = "models/breast_cancer_test.csv";
const TRAIN: &str = "models/breast_cancer_train.csv";

fn permutation(samples: usize) -> Estimator {
    Estimator::Shap(ShapParams {
        method: ShapMethod::Permutation,
        samples: Some(samples),
        seed: 7,
        ..ShapParams::default()
    })
}

/// Row indices, values `[n][P][K]` and base values `[n][K]` of a report.
type Numbers = (Vec<usize>, Vec<Vec<Vec<f64>>>, Vec<Vec<f64>>);

/// The per-row numbers of a report, which must match bit for bit.
fn numbers(f: &ExplanationFile) -> Numbers {
    assert!(!f.values.is_empty(), "no rows explained");
    (
        f.row_indices.clone(),
        f.values.clone(),
        f.base_values.clone(),
    )
}

#[test]
fn sampled_background_matches_the_file_run() {
    let mut req = ExplainRequest::new(MODEL, DATA, permutation(300));
    req.rows = Some("3:9".into());
    req.background_size = 20;
    let from_files = run_explain(&req, None).unwrap();
    let model = OnnxModel::load(MODEL).unwrap();
    let data = Dataset::load(DATA).unwrap();
    let in_memory = explain_dataset(&model, &data, GivenTables::default(), &req, None).unwrap();
    assert_eq!(numbers(&from_files), numbers(&in_memory));
    let described = |f: &ExplanationFile| serde_json::to_string(&f.meta.background).unwrap();
    assert_eq!(described(&in_memory), described(&from_files));
}

#[test]
fn background_table_and_named_groups_match_files() {
    let model = OnnxModel::load(MODEL).unwrap();
    let data = Dataset::load(DATA).unwrap();
    let bg = Dataset::load(TRAIN).unwrap();
    let names = &data.feature_names;
    let dir = tempfile::tempdir().unwrap();
    let groups_path = dir.path().join("groups.json");
    let mut f = std::fs::File::create(&groups_path).unwrap();
    write!(
        f,
        "{{\"first\": [\"{}\", \"{}\"], \"third\": [2, 5]}}",
        names[0], names[1]
    )
    .unwrap();
    let mut req = ExplainRequest::new(MODEL, DATA, permutation(200));
    req.rows = Some("0:4".into());
    req.background = Some(TRAIN.into());
    req.groups = Some(GroupsSource::File(groups_path));
    let from_files = run_explain(&req, None).unwrap();
    req.background = None;
    req.groups = Some(GroupsSource::Named(vec![
        ("first".into(), vec![names[0].clone(), names[1].clone()]),
        ("third".into(), vec!["2".into(), "5".into()]),
    ]));
    let given = GivenTables {
        background: Some(&bg),
        train: None,
    };
    let in_memory = explain_dataset(&model, &data, given, &req, None).unwrap();
    assert_eq!(in_memory.feature_names, from_files.feature_names);
    assert_eq!(in_memory.feature_names[0], "first");
    assert_eq!(numbers(&from_files), numbers(&in_memory));
}

#[test]
fn lime_training_table_matches_the_train_file() {
    let model = OnnxModel::load(MODEL).unwrap();
    let data = Dataset::load(DATA).unwrap();
    let train = Dataset::load(TRAIN).unwrap();
    let lime = Estimator::Lime(LimeParams {
        num_samples: 500,
        seed: 3,
        ..LimeParams::default()
    });
    let mut req = ExplainRequest::new(MODEL, DATA, lime);
    req.rows = Some("0:3".into());
    req.train = Some(TRAIN.into());
    let from_files = run_explain(&req, None).unwrap();
    req.train = None;
    let given = GivenTables {
        background: None,
        train: Some(&train),
    };
    let in_memory = explain_dataset(&model, &data, given, &req, None).unwrap();
    assert_eq!(numbers(&from_files), numbers(&in_memory));
}

#[test]
fn checks_run_before_anything_is_explained() {
    let model = OnnxModel::load(MODEL).unwrap();
    let data = Dataset::load(DATA).unwrap();
    let mut req = ExplainRequest::new(MODEL, DATA, permutation(100));
    req.categorical = vec!["0".into()];
    let err = explain_dataset(&model, &data, GivenTables::default(), &req, None).unwrap_err();
    assert!(err.to_string().contains("applies to LIME only"), "{err}");
    let narrow = Dataset::load("models/diabetes_test.csv").unwrap();
    let req = ExplainRequest::new(MODEL, DATA, permutation(100));
    let err = explain_dataset(&model, &narrow, GivenTables::default(), &req, None).unwrap_err();
    assert!(err.to_string().contains("columns"), "{err}");
}
