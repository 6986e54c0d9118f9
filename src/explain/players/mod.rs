//! Who the players are: single features, named feature groups, each row's own groups, and partition trees over players.

pub(crate) mod feature_groups;
pub(crate) mod player_tree;
pub(crate) mod row_players;
