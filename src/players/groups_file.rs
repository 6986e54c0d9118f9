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
    if let Some(name) = twice_named(&text) {
        return Err(Error::data(
            path,
            format!("group '{name}' is defined twice: give each group once (JSON would keep only the last)"),
        ));
    }
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

/// The first key the top-level JSON object of `text` repeats (a JSON parser keeps the last).
fn twice_named(text: &str) -> Option<String> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                if !seen.insert(key.clone()) {
                    return Ok(Some(key));
                }
            }
            Ok(None)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(Keys).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::twice_named;

    #[test]
    fn repeated_group_names_are_found() {
        assert_eq!(twice_named(r#"{"a": [0], "b": [1]}"#), None);
        assert_eq!(
            twice_named(r#"{"a": [0], "b": [1], "a": [2]}"#),
            Some("a".into())
        );
    }
}
