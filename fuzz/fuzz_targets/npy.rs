//! Fuzzes the `.npy` reader.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = onnx_inspector_fuzz::scratch_file("npy", "npy", data);
    if let Err(e) = onnx_inspector::data::read_npy(&path) {
        onnx_inspector_fuzz::check_message(&e.to_string());
    }
});
