//! Fuzzes ONNX loading, then predicts two rows through the loaded model.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onnx_inspector::model::{Model, OnnxModel};

fuzz_target!(|data: &[u8]| {
    let path = onnx_inspector_fuzz::scratch_file("onnx", "onnx", data);
    let result = OnnxModel::load(&path).and_then(|m| {
        let n = m.n_features();
        if n > 1 << 20 {
            return Ok(());
        }
        let rows = ndarray::Array2::from_shape_fn((2, n), |(i, j)| (i as f32) - (j % 7) as f32 * 0.5);
        m.predict(rows.view()).map(|_| ())
    });
    if let Err(e) = result {
        let msg = e.to_string();
        onnx_inspector_fuzz::check_message(&msg);
        onnx_inspector_fuzz::record_guarded(&msg, data);
    }
});
