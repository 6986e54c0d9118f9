//! Pairwise Shapley interaction values in shap's convention (TreeExplainer's
//! `shap_interaction_values`): per row and output an M×M matrix Φ with Φ_ij = SII_ij / 2 (i ≠ j)
//! and Φ_ii = φ_i − Σ_{j≠i} Φ_ij, so each row of Φ sums to φ_i exactly.
//!
//! SII_ij = Σ_{S ⊆ N∖{i,j}} |S|!(M−|S|−2)!/(M−1)! · [v(S∪ij) − v(S∪i) − v(S∪j) + v(S)]
//! (Grabisch & Roubens). `exact` enumerates all 2^M coalitions (one Gray-code table gives φ and
//! SII); `sampled` fits a quadratic surrogate game and corrects it with a stratified
//! Horvitz–Thompson estimate of the residual's SII, with a standard error per entry.

pub(crate) mod convention;
pub(crate) mod exact;
pub(crate) mod paths;
pub(crate) mod sampled;
pub(crate) mod surrogate;
pub(crate) mod weights;
