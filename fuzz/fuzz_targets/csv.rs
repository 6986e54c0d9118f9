//! Fuzzes the CSV reader (features and labels).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = onnx_inspector_fuzz::scratch_file("csv", "csv", data);
    if let Err(e) = onnx_inspector::data::read_csv(&path) {
        onnx_inspector_fuzz::check_message(&e.to_string());
    }
    if let Err(e) = onnx_inspector::data::read_labels(&path) {
        onnx_inspector_fuzz::check_message(&e.to_string());
    }
});
