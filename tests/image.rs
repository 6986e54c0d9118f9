//! The image building blocks against their reference libraries: `blur` against OpenCV's
//! `cv2.blur`, `slic` against scikit-image (fixtures made by
//! `tests/fixtures/image/make_image_fixtures.py`).

use onnx_inspector::data::image::{blur, ImageShape};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("tests/fixtures/image/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn dims(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

#[test]
fn blur_matches_opencv() {
    let f = fixture("blur.json");
    let mut checked = 0;
    for img in f["images"].as_array().unwrap() {
        let d = dims(&img["shape"]);
        let shape = ImageShape::hwc(d[0], d[1], d[2]);
        let data = floats(&img["data"]);
        for case in img["cases"].as_array().unwrap() {
            let (kw, kh) = (case["kw"].as_u64().unwrap(), case["kh"].as_u64().unwrap());
            let want = floats(&case["out"]);
            let got = blur(&data, &shape, kh as usize, kw as usize).unwrap();
            let worst = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            // float32 output of sums of up to 143 values in [0, 1]: a few ulps apart.
            assert!(
                worst < 1e-5,
                "{d:?} ksize ({kw},{kh}): max difference {worst}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
}
