//! `plot --kind heatmap | cohorts | force`: each mark follows the numbers it stands for (cells
//! and segments by sign, cohort bars by their means), and bad cohorts are one-line errors.

mod common;

use common::{explain_diabetes, plot};
use onnx_inspector::report::charts::{cohort_mean, CohortSplit, SplitOn};
use onnx_inspector::report::ExplanationFile;

/// Fill colours of the SVG's rectangles.
fn rect_fills(svg: &str) -> Vec<String> {
    svg.split("<rect")
        .skip(1)
        .filter_map(|t| {
            let tag = &t[..t.find("/>")?];
            let start = tag.find(" fill=\"")? + 7;
            Some(tag[start..].split('"').next()?.to_string())
        })
        .collect()
}

fn hex(c: &str) -> (i32, i32, i32) {
    let v = |i: usize| i32::from_str_radix(&c[1 + 2 * i..3 + 2 * i], 16).unwrap();
    (v(0), v(1), v(2))
}

#[test]
fn force_segments_follow_the_signs_of_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let json = explain_diabetes(dir.path(), "run", &[]);
    let f = ExplanationFile::read(&json).unwrap();
    let out = dir.path().join("plots");
    for row in [0usize, 5] {
        let o = plot(
            &json,
            &out,
            &[
                "--kind",
                "force",
                "--row",
                &row.to_string(),
                "--format",
                "svg",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let svg = std::fs::read_to_string(out.join(format!("force_row{row}_out0.svg"))).unwrap();
        let fills = rect_fills(&svg);
        let red = fills.iter().filter(|c| *c == "#FF0052").count();
        let blue = fills.iter().filter(|c| *c == "#008BFB").count();
        let phi: Vec<f64> = f.values[row].iter().map(|v| v[0]).collect();
        assert_eq!(red, phi.iter().filter(|v| **v > 0.0).count(), "row {row}");
        assert_eq!(blue, phi.iter().filter(|v| **v < 0.0).count(), "row {row}");
    }
}

#[test]
fn heatmap_cells_are_coloured_by_the_sign_of_phi() {
    let dir = tempfile::tempdir().unwrap();
    let json = explain_diabetes(dir.path(), "run", &[]);
    let f = ExplanationFile::read(&json).unwrap();
    let out = dir.path().join("plots");
    for order in ["similarity", "prediction"] {
        let o = plot(
            &json,
            &out,
            &["--kind", "heatmap", "--order", order, "--format", "svg"],
        );
        assert!(o.status.success());
        let svg = std::fs::read_to_string(out.join("heatmap_out0.svg")).unwrap();
        // 10 features fit (no "others" band): 10 × 40 cells, then the colour bar's strip.
        let fills = rect_fills(&svg);
        let m = f.feature_names.len();
        let cells = &fills[1..1 + m * 40];
        let reddish = |c: &str| {
            let (r, _, b) = hex(c);
            r > b
        };
        let bluish = |c: &str| {
            let (r, _, b) = hex(c);
            b > r
        };
        let positive = f.values.iter().flatten().filter(|v| v[0] > 1e-9).count();
        let negative = f.values.iter().flatten().filter(|v| v[0] < -1e-9).count();
        // φ within a hair of 0 rounds to white; every other cell takes its sign's colour.
        let max = f
            .values
            .iter()
            .flatten()
            .map(|v| v[0].abs())
            .fold(0.0, f64::max);
        let faint = f
            .values
            .iter()
            .flatten()
            .filter(|v| v[0].abs() < 0.01 * max)
            .count();
        let (red, blue) = (
            cells.iter().filter(|c| reddish(c)).count(),
            cells.iter().filter(|c| bluish(c)).count(),
        );
        assert!(
            red <= positive && red + faint >= positive,
            "{order}: {red} of {positive}"
        );
        assert!(
            blue <= negative && blue + faint >= negative,
            "{order}: {blue} of {negative}"
        );
        assert!(
            faint < 100,
            "{faint} of 400 cells faint: the check says little"
        );
    }
}

#[test]
fn cohort_bars_are_the_cohorts_means() {
    let dir = tempfile::tempdir().unwrap();
    let json = explain_diabetes(dir.path(), "run", &[]);
    let f = ExplanationFile::read(&json).unwrap();
    let split = CohortSplit::parse(&f, "bmi>=0").unwrap();
    let bmi = f.feature_names.iter().position(|n| n == "bmi").unwrap();
    assert_eq!(split.on, SplitOn::Feature(bmi));
    let a = split.members(&f, 0).unwrap();
    let inside: Vec<f64> = (0..40)
        .filter(|&r| f.data[r][bmi] >= 0.0)
        .map(|r| f.values[r][bmi][0].abs())
        .collect();
    assert_eq!(a.iter().filter(|x| **x).count(), inside.len());
    let mean = inside.iter().sum::<f64>() / inside.len() as f64;
    let sd =
        (inside.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (inside.len() - 1) as f64).sqrt();
    let (m, half) = cohort_mean(&f, bmi, 0, &a);
    assert!((m - mean).abs() < 1e-12);
    assert!((half - 1.959_964 * sd / (inside.len() as f64).sqrt()).abs() < 1e-12);

    let out = dir.path().join("plots");
    let o = plot(
        &json,
        &out,
        &["--kind", "cohorts", "--cohort", "bmi>=0", "--format", "svg"],
    );
    assert!(o.status.success());
    let svg = std::fs::read_to_string(out.join("cohorts_out0.svg")).unwrap();
    let fills = rect_fills(&svg);
    // 10 features × 2 cohorts, then the legend's two swatches.
    assert_eq!(fills.iter().filter(|c| *c == "#1F77B4").count(), 11);
    assert_eq!(fills.iter().filter(|c| *c == "#FF7F0E").count(), 11);
    assert!(svg.contains(&format!("A: bmi ≥ 0 ({} rows)", inside.len())));
    let o = plot(&json, &out, &["--kind", "cohorts"]);
    assert!(o.status.success(), "default split on the median prediction");

    for (spec, msg) in [
        ("bmi>=10", "both cohorts need rows"),
        ("bmi=0", "is not NAME>=VALUE"),
        ("height<1", "feature 'height' is neither"),
    ] {
        let o = plot(&json, &out, &["--kind", "cohorts", "--cohort", spec]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(msg), "{spec}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}
