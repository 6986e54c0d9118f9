//! LIME: tabular perturbations (bins, truncated normals), switched players, and the weighted ridge surrogate.

pub(crate) mod discretize;
pub(crate) mod fit;
pub(crate) mod surrogate;
pub(crate) mod switched;
pub(crate) mod tabular;
pub(crate) mod truncnorm;
