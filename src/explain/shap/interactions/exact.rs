//! Exact Shapley interaction index of every pair from one table of all 2^M coalitions.

use crate::error::Result;
use crate::explain::explanation::RowAttribution;
use crate::explain::game::row_game::RowGame;
use crate::explain::shap::exact::ValueTable;
use crate::explain::shap::interactions::convention::{shap_matrix, RowInteractions};
use crate::explain::shap::interactions::weights::interaction_weights;
use ndarray::Array3;

/// SII [M, M, K] (symmetric, zero diagonal) of every pair of the table's players.
pub(crate) fn sii(table: &ValueTable) -> Array3<f64> {
    let m = table.n_players();
    let v = &table.values;
    let k = v.ncols();
    let mut out = Array3::<f64>::zeros((m, m, k));
    let w = interaction_weights(m);
    for mask in 0..v.nrows() {
        let ws = match w.get(mask.count_ones() as usize) {
            Some(&ws) => ws,
            None => continue,
        };
        let absent: Vec<usize> = (0..m).filter(|i| mask >> i & 1 == 0).collect();
        for (a, &i) in absent.iter().enumerate() {
            for &j in &absent[a + 1..] {
                let (si, sj) = (mask | 1 << i, mask | 1 << j);
                for o in 0..k {
                    let d = v[[si | 1 << j, o]] - v[[si, o]] - v[[sj, o]] + v[[mask, o]];
                    out[[i, j, o]] += ws * d;
                }
            }
        }
    }
    for i in 0..m {
        for j in 0..i {
            for o in 0..k {
                out[[i, j, o]] = out[[j, i, o]];
            }
        }
    }
    out
}

/// Exact φ and exact interaction values of one row's game, from one enumeration.
pub(crate) fn explain_row(game: &RowGame) -> Result<(RowAttribution, RowInteractions)> {
    let table = ValueTable::of(game)?;
    let phi = table.shapley();
    let values = shap_matrix(&sii(&table), &phi);
    Ok((
        RowAttribution {
            values: phi,
            stderr: None,
            evaluations: table.evaluations,
            lime: None,
        },
        RowInteractions {
            values,
            stderr: None,
        },
    ))
}
