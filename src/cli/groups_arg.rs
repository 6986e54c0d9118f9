//! The `--groups` value: a keyword (`inputs`; for a sequence input `time`, `feature`,
//! `window:K`) or a JSON file of feature groups.

use onnx_inspector::request::SequenceGroups;
use onnx_inspector::GroupsSource;
use std::path::PathBuf;

/// What `--groups VALUE` names: `inputs` makes each graph input one player; `time`, `feature`
/// and `window:K` cut a sequence input [N, T, F]; anything else is a JSON file of groups (give
/// `./time` for a file named `time`).
pub fn groups_source(value: String) -> anyhow::Result<GroupsSource> {
    if value == "inputs" {
        return Ok(GroupsSource::Inputs);
    }
    if matches!(value.as_str(), "time" | "feature") || value.starts_with("window:") {
        return Ok(GroupsSource::Sequence(value.parse::<SequenceGroups>()?));
    }
    Ok(GroupsSource::File(PathBuf::from(value)))
}
