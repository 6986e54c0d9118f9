//! Who the players of a run are (single features, or groups from `--groups`) and what that
//! means for the estimators' reference rows, resolved once from a request.

use crate::data::read_groups;
use crate::error::Result;
use crate::explain::FeatureGroups;
use crate::pipeline::ExplainRequest;
use serde::{Deserialize, Serialize};

/// The players of one run over features named `features`.
#[derive(Debug, Clone)]
pub(crate) struct Players {
    /// Groups of features; `None` when every feature is a player.
    pub groups: Option<FeatureGroups>,
}

impl Players {
    /// The players a request asks for.
    pub fn resolve(req: &ExplainRequest, features: &[String]) -> Result<Players> {
        let groups = match &req.groups {
            Some(path) => Some(read_groups(path, features)?),
            None => None,
        };
        Ok(Players { groups })
    }

    /// Player names: the groups', or the features'.
    pub fn names(&self, features: &[String]) -> Vec<String> {
        match &self.groups {
            Some(g) => g.names().to_vec(),
            None => features.to_vec(),
        }
    }

    /// Number of players among M features.
    pub fn count(&self, m: usize) -> usize {
        self.groups.as_ref().map_or(m, FeatureGroups::len)
    }

    /// Whether LIME switches players on and off against background rows (lime_image semantics)
    /// rather than sampling features from training statistics (lime_tabular).
    pub fn switched(&self) -> bool {
        self.groups.is_some()
    }

    /// The players as a run's manifest records them.
    pub fn record(&self) -> PlayersRecord {
        PlayersRecord {
            groups: self.groups.as_ref().map(|g| g.all_members().to_vec()),
            input_names: self.groups.as_ref().map(|g| g.feature_names().to_vec()),
        }
    }
}

/// The players of a run as its manifest records them (what `explanations.json` needs of them).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct PlayersRecord {
    /// Input feature indices of each group, when players are groups.
    #[serde(default)]
    pub groups: Option<Vec<Vec<usize>>>,
    /// Input feature names, when players are groups.
    #[serde(default)]
    pub input_names: Option<Vec<String>>,
}
