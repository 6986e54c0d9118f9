//! Feature groups from a JSON file: `{"group name": ["feature", "names", or 0-based indices]}`.

use crate::error::{Error, Result};
use crate::explain::FeatureGroups;
use crate::model::resolve_names;
use serde_json::Value;
use std::path::Path;

/// Reads the groups of `path` over features named `feature_names`; features no group names stay
/// players of their own.
pub(crate) fn read_groups(path: &Path, feature_names: &[String]) -> Result<FeatureGroups> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| Error::data_caused(path, "not a JSON object of groups", e))?;
    let Value::Object(map) = doc else {
        return Err(Error::data(
            path,
            "expected a JSON object {\"group\": [\"feature\", ...], ...}",
        ));
    };
    let mut named = Vec::with_capacity(map.len());
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
        named.push((name, specs));
    }
    build(&named, feature_names, |m| Error::data(path, m))
}

/// Groups given by name, each a list of feature names or 0-based indices (errors name `groups`).
pub(crate) fn named_groups(
    named: &[(String, Vec<String>)],
    feature_names: &[String],
) -> Result<FeatureGroups> {
    build(named, feature_names, |m| Error::param("groups", m))
}

/// The groups of `named` over `feature_names`; `wrap` turns a message into the caller's error.
fn build(
    named: &[(String, Vec<String>)],
    feature_names: &[String],
    wrap: impl Fn(String) -> Error,
) -> Result<FeatureGroups> {
    let mut groups = Vec::with_capacity(named.len());
    for (name, specs) in named {
        let indices = resolve_names("groups", "feature", specs, feature_names)
            .map_err(|e| wrap(format!("group '{name}': {}", e.param_message())))?;
        groups.push((name.clone(), indices));
    }
    FeatureGroups::new(groups, feature_names).map_err(|e| wrap(e.param_message()))
}
