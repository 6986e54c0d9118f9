//! Charts drawn from real explanations of every zoo model: sizes, content, colours that follow
//! the signs of the data, SVG, byte-for-byte determinism, and clear errors for bad input.

use assert_cmd::Command;
use image::RgbImage;
use onnx_inspector::report::charts::{
    self, chart_rows, image_grid_size, style, Format, ImageShape, DEFAULT_TOP_BAR,
    DEFAULT_TOP_GLOBAL, DEFAULT_TOP_WATERFALL,
};
use onnx_inspector::report::ExplanationFile;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn bin() -> Command {
    Command::cargo_bin("onnx-inspector").unwrap()
}

/// Explains a few rows of a zoo model with the binary; returns the JSON path.
fn explain(dir: &Path, model: &str, data: &str, rows: &str) -> PathBuf {
    let out = dir.join(model.trim_end_matches(".onnx"));
    // Images of thousands of values are explained by 8x8 patches, as a user would.
    let header = std::fs::read_to_string(format!("models/{data}")).unwrap();
    let wide = header.lines().next().unwrap().split(',').count() > 1000;
    let patches: &[&str] = if wide {
        &["--patch", "8", "--background-size", "8"]
    } else {
        &[]
    };
    bin()
        .args(["explain", &format!("models/{model}"), "--data"])
        .arg(format!("models/{data}"))
        .args(["--rows", rows, "--samples", "300", "--quiet", "--out"])
        .arg(&out)
        .args(patches)
        .assert()
        .success();
    out.join("explanations.json")
}

/// Every zoo model with its test data (the 32x32x3 ones are explained by patches).
fn zoo() -> Vec<(String, String)> {
    let text = std::fs::read_to_string("models/zoo.json").unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    // Text models (with a vocabulary) are explained per token with their padding left out:
    // tests/text.rs draws their charts.
    v.as_array()
        .unwrap()
        .iter()
        .filter(|m| m.get("vocab").is_none())
        .map(|m| {
            (
                m["file"].as_str().unwrap().to_string(),
                m["test_csv"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn decode(path: &Path) -> RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

fn is_red(p: &image::Rgb<u8>) -> bool {
    p[0] > 200 && p[1] < 90 && p[2] < 150
}

fn is_blue(p: &image::Rgb<u8>) -> bool {
    p[0] < 90 && p[1] > 90 && p[1] < 190 && p[2] > 200
}

/// (red, blue) pixel counts in pixel rows `y0..y1`.
fn red_blue(img: &RgbImage, (y0, y1): (u32, u32)) -> (usize, usize) {
    let mut n = (0, 0);
    for y in y0..y1.min(img.height()) {
        for x in 0..img.width() {
            let p = img.get_pixel(x, y);
            n.0 += usize::from(is_red(p));
            n.1 += usize::from(is_blue(p));
        }
    }
    n
}

/// Fails unless the image has real content: many colours and enough ink.
fn assert_not_blank(img: &RgbImage, what: &str) {
    let mut colours: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    let ink = colours.iter().filter(|c| **c != [255, 255, 255]).count();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 30, "{what}: only {} colours", colours.len());
    let frac = ink as f64 / (img.width() * img.height()) as f64;
    assert!(frac > 0.02, "{what}: only {:.3} of pixels inked", frac);
    let corner = img.get_pixel(0, 0).0;
    assert_eq!(corner, [255, 255, 255], "{what}: background is not white");
}

/// Checks the colour of the first (largest |φ|) row of a waterfall or bar chart.
fn assert_top_row_colour(img: &RgbImage, phi: f64, what: &str) {
    let band = style::row_band(0, style::ROW_HEIGHT);
    let (red, blue) = red_blue(img, (band.0 + 4, band.1 - 4));
    if phi > 0.0 {
        assert!(
            red > 100 && red > 5 * blue,
            "{what}: φ {phi} but red {red}, blue {blue}"
        );
    } else {
        assert!(
            blue > 100 && blue > 5 * red,
            "{what}: φ {phi} but red {red}, blue {blue}"
        );
    }
}

/// The largest-|φ| attribution of a row for an output.
fn top_phi(f: &ExplanationFile, row: usize, k: usize) -> f64 {
    f.values[row]
        .iter()
        .map(|v| v[k])
        .fold(0.0, |a: f64, v| if v.abs() > a.abs() { v } else { a })
}

#[test]
fn default_charts_of_every_zoo_model() {
    let dir = tempfile::tempdir().unwrap();
    for (model, data) in zoo() {
        let json = explain(dir.path(), &model, &data, "0:4");
        let f = ExplanationFile::read(&json).unwrap();
        let (m, k) = (f.feature_names.len(), f.output_names.len());
        let out = dir.path().join(format!("charts_{model}"));
        let written = charts::write_default_charts(&f, &out, Format::Png).unwrap();
        let image = ImageShape::from_row_shape(&f.meta.row_shape);
        // Sequence rows [T, F] add a time heatmap and a step bar per waterfall row.
        let row_charts = charts::RowChart::defaults(&f).len();
        let expected_files = 4 * (1 + row_charts) + 1 + charts::beeswarm_outputs(&f).len();
        if image.is_none() {
            assert_eq!(written.len(), expected_files, "{model}: {written:?}");
        } else {
            assert!(written.len() > expected_files, "{model}: {written:?}");
        }
        for path in &written {
            assert!(path.exists(), "{}", path.display());
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let what = format!("{model}/{name}");
            let img = decode(path);
            assert_not_blank(&img, &what);
            let size = if name.starts_with("waterfall") {
                style::row_chart_size(chart_rows(m, DEFAULT_TOP_WATERFALL), style::ROW_HEIGHT, 0)
            } else if name.starts_with("global_bar") {
                let legend = if k > 1 { style::LEGEND_WIDTH } else { 0 };
                style::row_chart_size(chart_rows(m, DEFAULT_TOP_GLOBAL), style::ROW_HEIGHT, legend)
            } else if name.starts_with("beeswarm") {
                style::row_chart_size(
                    chart_rows(m, DEFAULT_TOP_GLOBAL),
                    style::BEESWARM_ROW_HEIGHT,
                    style::COLORBAR_WIDTH,
                )
            } else if name.starts_with("image") {
                let kk: usize = name["image_out".len()..name.len() - 4].parse().unwrap();
                let rows = (0..4)
                    .filter(|&r| charts::predicted_output(&f, r) == kk)
                    .count();
                image_grid_size(rows, image.unwrap())
            } else if name.starts_with("overlay_row") {
                charts::overlay_size(image.unwrap())
            } else if name.starts_with("time_heatmap_row") {
                // Its height follows the channel count (tests/sequences.rs checks the content).
                (1080, img.height().max(300))
            } else if name.starts_with("steps_row") {
                (990, 480)
            } else {
                panic!("unexpected chart {what}");
            };
            assert_eq!(img.dimensions(), size, "{what}");
            if let Some(rest) = name.strip_prefix("waterfall_row") {
                let (row, out) = rest.trim_end_matches(".png").split_once("_out").unwrap();
                let (row, out): (usize, usize) = (row.parse().unwrap(), out.parse().unwrap());
                assert_eq!(out, charts::predicted_output(&f, row), "{what}");
                assert_top_row_colour(&img, top_phi(&f, row, out), &what);
            }
        }
        // The bar chart of row 1 follows the sign of its largest attribution too.
        let kk = charts::predicted_output(&f, 1);
        let bar = out.join("bar.png");
        charts::write_bar(&f, 1, kk, DEFAULT_TOP_BAR, &bar, Format::Png).unwrap();
        let img = decode(&bar);
        assert_eq!(
            img.dimensions(),
            style::row_chart_size(chart_rows(m, DEFAULT_TOP_BAR), style::ROW_HEIGHT, 0)
        );
        assert_top_row_colour(&img, top_phi(&f, 1, kk), &format!("{model}/bar"));
    }
}

/// Rewrites a real file so row 0 has one large positive and one large negative attribution.
fn signed_file(json: &Path, positive_first: bool) -> ExplanationFile {
    let mut f = ExplanationFile::read(json).unwrap();
    let sign = if positive_first { 1.0 } else { -1.0 };
    for (j, v) in f.values[0].iter_mut().enumerate() {
        v[0] = match j {
            0 => 2.0 * sign,
            1 => -1.5 * sign,
            _ => 0.01 * (j as f64 % 3.0 - 1.0),
        };
    }
    let total: f64 = f.values[0].iter().map(|v| v[0]).sum();
    f.predictions[0][0] = f.base_values[0][0] + total;
    f
}

#[test]
fn colours_follow_signs_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let json = explain(dir.path(), "diabetes.onnx", "diabetes_test.csv", "0:3");
    for positive_first in [true, false] {
        let f = signed_file(&json, positive_first);
        for kind in ["waterfall", "bar"] {
            let path = dir.path().join(format!("{kind}_{positive_first}.png"));
            match kind {
                "waterfall" => charts::write_waterfall(&f, 0, 0, 12, &path, Format::Png),
                _ => charts::write_bar(&f, 0, 0, 12, &path, Format::Png),
            }
            .unwrap();
            let img = decode(&path);
            let (r0, b0) = red_blue(&img, style::row_band(0, style::ROW_HEIGHT));
            let (r1, b1) = red_blue(&img, style::row_band(1, style::ROW_HEIGHT));
            let what = format!("{kind}, positive first: {positive_first}");
            if positive_first {
                assert!(r0 > 300 && b0 < r0 / 10, "{what}: row 0 red {r0} blue {b0}");
                assert!(b1 > 300 && r1 < b1 / 10, "{what}: row 1 red {r1} blue {b1}");
            } else {
                assert!(b0 > 300 && r0 < b0 / 10, "{what}: row 0 red {r0} blue {b0}");
                assert!(r1 > 300 && b1 < r1 / 10, "{what}: row 1 red {r1} blue {b1}");
            }
        }
    }
}

#[test]
fn same_file_same_bytes_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let json = explain(dir.path(), "cnn_digits8.onnx", "digits8_test.csv", "0:3");
    let f = ExplanationFile::read(&json).unwrap();
    for format in [Format::Png, Format::Svg] {
        let a = charts::write_default_charts(&f, &dir.path().join("a"), format).unwrap();
        let g = ExplanationFile::read(&json).unwrap();
        let b = charts::write_default_charts(&g, &dir.path().join("b"), format).unwrap();
        assert_eq!(a.len(), b.len());
        assert!(a.iter().any(|p| p.to_str().unwrap().contains("image_out")));
        for (pa, pb) in a.iter().zip(&b) {
            assert_eq!(pa.file_name(), pb.file_name());
            let (ba, bb) = (std::fs::read(pa).unwrap(), std::fs::read(pb).unwrap());
            assert!(ba == bb, "{} differs between runs", pa.display());
            if format == Format::Svg {
                let text = String::from_utf8(ba).unwrap();
                assert!(text.contains("<svg") && text.trim_end().ends_with("</svg>"));
                assert!(text.contains("<text") && text.contains("<rect"));
                assert!(text.contains("cnn_digits8.onnx"), "{}", pa.display());
            }
        }
    }
    // No temporary files are left beside the charts.
    let left: Vec<_> = std::fs::read_dir(dir.path().join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn non_finite_numbers_are_errors_not_charts() {
    let dir = tempfile::tempdir().unwrap();
    let json = explain(dir.path(), "diabetes.onnx", "diabetes_test.csv", "0:2");
    let mut f = ExplanationFile::read(&json).unwrap();
    f.predictions[1][0] = f64::NAN;
    let path = dir.path().join("w.png");
    let e = charts::write_waterfall(&f, 0, 0, 10, &path, Format::Png).unwrap_err();
    assert!(e.to_string().contains("predictions"), "{e}");
    assert!(!path.exists());
    let mut f = ExplanationFile::read(&json).unwrap();
    f.values[0][3][0] = f64::INFINITY;
    assert!(charts::write_default_charts(&f, dir.path(), Format::Png).is_err());
    let f = ExplanationFile::read(&json).unwrap();
    assert!(charts::write_waterfall(&f, 2, 0, 10, &path, Format::Png).is_err());
    assert!(charts::write_beeswarm(&f, 1, 10, &path, Format::Png).is_err());
    assert!(!path.exists());
}

/// Runs `plot` expecting failure; returns the single stderr line.
fn plot_fails(args: &[&str]) -> String {
    let out = bin().arg("plot").args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

#[test]
fn plot_cli_kinds_formats_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let json = explain(dir.path(), "ref_dense100.onnx", "digits10_test.csv", "0:3");
    let js = json.to_str().unwrap();
    let out = dir.path().join("plots");
    let run = |extra: &[&str]| {
        bin()
            .args(["plot", js, "--out"])
            .arg(&out)
            .args(extra)
            .assert()
            .success();
    };
    run(&["--kind", "waterfall", "--row", "2", "--output", "7"]);
    assert!(out.join("waterfall_row2_out7.png").exists());
    run(&[
        "--kind", "bar", "--row", "1", "--output", "class 3", "--top", "5",
    ]);
    let img = decode(&out.join("bar_row1_out3.png"));
    assert_eq!(
        img.dimensions(),
        style::row_chart_size(6, style::ROW_HEIGHT, 0)
    );
    run(&["--kind", "global-bar", "--output", "0"]);
    assert_eq!(
        decode(&out.join("global_bar_out0.png")).dimensions(),
        style::row_chart_size(21, style::ROW_HEIGHT, 0)
    );
    run(&["--kind", "beeswarm", "--output", "4", "--format", "svg"]);
    let svg = std::fs::read_to_string(out.join("beeswarm_out4.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("<circle"));
    run(&["--kind", "image", "--image-shape", "10x10", "--output", "7"]);
    let shape: ImageShape = "10x10".parse().unwrap();
    assert_eq!(
        decode(&out.join("image_out7.png")).dimensions(),
        image_grid_size(3, shape)
    );
    run(&["--image-shape", "10x10"]);
    assert!(out.join("global_bar.png").exists());

    // Errors: one line naming the file.
    let e = plot_fails(&[js, "--kind", "waterfall", "--row", "3"]);
    assert!(
        e.contains(js) && e.contains("row 3 is not in the file: it explains rows 0 to 2"),
        "{e}"
    );
    let e = plot_fails(&[js, "--kind", "bar", "--output", "10"]);
    assert!(e.contains(js) && e.contains("output 10"), "{e}");
    let e = plot_fails(&[js, "--kind", "bar", "--output", "nope"]);
    assert!(e.contains(js) && e.contains("'nope'"), "{e}");
    let e = plot_fails(&[js, "--kind", "image"]);
    assert!(e.contains(js) && e.contains("--image-shape"), "{e}");
    let e = plot_fails(&[js, "--kind", "image", "--image-shape", "8x8"]);
    assert!(e.contains("64") && e.contains("100"), "{e}");
    plot_fails(&[js, "--image-shape", "ten"]);

    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    v["values"][1].as_array_mut().unwrap().pop();
    let bad_shape = dir.path().join("bad_shape.json");
    std::fs::write(&bad_shape, v.to_string()).unwrap();
    let e = plot_fails(&[bad_shape.to_str().unwrap()]);
    assert!(
        e.contains("bad_shape.json") && e.contains("'values'"),
        "{e}"
    );
    v.as_object_mut().unwrap().remove("base_values");
    let missing = dir.path().join("missing.json");
    std::fs::write(&missing, v.to_string()).unwrap();
    let e = plot_fails(&[missing.to_str().unwrap()]);
    assert!(
        e.contains("missing.json") && e.contains("base_values"),
        "{e}"
    );
    let e = plot_fails(&[dir.path().join("nothing.json").to_str().unwrap()]);
    assert!(e.contains("nothing.json"), "{e}");
}

#[test]
fn lime_bars_are_labelled_with_their_rules() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("onnx-inspector")
            .unwrap()
            .args(args)
            .assert()
            .success();
    };
    let o = out.to_str().unwrap();
    run(&[
        "explain",
        "models/breast_cancer.onnx",
        "--data",
        "models/breast_cancer_test.csv",
        "--train",
        "models/breast_cancer_train.csv",
        "--method",
        "lime",
        "--rows",
        "0:1",
        "--num-features",
        "4",
        "--no-charts",
        "--quiet",
        "--out",
        o,
    ]);
    let js = out.join("explanations.json");
    run(&[
        "plot",
        js.to_str().unwrap(),
        "--kind",
        "waterfall",
        "--format",
        "svg",
        "--out",
        o,
    ]);
    let svg_path = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "svg"))
        .expect("a waterfall SVG");
    let svg = std::fs::read_to_string(svg_path).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&js).unwrap()).unwrap();
    let terms = v["lime"][0]["outputs"][0]["features"].as_array().unwrap();
    assert_eq!(terms.len(), 4);
    for t in terms {
        let rule = t["description"].as_str().unwrap();
        assert!(rule.contains('<') || rule.contains('>'), "{rule}");
        let escaped = rule
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(svg.contains(&escaped), "the chart lacks the rule '{rule}'");
    }
}
