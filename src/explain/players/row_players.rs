//! Players of each explained row's own (e.g. every image's superpixels), checked against the
//! model and the rows.

use crate::error::{Error, Result};
use crate::explain::players::feature_groups::FeatureGroups;

/// Checks per-row players: at least one set, every set over the model's `m` features and with
/// the same number of players, which it returns.
pub(crate) fn check(sets: &[FeatureGroups], m: usize, has_groups: bool) -> Result<usize> {
    if has_groups {
        return Err(Error::param(
            "row_groups",
            "give either groups shared by every row or groups per row, not both",
        ));
    }
    let first = sets
        .first()
        .ok_or_else(|| Error::param("row_groups", "no rows' players given"))?;
    for (i, g) in sets.iter().enumerate() {
        if g.n_features() != m {
            return Err(Error::Mismatch(format!(
                "row {i}'s players cover {} features; the model takes {m}",
                g.n_features()
            )));
        }
        if g.len() != first.len() {
            return Err(Error::Mismatch(format!(
                "row {i} has {} players, row 0 has {}: every row needs the same count",
                g.len(),
                first.len()
            )));
        }
    }
    Ok(first.len())
}

/// Checks that per-row players (or their trees), given for `given` rows, cover the `n` rows.
pub(crate) fn check_rows(given: usize, n: usize) -> Result<()> {
    if given != n {
        return Err(Error::Mismatch(format!(
            "players for {given} rows, but {n} rows to explain"
        )));
    }
    Ok(())
}

/// The players both explainers run with over `n` rows of features named `names`: row 0's of
/// per-row `row_groups` (all checked), else the shared `groups` (checked), else every feature
/// alone.
pub(crate) fn resolve(
    groups: Option<&FeatureGroups>,
    row_groups: Option<&[FeatureGroups]>,
    names: &[String],
    n: usize,
) -> Result<FeatureGroups> {
    let m = names.len();
    match (groups, row_groups) {
        (_, Some(sets)) => {
            check(sets, m, groups.is_some())?;
            check_rows(sets.len(), n)?;
            Ok(sets[0].clone())
        }
        (Some(g), None) if g.n_features() != m => Err(Error::Mismatch(format!(
            "the groups cover {} features; the model takes {m}",
            g.n_features()
        ))),
        (Some(g), None) => Ok(g.clone()),
        (None, None) => Ok(FeatureGroups::singletons(names)),
    }
}
