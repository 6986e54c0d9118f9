//! The players of an explanation: single features, or named groups of features explained as one.

use crate::error::{Error, Result};

/// A partition of a row's M features into players, each with a name.
///
/// Every SHAP method and LIME treat a player as one: a group is present or absent as a whole, and
/// gets one attribution. Features that no group names stay players of their own.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureGroups {
    names: Vec<String>,
    members: Vec<Vec<usize>>,
    feature_names: Vec<String>,
}

impl FeatureGroups {
    /// Every feature a player of its own, named by `names`.
    pub fn singletons(names: &[String]) -> FeatureGroups {
        FeatureGroups {
            names: names.to_vec(),
            members: (0..names.len()).map(|j| vec![j]).collect(),
            feature_names: names.to_vec(),
        }
    }

    /// Named groups of feature indices over features named `feature_names`; features no group
    /// names become singletons. Players are ordered by their first feature.
    pub fn new(groups: Vec<(String, Vec<usize>)>, feature_names: &[String]) -> Result<Self> {
        let m = feature_names.len();
        let mut owner: Vec<Option<usize>> = vec![None; m];
        for (g, (name, members)) in groups.iter().enumerate() {
            if members.is_empty() {
                return Err(Error::param("groups", format!("group '{name}' is empty")));
            }
            for &j in members {
                let Some(slot) = owner.get_mut(j) else {
                    return Err(Error::param(
                        "groups",
                        format!("group '{name}' names feature {j}, but there are {m} features"),
                    ));
                };
                if let Some(other) = *slot {
                    let what = match other == g {
                        true => format!("names feature '{}' twice", feature_names[j]),
                        false => format!(
                            "and group '{}' both name feature '{}'",
                            groups[other].0, feature_names[j]
                        ),
                    };
                    return Err(Error::param("groups", format!("group '{name}' {what}")));
                }
                *slot = Some(g);
            }
        }
        let mut players: Vec<(String, Vec<usize>)> = Vec::new();
        let mut placed = vec![false; groups.len()];
        for j in 0..m {
            match owner[j] {
                None => players.push((feature_names[j].clone(), vec![j])),
                Some(g) if !placed[g] => {
                    placed[g] = true;
                    let mut members = groups[g].1.clone();
                    members.sort_unstable();
                    players.push((groups[g].0.clone(), members));
                }
                Some(_) => {}
            }
        }
        let (names, members) = players.into_iter().unzip();
        FeatureGroups::from_parts(names, members, feature_names)
    }

    /// Players named `names` with features `members` (in this order), which must partition the
    /// features named `feature_names`: every feature in exactly one player.
    pub fn from_parts(
        names: Vec<String>,
        members: Vec<Vec<usize>>,
        feature_names: &[String],
    ) -> Result<Self> {
        let m = feature_names.len();
        if names.len() != members.len() {
            return Err(Error::param(
                "groups",
                format!("{} names for {} groups", names.len(), members.len()),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(Error::param(
                "groups",
                format!("two players are named '{dup}' (a group may not take a feature's name)"),
            ));
        }
        let mut owned = vec![false; m];
        for (name, group) in names.iter().zip(&members) {
            if group.is_empty() {
                return Err(Error::param("groups", format!("group '{name}' is empty")));
            }
            for &j in group {
                match owned.get_mut(j) {
                    Some(o) if !*o => *o = true,
                    Some(_) => {
                        return Err(Error::param(
                            "groups",
                            format!("feature '{}' is in two groups", feature_names[j]),
                        ))
                    }
                    None => {
                        return Err(Error::param(
                            "groups",
                            format!("group '{name}' names feature {j}, but there are {m} features"),
                        ))
                    }
                }
            }
        }
        if let Some(j) = owned.iter().position(|o| !o) {
            return Err(Error::param(
                "groups",
                format!("feature '{}' is in no group", feature_names[j]),
            ));
        }
        Ok(FeatureGroups {
            names,
            members,
            feature_names: feature_names.to_vec(),
        })
    }

    /// Players `segment 0` … `segment {p-1}` where feature j belongs to player `labels[j]`;
    /// players that no feature belongs to stay empty (they never vary, so their φ is 0).
    pub fn segments(labels: &[usize], p: usize, feature_names: &[String]) -> Result<Self> {
        if labels.len() != feature_names.len() {
            return Err(Error::param(
                "segments",
                format!(
                    "{} segment labels for {} features",
                    labels.len(),
                    feature_names.len()
                ),
            ));
        }
        let mut members = vec![Vec::new(); p];
        for (j, &l) in labels.iter().enumerate() {
            let Some(group) = members.get_mut(l) else {
                return Err(Error::param(
                    "segments",
                    format!(
                        "feature '{}' is in segment {l}, but there are {p}",
                        feature_names[j]
                    ),
                ));
            };
            group.push(j);
        }
        Ok(FeatureGroups {
            names: (0..p).map(|s| format!("segment {s}")).collect(),
            members,
            feature_names: feature_names.to_vec(),
        })
    }

    /// Players named `names` with features `members`, which may leave features out: those keep
    /// the background's value in every coalition (a text row's padding positions, whose fill is
    /// the row's own value). No feature may be in two players.
    pub fn partial(
        names: Vec<String>,
        members: Vec<Vec<usize>>,
        feature_names: &[String],
    ) -> Result<Self> {
        let m = feature_names.len();
        let mut owned = vec![false; m];
        for &j in members.iter().flatten() {
            match owned.get_mut(j) {
                Some(o) if !*o => *o = true,
                _ => {
                    return Err(Error::param(
                        "groups",
                        format!("feature {j} is out of range ({m}) or in two players"),
                    ))
                }
            }
        }
        if names.len() != members.len() {
            return Err(Error::param(
                "groups",
                format!("{} names for {} groups", names.len(), members.len()),
            ));
        }
        Ok(FeatureGroups {
            names,
            members,
            feature_names: feature_names.to_vec(),
        })
    }

    /// Number of players.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no players.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Number of features the players partition.
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// Names of the features the players partition.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Player names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Feature indices of player `p`, ascending.
    pub fn members(&self, p: usize) -> &[usize] {
        &self.members[p]
    }

    /// Feature indices of every player.
    pub fn all_members(&self) -> &[Vec<usize>] {
        &self.members
    }

    /// Whether every player is a single feature, in feature order.
    pub fn is_singletons(&self) -> bool {
        self.members.iter().enumerate().all(|(p, g)| g[..] == [p])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(m: usize) -> Vec<String> {
        (0..m).map(|j| format!("f{j}")).collect()
    }

    #[test]
    fn unnamed_features_stay_single_in_feature_order() {
        let g = FeatureGroups::new(vec![("pair".into(), vec![3, 1])], &names(5)).unwrap();
        assert_eq!(g.names(), ["f0", "pair", "f2", "f4"]);
        assert_eq!(g.members(1), [1, 3]);
        assert_eq!(g.len(), 4);
        assert!(!g.is_singletons());
        assert!(FeatureGroups::singletons(&names(3)).is_singletons());
    }

    #[test]
    fn bad_groups_are_refused_with_their_names() {
        let e = |groups| {
            FeatureGroups::new(groups, &names(3))
                .unwrap_err()
                .to_string()
        };
        assert!(e(vec![("a".into(), vec![])]).contains("'a' is empty"));
        assert!(e(vec![("a".into(), vec![7])]).contains("feature 7, but there are 3"));
        let both = e(vec![("a".into(), vec![0]), ("b".into(), vec![0, 1])]);
        assert!(
            both.contains("'b' and group 'a' both name feature 'f0'"),
            "{both}"
        );
        assert!(e(vec![("f2".into(), vec![0, 1])]).contains("named 'f2'"));
    }

    #[test]
    fn segments_allow_trailing_empty_players() {
        let g = FeatureGroups::segments(&[1, 0, 1, 0], 3, &names(4)).unwrap();
        assert_eq!(g.names(), ["segment 0", "segment 1", "segment 2"]);
        assert_eq!(g.all_members(), [vec![1, 3], vec![0, 2], vec![]]);
        let e = FeatureGroups::segments(&[0, 3], 3, &names(2)).unwrap_err();
        assert!(e.to_string().contains("'f1' is in segment 3"), "{e}");
        assert!(FeatureGroups::segments(&[0], 1, &names(2)).is_err());
    }
}
