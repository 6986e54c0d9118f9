//! Players of a sequence input [T, F]: its time steps, its channels, or windows of steps.

use crate::data::channel_names;
use crate::error::{Error, Result};
use crate::explain::FeatureGroups;
use crate::request::SequenceGroups;

/// The groups `kind` asks for over features named `features`, laid out as the model's rows
/// `row_shape` (which must be [T, F]: a model input [N, T, F]).
pub(crate) fn sequence_groups(
    kind: SequenceGroups,
    features: &[String],
    row_shape: &[usize],
) -> Result<FeatureGroups> {
    let &[t, f] = row_shape else {
        return Err(Error::param(
            "groups",
            format!(
                "{} needs a sequence input [N, T, F]; the model's rows have shape {row_shape:?}",
                label(kind)
            ),
        ));
    };
    let cell = |step: usize, channel: usize| step * f + channel;
    let (names, members): (Vec<String>, Vec<Vec<usize>>) = match kind {
        SequenceGroups::Time => (0..t)
            .map(|s| (format!("t{s}"), (0..f).map(|c| cell(s, c)).collect()))
            .unzip(),
        SequenceGroups::Feature => channel_names(features, t, f)
            .into_iter()
            .enumerate()
            .map(|(c, name)| (name, (0..t).map(|s| cell(s, c)).collect()))
            .unzip(),
        SequenceGroups::Window(k) => (0..t)
            .step_by(k)
            .map(|a| {
                let b = (a + k).min(t) - 1;
                let name = match a == b {
                    true => format!("t{a}"),
                    false => format!("t{a}-t{b}"),
                };
                (name, (a * f..(b + 1) * f).collect())
            })
            .unzip(),
    };
    FeatureGroups::from_parts(names, members, features)
}

/// The flag value of `kind`, for messages.
fn label(kind: SequenceGroups) -> String {
    match kind {
        SequenceGroups::Time => "time".into(),
        SequenceGroups::Feature => "feature".into(),
        SequenceGroups::Window(k) => format!("window:{k}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: usize, f: usize) -> Vec<String> {
        (0..t)
            .flat_map(|s| {
                ["temp", "load"][..f]
                    .iter()
                    .map(move |c| format!("t{s}_{c}"))
            })
            .collect()
    }

    #[test]
    fn time_feature_and_window_groups_partition_the_cells() {
        let features = names(5, 2);
        let time = sequence_groups(SequenceGroups::Time, &features, &[5, 2]).unwrap();
        assert_eq!(time.names(), ["t0", "t1", "t2", "t3", "t4"]);
        assert_eq!(time.members(3), [6, 7]);
        let feature = sequence_groups(SequenceGroups::Feature, &features, &[5, 2]).unwrap();
        assert_eq!(feature.names(), ["temp", "load"]);
        assert_eq!(feature.members(1), [1, 3, 5, 7, 9]);
        let window = sequence_groups(SequenceGroups::Window(2), &features, &[5, 2]).unwrap();
        assert_eq!(window.names(), ["t0-t1", "t2-t3", "t4"]);
        assert_eq!(window.members(2), [8, 9]);
        for g in [time, feature, window] {
            let mut all: Vec<usize> = g.all_members().concat();
            all.sort_unstable();
            assert_eq!(all, (0..10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn channels_without_a_shared_suffix_are_numbered_and_flat_rows_refused() {
        let px: Vec<String> = (0..4).map(|j| format!("px_{}_{}", j / 2, j % 2)).collect();
        let g = sequence_groups(SequenceGroups::Feature, &px, &[2, 2]).unwrap();
        assert_eq!(g.names(), ["f0", "f1"]);
        let e = sequence_groups(SequenceGroups::Time, &px, &[4]).unwrap_err();
        assert!(
            e.to_string()
                .contains("time needs a sequence input [N, T, F]"),
            "{e}"
        );
    }
}
