//! Attribution estimators and the driver that runs them over many rows in parallel.
//!
//! Rooms: `shap/` (exact, kernel, permutation, partition and their samplers), `lime/` (tabular and
//! switched-player LIME, the ridge surrogate), `game/` (coalitions, the masker, the incremental
//! first layer, per-row references), `players/` (feature groups, per-row groups, partition trees);
//! at the top the builders ([`ShapExplainer`], [`LimeExplainer`]), their settings and the common
//! [`Explanation`].
//!
//! All SHAP estimators compute interventional Shapley values of every output with the
//! background as the distribution of absent features:
//! v(S) = mean_b f(x_S, b_notS), φ_i = Σ_{S∌i} |S|!(M−|S|−1)!/M! (v(S∪i) − v(S)).
//!
//! | method | what it computes | defaults | proved by (tests/) |
//! |---|---|---|---|
//! | `exact` | all 2^M coalitions of the varying features, M ≤ 20 | – | `shap_oracles.rs`: literal Shapley formula 1e-9 (1e-6 on the diabetes zoo model), linear closed form 1e-5 |
//! | `kernel` | constrained weighted least squares (Σφ = f(x) − E f exact) over complement pairs of coalitions. `leverage` (default; Leverage SHAP, Musco & Witter, `shap/size_strata.rs`): the same number of coalitions for every size (water-filling; sizes with fewer taken whole), distinct pairs without replacement, Horvitz–Thompson weights, SE stratified by size with the finite-population factor — the reference code's recipe, same rel-L2 within noise (`benches/results/leverage_reference.md`). `kernel` (shap's): smallest/largest sizes enumerated while the budget allows, the rest drawn with replacement, sizes from the Shapley kernel | 2M+2048 coalitions as the cap; with neither `samples` nor `tolerance`, a row stops once RMS(se) ≤ 1.2% of ‖φ‖₂ (`DEFAULT_SE_TARGET`, `shap/rounds.rs`; measured: `benches/results/default_budget.md`) | `shap_oracles.rs`: linear/additive/pairwise exact 1e-5; converges to exact on wine (rel. L2 < 0.05); efficiency 1e-5; 2-se coverage 0.88–0.995 |
//! | `permutation` | antithetic permutations (each order and its reverse), stratified by position: in every group of ⌈M/2⌉ pairs each feature takes each position once, mirror partners changing from order to order (`shap/stratified.rs`; rel-L2 at the default budget 0.092 → 0.048 on breast cancer, 0.115 → 0.104 on the reference net: `benches/results/estimator_sweep.md`) | ⌊budget / 2(M−1)⌋ pairs; the default 2M+2048 rounded up to whole groups once it buys two (M = 30: 2610) as the cap, with kernel's default se target | same tests as kernel; the default rule on wine: stopped rows meet it, rel-L2 to exact ≤ 2 × 0.012·√M; unit tests: every feature at every position once per full group, default budget rounding |
//! | `partition` | Owen values over a binary hierarchy of players (shap's `PartitionExplainer.owen`): each node is split in the context of its sibling absent and present, tasks expanded by decreasing \|marginal\| × weight (coarse to fine) in steps of 5 tasks (10 coalitions, one model call); an unexpanded node's marginal is shared equally by its players; Σφ = f(x) − v(∅) exact at any budget. Tree: the caller's [`Hierarchy`] over the players (features or groups; `From` an image segments' tree), restricted to the varying players, else shap's image tree for H×W×C rows of single features ([`Hierarchy::grid`]), else recursive halving in player order (shap clusters tabular features by correlation instead) | 500 evaluations (shap's `max_evals`, v(∅) and v(all) included) | `partition.rs`: efficiency 1e-9 at budgets 4..5000; additive closed form 1e-5 on two trees; two players = exact Shapley 1e-9; full budget = brute-force Owen (mean over hierarchy-consistent orders) 1e-9 on two trees; one split shares halves equally 1e-9; identical for 1 and 2 threads; image models use the grid tree; groups are the tree's players (closed form 1e-5). Unit tests: the segments' tree of a pixel grid converts to shap's grid tree. `benches/compare_partition.py`: equals shap's PartitionExplainer to 5e-7 at full budget on the 8×8 CNN |
//! | `lime` | `lime_tabular` semantics: quartile bins drawn by training frequency, values from the bin's truncated normal by CDF inversion (or decile, or gaussian), kernel √exp(−d²/w²) with w = 0.75√M, weighted ridge (α 1) on features chosen by `auto`/`forward`/`highest-weights`/`lasso-path`/`none`; categorical features drawn at training frequencies and described as `name=value` (same category or not) | 5000 samples, 10 features, `auto` selection | `lime.rs`: linear coefficients × training std (2e-3), an additive model of bin membership recovered (1%, R² > 0.999, unit test), a categorical indicator recovered exactly (2) and against its closed form −2·P(2∣≠1) (both schemes), identical for 1 and 2 threads, Spearman ≥ 0.9 and signs vs the `lime` library on wine; unit tests: bitset moments = dense moments (1e-9), categories drawn at training frequencies, sampler moments = closed-form truncated-normal mean (1e-4 sd), Φ⁻¹ round trip (1.2e-9) |
//! | `--interactions` (any Shapley method but partition) | pairwise Shapley interaction values in shap's convention ([`Interactions`]: Φ_ij = SII_ij/2, Φ_ii = φ_i − Σ_{j≠i} Φ_ij, each row summing to the run's φ_i). With exact φ: the SII from the same 2^M table. Otherwise sampled, by measurement one of two: when the budget gives a quadratic surrogate four coalitions per parameter in each of two folds (`surrogate::quadratic_fits`), with the budget again after φ (`shap/interactions/sampled.rs`): complement pairs even over sizes (Leverage strata), a quadratic surrogate game (per-size intercepts, linear and pair terms) whose SII is exact, plus the residual's SII by Horvitz–Thompson per size class, cross-fitted over two folds so the standard errors stay honest; exact at a budget covering every coalition. Below that (e.g. M = 30 at 2000), φ and SII from the same budget (`shap/interactions/paths.rs`): orders whose neighbours cover every pair once a round (Walecki's path decomposition, randomly relabelled), walked forward and in reverse, one discrete derivative per adjacent pair (unbiased for the SII), φ from the orders' prefixes and adjacent swaps; per-pair errors shrunk towards the pooled spread | φ's budget again (surrogate), or the budget for both (orders) | `interactions.rs`: planted pairwise terms of multilinear games recovered (1e-4, f32 model), literal SII formula 1e-9 (nonlinear model) and 1e-6 (wine network, 13 features, independent enumeration), rows sum to φ (1e-9), sampled → exact on wine (rel-L2 < 0.1 at 2000, 1e-6 at 8190), covering orders exact on planted pairwise terms (M = 10, 1e-4), 1.96-se coverage in 0.85–0.995 (orders at 90 and 200 coalitions, M = 8), tolerance stops early, CLI JSON/Parquet only when asked |//!
//!
//! Players are single features or [`FeatureGroups`] (named sets of features, image patches): a
//! group is present or absent as a whole and gets one φ (`tests/groups.rs`: closed form of a model
//! additive over groups, 1e-5, for exact/kernel/permutation with the incremental path on and off;
//! `tests/patch_players.rs`: 1-pixel patches equal the per-pixel game). Absent players take the
//! background rows' values, or each row's own fill ([`RowBackground`]: blurred, mean or zero
//! image; [`RowBackgroundAt`] is also given the row's position, to reuse its superpixels), whose
//! f is then the row's base value. Over groups or patches LIME follows lime_image
//! (`lime/switched.rs`): players switched on and off uniformly, sample 0 all on, weights
//! √exp(−d²/0.25²) of the cosine distance to all-on, ridge α 1, 1000 samples and every player by
//! default in the CLI (`tests/groups.rs`: an additive model of players recovered to 2%, R² > 0.999).
//! Sequence rows [T, F] group their cells by time step, channel or window (`--groups
//! time|feature|window:K`; `tests/sequences.rs`: exact over steps = brute force from model calls,
//! 1e-5). Text rows have per-row players, their non-padding tokens, filled with the mask id; the
//! CLI's `auto` is then partition over contiguous token spans, as shap's Text masker
//! (`tests/text.rs`: the word that decides the class leads in every row).
//!
//! Players equal to every background value are left out of the Shapley game (their φ is exactly 0).
//! Partition SHAP is deterministic and reports no standard errors (its truncation error is a bias
//! of the hierarchy, not sampling noise).
//! Standard errors: kernel uses the delta-method (sandwich, HC1-scaled) variance of the regression
//! over the sampled pairs; permutation the sample variance over antithetic pairs (conservative under stratification,
//! whose pairs are negatively correlated). Both are checked for
//! calibration (|error|/se within ±2 about 95% of the time) in `shap_oracles.rs`.
//! Every row draws from its own generator seeded by (`seed`, row index), and model calls are cut
//! into blocks that do not depend on the thread count, so results are identical for any `--threads`.
//!
//! When the model exposes its first linear layer ([`crate::model::Model::first_linear`], every
//! dense chain), the masker evaluates each block of coalitions incrementally: each coalition's
//! first-layer pre-activations are updated from ∅, x or a recent coalition of the block, only the
//! rest of the network runs per masked row, and rows a step leaves unchanged reuse their output
//! (`ShapParams::incremental`, `--no-incremental` to turn it off; `meta.evaluator` records it).
//! Attributions agree with whole-row evaluation to rounding (1e-6 on every zoo model,
//! `tests/incremental.rs`); the estimators order their coalitions so that neighbours differ in
//! one feature (permutation walks, exact in Gray-code order).
//!
//! Settings live in [`ShapParams`] and [`LimeParams`] (defaults in one place, checked once before
//! any row); [`ShapExplainer`] and [`LimeExplainer`] build runs and implement [`Explainer`].

mod binary_design;
mod builder;
mod explainer;
mod explanation;
mod game;
mod interactions;
mod lime;
mod linalg;
mod method;
mod params;
mod players;
mod progress;
mod rank;
mod sampling;
mod shap;

pub use crate::player_kind::PlayerKind;
pub use explainer::{Explainer, ShapExplainer};
pub use explanation::{Explanation, LimeRow, LimeSurrogate, LimeTerm};
pub use game::masker::{Evaluator, DEFAULT_BLOCK_ROWS};
pub use game::row_games::{RowBackground, RowBackgroundAt};
pub use interactions::Interactions;
pub use lime::switched::DEFAULT_PLAYER_KERNEL_WIDTH;
pub use lime::tabular::LimeExplainer;
pub use method::Method;
pub use params::{
    Discretizer, Estimator, LimeParams, Sampling, Selection, ShapMethod, ShapParams,
    DEFAULT_PARTITION_EVALS, DEFAULT_SE_TARGET, MAX_EXACT_FEATURES,
};
pub use players::feature_groups::FeatureGroups;
pub use players::player_tree::Hierarchy;
pub use progress::Progress;
pub use rank::{mean_abs, rank_desc};
