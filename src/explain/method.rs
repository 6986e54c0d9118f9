//! The estimator that ran, as `explanations.json` names it, and which settings it applies.

use crate::error::Error;
use serde::{Deserialize, Serialize};

/// The estimator that ran, as recorded in `explanations.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Exact Shapley values by enumeration.
    Exact,
    /// KernelSHAP regression.
    Kernel,
    /// Antithetic permutation sampling.
    Permutation,
    /// Owen values over a hierarchy of players (shap's Partition explainer).
    Partition,
    /// LIME's local surrogate (not a Shapley estimator).
    Lime,
}

impl Method {
    /// The lowercase name written in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::Kernel => "kernel",
            Method::Permutation => "permutation",
            Method::Partition => "partition",
            Method::Lime => "lime",
        }
    }

    /// Whether the estimator applies `tolerance` (Covert–Lee early stopping): the sampling
    /// Shapley estimators, kernel and permutation.
    pub fn uses_tolerance(self) -> bool {
        self.tolerance_unused().is_none()
    }

    /// Why the estimator ignores `tolerance` (`None` for kernel and permutation, which apply it).
    pub fn tolerance_unused(self) -> Option<&'static str> {
        match self {
            Method::Kernel | Method::Permutation => None,
            Method::Exact => {
                Some("exact SHAP enumerates every coalition: no sampling error to stop on")
            }
            Method::Partition => Some(
                "partition SHAP spends its whole budget on the tree: no error estimate to stop on",
            ),
            Method::Lime => Some("LIME fits its surrogate on every sample"),
        }
    }

    /// The error for a `tolerance` given to this estimator when it ignores it.
    pub fn tolerance_error(self) -> Error {
        Error::param(
            "tolerance",
            format!(
                "applies only to the sampling estimators kernel and permutation; {}",
                self.tolerance_unused().unwrap_or("this estimator uses it")
            ),
        )
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
