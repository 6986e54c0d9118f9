//! LIME over players switched on and off, as lime's image and text explainers (and captum's
//! `feature_mask`) do: a sample keeps each player of the instance or fills it like SHAP's
//! absent players, its interpretable form is the 0/1 vector of kept players, weighted by
//! √exp(−d²/w²) with d the cosine distance to the all-kept vector (w = 0.25, lime_image).

use crate::error::Result;
use crate::explain::binary_design::{row_words, BinaryDesign};
use crate::explain::explanation::{LimeRow, LimeSurrogate, RowAttribution};
use crate::explain::game::coalition::Coalition;
use crate::explain::game::row_game::RowGame;
use crate::explain::lime::fit::fit_surrogates;
use crate::explain::lime::surrogate::Gram;
use crate::explain::params::LimeParams;
use crate::explain::sampling::row_rng;
use ndarray::Array1;
use rand::{Rng, RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// lime_image's kernel width on the cosine distance.
pub const DEFAULT_PLAYER_KERNEL_WIDTH: f64 = 0.25;

/// LIME surrogates of one row's game; `names` are all players' names, `row` seeds the draws.
pub(crate) fn explain_row(
    game: &RowGame,
    opts: &LimeParams,
    names: &[String],
    output_names: &[String],
    row: usize,
) -> Result<RowAttribution> {
    let (n, p) = (opts.num_samples, game.n_players());
    if p == 0 {
        // Every player equals its fill: nothing to explain, the surrogate is the constant f(x).
        let outputs = output_names
            .iter()
            .zip(&game.fx)
            .map(|(o, &fx)| LimeSurrogate {
                output: o.clone(),
                intercept: fx,
                score: 1.0,
                local_pred: fx,
                terms: vec![],
            })
            .collect();
        return Ok(game.expand(RowAttribution {
            values: ndarray::Array2::zeros((0, game.n_outputs())),
            stderr: None,
            evaluations: 0,
            lime: Some(LimeRow { row, outputs }),
        }));
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(row_rng(opts.seed, row).gen());
    let rw = row_words(p).max(1);
    // Sample 0 keeps every player; the others keep each one with probability ½ (lime_image).
    let mut rows = vec![0u64; n * rw];
    for (i, r) in rows.chunks_exact_mut(rw).enumerate() {
        for (w, word) in r.iter_mut().enumerate() {
            let bits = (p - w * 64).min(64);
            let mask = if bits == 64 {
                u64::MAX
            } else {
                (1 << bits) - 1
            };
            *word = if i == 0 { mask } else { rng.next_u64() & mask };
        }
    }
    let coalitions: Vec<Coalition> = rows
        .chunks_exact(rw)
        .map(|r| Coalition::from_features(p, (0..p).filter(|&j| r[j / 64] >> (j % 64) & 1 == 1)))
        .collect();
    let y = game.values(&coalitions)?;
    let width = opts.kernel_width.unwrap_or(DEFAULT_PLAYER_KERNEL_WIDTH);
    let kernel = |ones: usize| {
        // Cosine distance of a 0/1 vector with `ones` ones to the all-ones vector (1 for none).
        let d = 1.0 - (ones as f64 / p.max(1) as f64).sqrt();
        (-(d * d) / (width * width)).exp().sqrt()
    };
    let gram = Gram::binary(BinaryDesign::new(&rows, p, kernel));
    let players = game.players();
    let describe = |j: usize| {
        let name = names[players[j]].clone();
        (name.clone(), name)
    };
    let first = Array1::ones(p);
    let (values, mut outputs) =
        fit_surrogates(opts, &gram, y.view(), first.view(), output_names, &describe);
    for o in &mut outputs {
        for t in &mut o.terms {
            t.index = players[t.index];
        }
    }
    Ok(game.expand(RowAttribution {
        values,
        stderr: None,
        evaluations: n,
        lime: Some(LimeRow { row, outputs }),
    }))
}
