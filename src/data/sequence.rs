//! Names of a sequence row's channels: rows [T, F] flattened step by step into T·F columns.

/// The F channel names of columns `features` laid out as [T, F]: what a channel's columns share
/// after their step prefix (`t3_temp` -> `temp`, the same at every step), else `f{c}`.
pub fn channel_names(features: &[String], t: usize, f: usize) -> Vec<String> {
    let suffix = |s: usize, c: usize| {
        features
            .get(s * f + c)
            .and_then(|n| n.split_once('_'))
            .map(|(_, rest)| rest)
    };
    (0..f)
        .map(|c| match suffix(0, c) {
            Some(first) if !first.is_empty() && (1..t).all(|s| suffix(s, c) == Some(first)) => {
                first.to_string()
            }
            _ => format!("f{c}"),
        })
        .collect()
}
