//! Every input the fuzzers found crashing or hanging (`tests/fixtures/fuzz/<target>/`) goes
//! through its reader again: a clean `Result` with a one-line error, never a panic; ONNX inputs
//! also through the binary: exit 1 and exactly one line on stderr.

use assert_cmd::Command;
use onnx_inspector::data::{read_csv, read_labels, read_npy};
use onnx_inspector::model::{Model, OnnxModel};
use std::path::{Path, PathBuf};

/// The committed inputs of one fuzz target, sorted; fails when there are none.
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|x| x != "txt" && x != "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
}

/// An error message of ours: one line, naming the file.
fn check_error(path: &Path, msg: &str) {
    assert!(
        !msg.contains('\n'),
        "{}: multi-line error: {msg}",
        path.display()
    );
    assert!(
        msg.contains(&path.display().to_string()),
        "{}: error does not name the file: {msg}",
        path.display()
    );
}

#[test]
fn csv_inputs_read_cleanly() {
    for p in inputs("csv") {
        for r in [read_csv(&p).map(|_| ()), read_labels(&p).map(|_| ())] {
            if let Err(e) = r {
                check_error(&p, &e.to_string());
            }
        }
    }
}

#[test]
fn npy_inputs_read_cleanly() {
    for p in inputs("npy") {
        if let Err(e) = read_npy(&p) {
            check_error(&p, &e.to_string());
        }
    }
}

/// Loads a model and predicts two rows, as the `onnx` fuzz target does; `Ok` holds the width.
fn load_and_predict(p: &Path) -> onnx_inspector::Result<usize> {
    let m = OnnxModel::load(p)?;
    let rows = ndarray::Array2::from_shape_fn((2, m.n_features()), |(i, j)| {
        (i as f32) - (j % 7) as f32 * 0.5
    });
    m.predict(rows.view())?;
    Ok(m.n_features())
}

#[test]
fn onnx_inputs_fail_with_one_line_in_the_library_and_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    for p in inputs("onnx") {
        let width = match load_and_predict(&p) {
            Ok(w) => w,
            Err(e) => {
                check_error(&p, &e.to_string());
                1
            }
        };
        let data = dir.path().join("rows.csv");
        let header: Vec<String> = (0..width).map(|j| format!("x{j}")).collect();
        let row: Vec<String> = (0..width).map(|j| format!("{}", j % 3)).collect();
        std::fs::write(
            &data,
            format!(
                "{}\n{}\n{}\n",
                header.join(","),
                row.join(","),
                row.join(",")
            ),
        )
        .unwrap();
        let out = Command::cargo_bin("onnx-inspector")
            .unwrap()
            .arg("predict")
            .arg(&p)
            .arg("--data")
            .arg(&data)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", p.display());
        assert_eq!(err.trim_end().lines().count(), 1, "{}: {err}", p.display());
        assert!(err.starts_with("error: "), "{}: {err}", p.display());
        assert!(!err.contains("panicked at"), "{}: {err}", p.display());
        assert!(!err.contains("RUST_BACKTRACE"), "{}: {err}", p.display());
    }
}
