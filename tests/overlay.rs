//! The overlay image chart drawn from a real explanation of the 8×8 CNN: size, content,
//! colours that follow the signs of φ, segment outlines, SVG, determinism and clear errors.

use assert_cmd::Command;
use image::RgbImage;
use onnx_inspector::data::image::{ImageShape, Segments};
use onnx_inspector::report::charts::{self, overlay_size, Format};
use onnx_inspector::report::ExplanationFile;
use std::path::{Path, PathBuf};

/// Explains two digits of the CNN with the binary; returns the JSON path.
fn explain(dir: &Path) -> PathBuf {
    let out = dir.join("cnn");
    Command::cargo_bin("onnx-inspector")
        .unwrap()
        .args([
            "explain",
            "models/cnn_digits8.onnx",
            "--data",
            "models/digits8_test.csv",
        ])
        .args([
            "--rows",
            "0:2",
            "--samples",
            "300",
            "--no-charts",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    out.join("explanations.json")
}

fn decode(path: &Path) -> RgbImage {
    image::open(path).unwrap().to_rgb8()
}

/// The screen pixel at the centre of image pixel (y, x) of an 8×8 overlay.
fn centre(img: &RgbImage, y: usize, x: usize) -> [u8; 3] {
    let s = 480 / 8;
    img.get_pixel(20 + (x * s + s / 2) as u32, 84 + (y * s + s / 2) as u32)
        .0
}

#[test]
fn overlay_of_a_digit() {
    let dir = tempfile::tempdir().unwrap();
    let f = ExplanationFile::read(&explain(dir.path())).unwrap();
    let shape = ImageShape::from_row_shape(&f.meta.row_shape).unwrap();
    assert_eq!((shape.height, shape.width, shape.channels), (8, 8, 1));
    let k = charts::predicted_output(&f, 0);
    let png = dir.path().join("overlay.png");
    charts::write_overlay(&f, 0, k, None, None, &png, Format::Png).unwrap();
    let img = decode(&png);
    assert_eq!(img.dimensions(), overlay_size(shape));
    let mut colours: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 30, "only {} colours", colours.len());

    // The strongest pixels are tinted by their sign: red channel above blue for φ > 0.
    let phi: Vec<f64> = f.values[0].iter().map(|v| v[k]).collect();
    let lim = phi.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let mut strong = 0;
    for (p, &v) in phi.iter().enumerate() {
        if v.abs() > 0.5 * lim {
            let c = centre(&img, p / 8, p % 8);
            let (r, b) = (c[0] as i32, c[2] as i32);
            assert!(
                if v > 0.0 { r > b + 60 } else { b > r + 60 },
                "pixel {p}: φ {v}, {c:?}"
            );
            strong += 1;
        }
    }
    assert!(strong > 0);

    // Segments: 2×2 patches, outlined in yellow; per-pixel colour is the segment's total.
    let seg = Segments::patch_grid(&shape, 2).unwrap();
    let outlined = dir.path().join("outlined.png");
    charts::write_overlay(&f, 0, k, Some(shape), Some(&seg), &outlined, Format::Png).unwrap();
    let img = decode(&outlined);
    let yellow = img
        .pixels()
        .filter(|p| p[0] > 230 && p[1] > 170 && p[1] < 230 && p[2] < 60)
        .count();
    // 3 inner lines each way across a 480-pixel panel, 2 pixels wide.
    assert!(yellow > 3 * 2 * 2 * 400, "{yellow} outline pixels");
    assert_eq!(
        centre(&img, 0, 0),
        centre(&img, 1, 1),
        "one colour per segment"
    );

    // SVG, and the same bytes twice.
    let svg = dir.path().join("overlay.svg");
    charts::write_overlay(&f, 1, k, None, Some(&seg), &svg, Format::Svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    let (w, h) = overlay_size(shape);
    assert!(text.contains(&format!("width=\"{w}\"")) && text.contains(&format!("height=\"{h}\"")));
    assert!(text.matches("<rect").count() >= 64);
    let again = dir.path().join("again.png");
    charts::write_overlay(&f, 0, k, Some(shape), Some(&seg), &again, Format::Png).unwrap();
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&outlined).unwrap()
    );

    // Errors: one line, naming what does not fit.
    let wrong = Segments::patch_grid(&ImageShape::hwc(4, 16, 1), 2).unwrap();
    let e = charts::write_overlay(&f, 0, k, None, Some(&wrong), &png, Format::Png).unwrap_err();
    assert!(
        e.to_string().contains("4x16") && !e.to_string().contains('\n'),
        "{e}"
    );
    let e = charts::write_overlay(
        &f,
        0,
        k,
        Some(ImageShape::hwc(4, 4, 3)),
        None,
        &png,
        Format::Png,
    )
    .unwrap_err();
    assert!(e.to_string().contains("4x4x3"), "{e}");
    let e = charts::write_overlay(&f, 5, k, None, None, &png, Format::Png).unwrap_err();
    assert!(e.to_string().contains("row 5"), "{e}");
}
