//! Partition SHAP: Owen values over a binary hierarchy of players, refined coarse to fine.
//!
//! shap's `PartitionExplainer.owen` (fixed_context None): a task is a node with a context T (a
//! union of the sibling subtrees chosen present above it), v(T) and v(T ∪ node). Expanding it
//! evaluates v(T ∪ L) and v(T ∪ R) and hands each child two tasks at half the weight, its
//! sibling absent and present: the two-player Shapley value at every level, which is the Owen
//! value once every task reaches a leaf. Tasks are expanded by decreasing
//! max_k |v(T ∪ node) − v(T)| × weight while the budget lasts; a task left unexpanded credits
//! its whole marginal to its node, shared equally among the node's players. The marginals of a
//! task's four children add up to its own, so Σφ = f(x) − v(∅) at any budget.

use crate::error::Result;
use crate::explain::explanation::RowAttribution;
use crate::explain::game::coalition::Coalition;
use crate::explain::game::row_game::RowGame;
use crate::explain::players::player_tree::Hierarchy;
use ndarray::Array2;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Tasks expanded per refinement step, their 2 coalitions each sent in one call: 10 coalitions,
/// shap's default batch for this explainer.
const STEP_TASKS: usize = 5;

/// One node to attribute in one context.
struct Task {
    context: Coalition,
    node: usize,
    /// v(context) per output.
    without: Vec<f64>,
    /// v(context ∪ node) per output.
    with: Vec<f64>,
    weight: f64,
    priority: f64,
    /// Creation order: ties go to the older task, so the result is deterministic.
    seq: usize,
}

impl PartialEq for Task {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Task {}

impl PartialOrd for Task {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Task {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .total_cmp(&other.priority)
            .then(other.seq.cmp(&self.seq))
    }
}

/// The queue of tasks with the node values they credit.
struct Owen<'h> {
    tree: &'h Hierarchy,
    heap: BinaryHeap<Task>,
    seq: usize,
    /// Marginal credited to each node, [nodes, K].
    credit: Array2<f64>,
}

impl Owen<'_> {
    fn push(
        &mut self,
        context: Coalition,
        node: usize,
        without: &[f64],
        with: &[f64],
        weight: f64,
    ) {
        let gap = without
            .iter()
            .zip(with)
            .map(|(a, b)| (b - a).abs())
            .fold(0.0, f64::max);
        self.heap.push(Task {
            context,
            node,
            without: without.to_vec(),
            with: with.to_vec(),
            weight,
            priority: gap * weight,
            seq: self.seq,
        });
        self.seq += 1;
    }

    fn credit(&mut self, t: &Task) {
        for (o, c) in self.credit.row_mut(t.node).iter_mut().enumerate() {
            *c += (t.with[o] - t.without[o]) * t.weight;
        }
    }

    /// Pops up to `STEP_TASKS` internal tasks within `evals_left`, crediting leaves on the way.
    fn next_step(&mut self, evals_left: usize) -> Vec<Task> {
        let mut step = Vec::new();
        while step.len() < STEP_TASKS && 2 * (step.len() + 1) <= evals_left {
            let Some(t) = self.heap.pop() else { break };
            if self.tree.node(t.node).children.is_none() {
                self.credit(&t);
            } else {
                step.push(t);
            }
        }
        step
    }

    /// φ per player: each node's credit shared equally among its players.
    fn shares(&self, k: usize) -> Array2<f64> {
        let mut phi = Array2::zeros((self.tree.n_players(), k));
        for i in 0..self.tree.n_nodes() {
            let players = &self.tree.node(i).players;
            let share = self.credit.row(i).mapv(|c| c / players.len() as f64);
            for &p in players {
                let mut row = phi.row_mut(p);
                row += &share;
            }
        }
        phi
    }
}

/// Owen values of one row over `tree` (whose players are the game's), spending at most
/// `budget` − 2 coalitions (shap's `max_evals` counts v(∅) and v(all) too).
pub(crate) fn explain_row(
    game: &RowGame,
    tree: &Hierarchy,
    budget: usize,
) -> Result<RowAttribution> {
    let m = game.n_players();
    debug_assert_eq!(tree.n_players(), m);
    let k = game.n_outputs();
    let mut owen = Owen {
        tree,
        heap: BinaryHeap::new(),
        seq: 0,
        credit: Array2::zeros((tree.n_nodes(), k)),
    };
    if m > 0 {
        owen.push(Coalition::empty(m), tree.root(), game.base, &game.fx, 1.0);
    }
    let limit = budget.saturating_sub(2);
    let mut evaluations = 0;
    loop {
        let step = owen.next_step(limit - evaluations);
        if step.is_empty() {
            break;
        }
        let mut coalitions = Vec::with_capacity(2 * step.len());
        for t in &step {
            for child in tree.node(t.node).children.expect("internal task") {
                let mut c = t.context.clone();
                for &p in &tree.node(child).players {
                    c.insert(p);
                }
                coalitions.push(c);
            }
        }
        let v = game.values(&coalitions)?;
        evaluations += coalitions.len();
        for (i, t) in step.into_iter().enumerate() {
            let [l, r] = tree.node(t.node).children.expect("internal task");
            let (v_l, v_r) = (v.row(2 * i).to_vec(), v.row(2 * i + 1).to_vec());
            let w = t.weight / 2.0;
            owen.push(t.context.clone(), l, &t.without, &v_l, w);
            owen.push(t.context.clone(), r, &t.without, &v_r, w);
            owen.push(coalitions[2 * i + 1].clone(), l, &v_r, &t.with, w);
            owen.push(coalitions[2 * i].clone(), r, &v_l, &t.with, w);
        }
    }
    while let Some(t) = owen.heap.pop() {
        owen.credit(&t);
    }
    Ok(RowAttribution {
        values: owen.shares(k),
        stderr: None,
        evaluations,
        lime: None,
    })
}
