//! Shapley estimators: exact enumeration, kernel SHAP (shap's and Leverage SHAP's samplers), antithetic permutations, partition (Owen) values, pairwise interaction values.

pub(crate) mod coalition_design;
pub(crate) mod exact;
pub(crate) mod interactions;
pub(crate) mod kernel;
pub(crate) mod partition;
pub(crate) mod permutation;
pub(crate) mod rounds;
pub(crate) mod size_strata;
pub(crate) mod stratified;
