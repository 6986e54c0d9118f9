//! Checks that need the whole run's settings and must pass before an earlier run's files are
//! touched: the memory the run would need, computed with overflow-safe arithmetic (a lower
//! bound, so that a run that fits is never refused), against this machine's memory and swap.

use crate::error::{bytes_text, Error, Result};
use crate::explain::{Estimator, Method};

/// The sizes that decide a run's memory.
#[derive(Debug, Clone, Copy)]
pub struct RunSize {
    /// Input values per row.
    pub features: usize,
    /// Players per row (features, groups, patches or superpixels).
    pub players: usize,
    /// Outputs explained.
    pub outputs: usize,
    /// Rows explained at once (worker threads).
    pub threads: usize,
    /// Rows per part.
    pub chunk_rows: usize,
}

/// Bytes of one model evaluation an estimator keeps for a row: its coalition (a bitset in a
/// vector) or LIME's perturbed sample, and the model's outputs.
fn per_evaluation(method: Method, s: &RunSize) -> u128 {
    let words = s.players.div_ceil(64).max(1) as u128;
    let outputs = 8 * s.outputs as u128;
    match method {
        Method::Lime => 4 * s.features as u128 + 8 * words + outputs,
        _ => 24 + 8 * words + outputs,
    }
}

/// Model evaluations a row keeps at once, at least, and what they are called: LIME's samples,
/// permutation SHAP's coalitions, kernel SHAP's up to every distinct coalition, exact SHAP's
/// every coalition; partition SHAP's stop with its hierarchy, so none are counted.
fn evaluations(e: &Estimator, method: Method, players: usize) -> (u128, &'static str) {
    let every = 1u128
        .checked_shl(players.min(127) as u32)
        .map_or(u128::MAX, |n| n.saturating_sub(2));
    match (e, method) {
        (Estimator::Lime(p), _) => (p.num_samples as u128, "samples"),
        (_, Method::Exact) => (every, "coalitions"),
        (Estimator::Shap(_), Method::Partition) => (0, "evaluations"),
        (Estimator::Shap(p), Method::Kernel) => {
            ((p.budget(players) as u128).min(every), "coalitions")
        }
        (Estimator::Shap(p), _) => (p.budget(players) as u128, "coalitions"),
    }
}

/// Memory and swap of this machine in bytes (`/proc/meminfo`), when known.
fn machine_memory() -> Option<u128> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<u128> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        let kb: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    };
    Some(field("MemTotal:")? + field("SwapTotal:").unwrap_or(0))
}

/// An error naming the setting to lower when the run cannot fit in this machine's memory.
pub fn check_memory(estimator: &Estimator, rows: usize, s: &RunSize) -> Result<()> {
    check_memory_within(estimator, rows, s, machine_memory())
}

/// [`check_memory`] against `have` bytes (unknown: only sizes beyond any memory are refused).
fn check_memory_within(
    estimator: &Estimator,
    rows: usize,
    s: &RunSize,
    have: Option<u128>,
) -> Result<()> {
    let method = estimator.method(s.players);
    let (evals, unit) = evaluations(estimator, method, s.players);
    let asked = match estimator {
        Estimator::Shap(p) => p.budget(s.players),
        Estimator::Lime(p) => p.num_samples,
    };
    let per_row = evals.saturating_mul(per_evaluation(method, s));
    let at_once = s.threads.clamp(1, rows.max(1)) as u128;
    let estimating = per_row.saturating_mul(at_once);
    let chunk = s.chunk_rows.min(rows) as u128;
    // The chunk's input values, and φ with standard errors per player and output.
    let per_chunk_row = 4 * s.features as u128 + 16 * (s.players as u128) * (s.outputs as u128);
    let chunk_bytes = chunk.saturating_mul(per_chunk_row);
    let need = estimating.saturating_add(chunk_bytes);
    let limit = have.unwrap_or(u64::MAX as u128);
    if need <= limit {
        return Ok(());
    }
    let have = match have {
        Some(b) => format!("this machine's {} (memory and swap)", bytes_text(b)),
        None => "any machine's memory".into(),
    };
    if estimating >= chunk_bytes {
        Err(Error::param(
            "samples",
            format!(
                "{asked} {unit} per row need at least {} of memory ({at_once} rows at once, {} \
                 each), more than {have}: lower it",
                bytes_text(estimating),
                bytes_text(per_row)
            ),
        ))
    } else {
        Err(Error::param(
            "chunk_rows",
            format!(
                "{chunk} rows per part need at least {} of memory, more than {have}: lower it",
                bytes_text(chunk_bytes)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::{ShapMethod, ShapParams};

    fn size() -> RunSize {
        RunSize {
            features: 10,
            players: 10,
            outputs: 1,
            threads: 2,
            chunk_rows: 1024,
        }
    }

    fn permutation(samples: usize) -> Estimator {
        Estimator::Shap(ShapParams {
            method: ShapMethod::Permutation,
            samples: Some(samples),
            ..ShapParams::default()
        })
    }

    #[test]
    fn runs_that_fit_pass_and_huge_budgets_name_samples_with_the_memory() {
        let gb16 = Some(16u128 << 30);
        assert!(check_memory_within(&permutation(100_000), 1000, &size(), gb16).is_ok());
        let e = check_memory_within(&permutation(1_000_000_000_000), 1000, &size(), gb16)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("samples: 1000000000000 coalitions per row"),
            "{e}"
        );
        assert!(e.contains("TB") && e.contains("17.2 GB"), "{e}");
        // Beyond any memory even when the machine's is unknown, without overflow.
        let e = check_memory_within(&permutation(usize::MAX), 1000, &size(), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("any machine"), "{e}");
    }

    #[test]
    fn a_huge_part_names_chunk_rows() {
        let wide = RunSize {
            players: 1 << 20,
            features: 1 << 20,
            chunk_rows: usize::MAX,
            ..size()
        };
        let kernel = Estimator::Shap(ShapParams {
            method: ShapMethod::Kernel,
            samples: Some(1 << 21),
            ..ShapParams::default()
        });
        let e = check_memory_within(&kernel, 1 << 40, &wide, Some(1 << 34))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("chunk_rows:"), "{e}");
    }
}
