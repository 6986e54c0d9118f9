//! Kernel SHAP's coalitions grouped by size class, with their accumulated regression weights and
//! values: what shap's sampler and the Leverage SHAP sampler both fill.

use crate::error::Result;
use crate::explain::game::coalition::Coalition;
use crate::explain::game::row_game::RowGame;
use crate::explain::sampling::binomial;
use std::collections::HashMap;

/// Coalitions of size s and M−s (or the middle size alone), sampled or enumerated together.
#[derive(Debug, Clone)]
pub(crate) struct SizeClass {
    pub size: usize,
    pub paired: bool,
    /// Total Shapley-kernel mass of the class.
    pub mass: f64,
    /// Number of coalitions in the class.
    pub count: f64,
}

/// Kernel weight μ(s) of all coalitions of size s together.
pub(crate) fn size_mass(m: usize, s: usize) -> f64 {
    (m - 1) as f64 / (s * (m - s)) as f64
}

/// The size classes of `m` players: sizes s ≤ M/2 with their complements.
pub(crate) fn size_classes(m: usize) -> Vec<SizeClass> {
    (1..=m / 2)
        .map(|s| {
            let paired = 2 * s != m;
            let k = if paired { 2.0 } else { 1.0 };
            SizeClass {
                size: s,
                paired,
                mass: k * size_mass(m, s),
                count: k * binomial(m, s),
            }
        })
        .collect()
}

/// One sampled unit: a coalition and its complement, with the unit's importance weight.
pub(crate) struct Draw {
    pub first: usize,
    pub second: usize,
    pub class: usize,
}

/// Distinct coalitions with their accumulated regression weights and values.
pub(crate) struct CoalitionDesign {
    pub m: usize,
    pub coalitions: Vec<Coalition>,
    pub index: HashMap<Coalition, usize>,
    pub fixed_weight: Vec<f64>,
    pub values: Vec<Vec<f64>>,
}

impl CoalitionDesign {
    /// An empty design over `m` players.
    pub fn new(m: usize) -> Self {
        CoalitionDesign {
            m,
            coalitions: vec![],
            index: HashMap::new(),
            fixed_weight: vec![],
            values: vec![],
        }
    }

    /// Number of distinct coalitions.
    pub fn len(&self) -> usize {
        self.coalitions.len()
    }

    /// Whether the coalition is already in the design.
    pub fn contains(&self, c: &Coalition) -> bool {
        self.index.contains_key(c)
    }

    /// Adds a coalition (or more weight to one already in), returning its position.
    pub fn add(&mut self, c: Coalition, weight: f64) -> usize {
        if let Some(&i) = self.index.get(&c) {
            self.fixed_weight[i] += weight;
            return i;
        }
        let i = self.coalitions.len();
        self.index.insert(c.clone(), i);
        self.coalitions.push(c);
        self.fixed_weight.push(weight);
        i
    }

    /// Evaluates v(S) of the coalitions added since the last call.
    pub fn evaluate(&mut self, game: &RowGame) -> Result<()> {
        let done = self.values.len();
        if done < self.coalitions.len() {
            let v = game.values(&self.coalitions[done..])?;
            self.values.extend(
                v.outer_iter()
                    .map(|r| r.iter().copied().collect::<Vec<f64>>()),
            );
        }
        Ok(())
    }
}
