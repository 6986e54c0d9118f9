//! `--groups`: a JSON file of feature groups, or the keyword `inputs` (one player per graph input).

use onnx_inspector::GroupsSource;
use std::path::PathBuf;

/// The groups `--groups VALUE` asks for: `inputs` is the keyword, anything else a JSON file.
pub fn groups_source(value: PathBuf) -> GroupsSource {
    match value.to_str() {
        Some("inputs") => GroupsSource::Inputs,
        _ => GroupsSource::File(value),
    }
}
