//! Feature groups from a JSON file: `{"group name": ["feature", "names", or 0-based indices]}`.

use crate::error::{Error, Result};
use crate::explain::FeatureGroups;
use crate::model::resolve_names;
use serde_json::Value;
use std::path::Path;

/// Reads the groups of `path` over features named `feature_names`; features no group names stay
/// players of their own.
pub fn read_groups(path: &Path, feature_names: &[String]) -> Result<FeatureGroups> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| Error::data_caused(path, "not a JSON object of groups", e))?;
    let Value::Object(map) = doc else {
        return Err(Error::data(
            path,
            "expected a JSON object {\"group\": [\"feature\", ...], ...}",
        ));
    };
    let mut groups = Vec::with_capacity(map.len());
    for (name, members) in map {
        let Value::Array(items) = members else {
            return Err(Error::data(
                path,
                format!("group '{name}' is not a list of feature names or indices"),
            ));
        };
        let specs = items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) if n.is_u64() => Ok(n.to_string()),
                other => Err(Error::data(
                    path,
                    format!("group '{name}': {other} is neither a feature name nor an index"),
                )),
            })
            .collect::<Result<Vec<_>>>()?;
        let indices = resolve_names("groups", "feature", &specs, feature_names)
            .map_err(|e| Error::data(path, format!("group '{name}': {}", e.param_message())))?;
        groups.push((name, indices));
    }
    FeatureGroups::new(groups, feature_names).map_err(|e| Error::data(path, e.param_message()))
}
