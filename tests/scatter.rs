//! Dependence scatters (`plot --kind scatter`): each dot sits at its row's feature value and φ
//! and takes the colour of the colouring feature's value; defaults, sizes and one-line errors.

use assert_cmd::Command;
use onnx_inspector::report::charts::{
    self, style, DEFAULT_TOP_SCATTER, SCATTER_HEIGHT, SCATTER_WIDTH,
};
use onnx_inspector::report::ExplanationFile;
use std::path::{Path, PathBuf};

fn bin() -> Command {
    Command::cargo_bin("onnx-inspector").unwrap()
}

/// Explains 40 diabetes rows (with `extra` flags) into `dir/name`; returns the JSON path.
fn explain(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    bin()
        .args(["explain", "models/diabetes.onnx", "--data"])
        .arg("models/diabetes_test.csv")
        .args([
            "--rows",
            "0:40",
            "--samples",
            "300",
            "--quiet",
            "--no-charts",
        ])
        .args(extra)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    out.join("explanations.json")
}

/// Runs `plot FILE --out OUT ARGS...`, returning the process output.
fn plot(json: &Path, out: &Path, args: &[&str]) -> std::process::Output {
    bin()
        .arg("plot")
        .arg(json)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

/// The SVG's dots: (cx, cy, fill).
fn circles(svg: &str) -> Vec<(f64, f64, String)> {
    let attr = |tag: &str, name: &str| -> String {
        let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[start..].split('"').next().unwrap().to_string()
    };
    svg.split("<circle")
        .skip(1)
        .map(|t| {
            let tag = &t[..t.find("/>").unwrap()];
            (
                attr(tag, "cx").parse().unwrap(),
                attr(tag, "cy").parse().unwrap(),
                attr(tag, "fill"),
            )
        })
        .collect()
}

/// Fails unless the pixel coordinates `px` order the rows as `values` do (`flip`: larger value,
/// smaller pixel), for every pair that differs by more than 2% of the values' range.
fn assert_same_order(values: &[f64], px: &[f64], flip: bool, what: &str) {
    let (lo, hi) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let tol = (hi - lo) * 0.02;
    let mut pairs = 0;
    for a in 0..values.len() {
        for b in 0..values.len() {
            if values[a] > values[b] + tol {
                let ok = if flip { px[a] < px[b] } else { px[a] > px[b] };
                assert!(ok, "{what}: rows {a} and {b} drawn out of order");
                pairs += 1;
            }
        }
    }
    assert!(pairs > 100, "{what}: only {pairs} pairs compared");
}

/// The row holding the largest and the smallest value of column `j`.
fn extremes(f: &ExplanationFile, j: usize) -> (usize, usize) {
    let col: Vec<f32> = f.data.iter().map(|r| r[j]).collect();
    let arg = |better: fn(f32, f32) -> bool| {
        (0..col.len())
            .reduce(|a, b| if better(col[b], col[a]) { b } else { a })
            .unwrap()
    };
    (arg(|x, y| x > y), arg(|x, y| x < y))
}

#[test]
fn dots_sit_at_value_and_phi_coloured_by_value() {
    let dir = tempfile::tempdir().unwrap();
    let json = explain(dir.path(), "run", &[]);
    let f = ExplanationFile::read(&json).unwrap();
    let out = dir.path().join("plots");
    let bmi = f.feature_names.iter().position(|n| n == "bmi").unwrap();
    let age = f.feature_names.iter().position(|n| n == "age").unwrap();
    for (color_by, colour_feature) in [(None, bmi), (Some("age"), age)] {
        let mut args = vec!["--kind", "scatter", "--feature", "bmi", "--format", "svg"];
        if let Some(c) = color_by {
            args.extend(["--color-by", c]);
        }
        let o = plot(&json, &out, &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let svg = std::fs::read_to_string(out.join(format!("scatter_feat{bmi}_out0.svg"))).unwrap();
        let dots = circles(&svg);
        assert_eq!(dots.len(), f.values.len(), "one dot per row");
        let x: Vec<f64> = f.data.iter().map(|r| r[bmi] as f64).collect();
        let phi: Vec<f64> = f.values.iter().map(|r| r[bmi][0]).collect();
        let cx: Vec<f64> = dots.iter().map(|d| d.0).collect();
        let cy: Vec<f64> = dots.iter().map(|d| d.1).collect();
        assert_same_order(&x, &cx, false, "x follows the feature value");
        assert_same_order(&phi, &cy, true, "y follows φ");
        let (high, low) = extremes(&f, colour_feature);
        assert_eq!(dots[high].2, "#FF0052", "highest value is red");
        assert_eq!(dots[low].2, "#008BFB", "lowest value is blue");
    }
}

#[test]
fn default_scatters_are_the_top_features_and_png_has_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let json = explain(dir.path(), "run", &[]);
    let f = ExplanationFile::read(&json).unwrap();
    let out = dir.path().join("plots");
    let o = plot(&json, &out, &["--kind", "scatter"]);
    assert!(o.status.success());
    let mean_abs = &f.summary[0].mean_abs;
    let mut order: Vec<usize> = (0..mean_abs.len()).collect();
    order.sort_by(|&a, &b| mean_abs[b].total_cmp(&mean_abs[a]));
    let expected: Vec<String> = order[..DEFAULT_TOP_SCATTER]
        .iter()
        .map(|j| {
            format!(
                "wrote {}",
                out.join(format!("scatter_feat{j}_out0.png")).display()
            )
        })
        .collect();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);
    let img = image::open(out.join(format!("scatter_feat{}_out0.png", order[0]))).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (SCATTER_WIDTH + style::COLORBAR_WIDTH, SCATTER_HEIGHT)
    );
    assert_eq!(charts::scatter_features(&f, 0, 2), order[..2].to_vec());
}

/// Runs `plot` expecting one error line; returns it.
fn plot_fails(json: &Path, out: &Path, args: &[&str]) -> String {
    let o = plot(json, out, args);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(!o.status.success(), "{args:?} succeeded");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn bad_features_and_groups_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let json = explain(dir.path(), "run", &[]);
    let out = dir.path().join("plots");
    let js = json.display().to_string();
    let e = plot_fails(&json, &out, &["--kind", "scatter", "--feature", "height"]);
    assert!(
        e.contains(&js) && e.contains("feature 'height' is neither"),
        "{e}"
    );
    let e = plot_fails(&json, &out, &["--kind", "scatter", "--feature", "10"]);
    assert!(e.contains("feature 10 is out of range"), "{e}");
    let groups = dir.path().join("g.json");
    std::fs::write(
        &groups,
        r#"{"blood": ["s1", "s2", "s3", "s4", "s5", "s6"]}"#,
    )
    .unwrap();
    let json = explain(
        dir.path(),
        "grouped",
        &["--groups", groups.to_str().unwrap()],
    );
    let e = plot_fails(&json, &out, &["--kind", "scatter", "--feature", "blood"]);
    assert!(e.contains("'blood' is a group of several inputs"), "{e}");
    let f = ExplanationFile::read(&json).unwrap();
    let blood = f.feature_names.iter().position(|n| n == "blood").unwrap();
    assert!(!charts::scatter_features(&f, 0, 10).contains(&blood));
    assert!(!out.join(format!("scatter_feat{blood}_out0.png")).exists());
}
