//! What the players of a run are, so that messages about them name them rightly.

use serde::{Deserialize, Serialize};

/// What one player is: a single feature, a group of features, an image patch or a superpixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlayerKind {
    /// Every feature is a player.
    #[default]
    Features,
    /// Groups of features (`groups`).
    Groups,
    /// Squares of an image (`patch`).
    Patches,
    /// Each image's own SLIC superpixels (`superpixels`).
    Superpixels,
    /// Each text row's own tokens (`text`).
    Tokens,
}

impl PlayerKind {
    /// `n` players in words: "30 features", "64 players (patches)".
    pub fn count(self, n: usize) -> String {
        let plural = if n == 1 { "" } else { "s" };
        match self {
            PlayerKind::Features => format!("{n} feature{plural}"),
            other => format!("{n} player{plural} ({other})"),
        }
    }
}

impl std::fmt::Display for PlayerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PlayerKind::Features => "features",
            PlayerKind::Groups => "feature groups",
            PlayerKind::Patches => "patches",
            PlayerKind::Superpixels => "superpixels",
            PlayerKind::Tokens => "tokens",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_name_what_the_players_are() {
        assert_eq!(PlayerKind::Features.count(30), "30 features");
        assert_eq!(PlayerKind::Features.count(1), "1 feature");
        assert_eq!(PlayerKind::Groups.count(3), "3 players (feature groups)");
        assert_eq!(PlayerKind::Patches.count(64), "64 players (patches)");
        assert_eq!(PlayerKind::Superpixels.count(1), "1 player (superpixels)");
    }
}
