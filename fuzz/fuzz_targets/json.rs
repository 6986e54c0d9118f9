//! Fuzzes the `explanations.json` reader (parse + shape validation).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = onnx_inspector_fuzz::scratch_file("json", "json", data);
    match onnx_inspector::report::json::ExplanationFile::read(&path) {
        Ok(f) => assert!(f.validate().is_ok()),
        Err(e) => onnx_inspector_fuzz::check_message(&e.to_string()),
    }
});
