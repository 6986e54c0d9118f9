//! The game of one explained row: coalitions, the masker that evaluates v(S) in batches (incrementally through a first linear layer), and per-row references.

pub(crate) mod accumulate;
pub(crate) mod coalition;
pub(crate) mod fused;
pub(crate) mod fused_kernel;
pub(crate) mod incremental;
pub(crate) mod lanes;
pub(crate) mod masker;
pub(crate) mod predict;
pub(crate) mod row_game;
pub(crate) mod row_games;
pub(crate) mod walk;
