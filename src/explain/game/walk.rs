//! The order in which a block's coalitions are reached from one another: each starts from a
//! coalition whose first-layer pre-activations are known (∅, the full set, one of the last
//! [`WINDOW`] coalitions of the block, or the complement of one) and adds or removes the
//! features in which it differs from that start.

use crate::explain::game::coalition::Coalition;
use std::ops::Range;

/// How many preceding coalitions of a block are tried as starting points.
pub(crate) const WINDOW: usize = 2;

/// How one coalition is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Start {
    /// From ∅, the full set or an earlier coalition of the block, adding the features that differ.
    From(Base),
    /// As the complement of earlier coalition i: pre(S) = pre(∅) + pre(full) − pre(i), then
    /// the features in which S differs from that complement.
    Complement(usize),
}

/// A coalition whose pre-activations are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Base {
    Empty,
    Full,
    Earlier(usize),
}

/// One coalition's step: where it starts and its (sign, feature) terms in [`Walk::terms`].
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub start: Start,
    pub terms: Range<usize>,
}

/// The steps of a block, reused from block to block (its vectors only grow).
#[derive(Default)]
pub(crate) struct Walk {
    pub steps: Vec<Step>,
    /// +1 for a feature added, −1 for one removed, with the feature's index.
    pub terms: Vec<(f32, usize)>,
}

impl Walk {
    /// Plans the block's steps over `players` (player p holds features `players[p]`).
    pub fn plan(&mut self, players: &[&[usize]], block: &[Coalition]) {
        self.steps.clear();
        self.terms.clear();
        let n_players = players.len();
        let full = Coalition::empty(n_players).complement(n_players);
        for (i, c) in block.iter().enumerate() {
            let start = choose_start(block, i, c, n_players);
            let reference = match start {
                Start::From(Base::Empty) => Coalition::empty(n_players),
                Start::From(Base::Full) => full.clone(),
                Start::From(Base::Earlier(e)) => block[e].clone(),
                Start::Complement(e) => block[e].complement(n_players),
            };
            let first = self.terms.len();
            // Features to add (in S, not in the reference) or to remove.
            for (w, (&t, &r)) in c.words().iter().zip(reference.words()).enumerate() {
                let mut bits = t ^ r;
                while bits != 0 {
                    let bit = bits.trailing_zeros();
                    bits &= bits - 1;
                    let sign = if t >> bit & 1 == 1 { 1.0 } else { -1.0 };
                    let features = players[w * 64 + bit as usize];
                    self.terms.extend(features.iter().map(|&j| (sign, j)));
                }
            }
            self.steps.push(Step {
                start,
                terms: first..self.terms.len(),
            });
        }
    }

    /// The (sign, feature) terms of step `i`.
    pub fn terms_of(&self, i: usize) -> &[(f32, usize)] {
        &self.terms[self.steps[i].terms.clone()]
    }
}

/// Number of players in which two coalitions differ.
fn distance(a: &Coalition, b: &Coalition) -> usize {
    a.words()
        .iter()
        .zip(b.words())
        .map(|(x, y)| (x ^ y).count_ones() as usize)
        .sum()
}

/// The cheapest way to reach coalition `i` of the block: fewest rows of W to add, preferring
/// (on ties) ∅, the full set, then the nearest earlier coalition, then a complement.
fn choose_start(block: &[Coalition], i: usize, c: &Coalition, n: usize) -> Start {
    let size = c.len();
    let mut best = (size, Start::From(Base::Empty));
    if n - size < best.0 {
        best = (n - size, Start::From(Base::Full));
    }
    let earlier = i.saturating_sub(WINDOW)..i;
    for e in earlier.clone().rev() {
        let d = distance(c, &block[e]);
        if d < best.0 {
            best = (d, Start::From(Base::Earlier(e)));
        }
    }
    // The complement costs one pass more than an update of the same size, and reuses no rows.
    for e in earlier.rev() {
        let d = n - distance(c, &block[e]) + 1;
        if d < best.0 {
            best = (d, Start::Complement(e));
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_antithetic_walk_steps_one_feature_at_a_time_from_two_back() {
        // Forward prefixes of the order 0..m and their complements, interleaved as the
        // permutation estimator sends them.
        let m = 6;
        let players: Vec<Vec<usize>> = (0..m).map(|j| vec![j]).collect();
        let players: Vec<&[usize]> = players.iter().map(|p| &p[..]).collect();
        let mut block = vec![];
        for len in 1..m {
            let c = Coalition::from_features(m, 0..len);
            block.push(c.complement(m));
            block.push(c);
        }
        let mut walk = Walk::default();
        walk.plan(&players, &block);
        assert_eq!(walk.steps[0].start, Start::From(Base::Full));
        assert_eq!(walk.terms_of(0), [(-1.0, 0)]);
        assert_eq!(walk.steps[1].start, Start::From(Base::Empty));
        assert_eq!(walk.terms_of(1), [(1.0, 0)]);
        // ∅ and the full set win ties: the last two (sizes 1 and M − 1) start from them.
        let last = block.len() - 2;
        assert_eq!(walk.steps[last].start, Start::From(Base::Empty));
        assert_eq!(walk.steps[last + 1].start, Start::From(Base::Full));
        for i in 2..last {
            assert_eq!(
                walk.steps[i].start,
                Start::From(Base::Earlier(i - 2)),
                "{i}"
            );
            let j = i / 2;
            let sign = if i % 2 == 0 { -1.0 } else { 1.0 };
            assert_eq!(walk.terms_of(i), [(sign, j)], "{i}");
        }
        // A coalition far from every earlier one starts from the complement of one.
        let m = 8;
        let players: Vec<Vec<usize>> = (0..m).map(|j| vec![j]).collect();
        let players: Vec<&[usize]> = players.iter().map(|p| &p[..]).collect();
        let far = vec![
            Coalition::from_features(m, [0, 1, 2, 3]),
            Coalition::from_features(m, [4, 5, 6]),
        ];
        walk.plan(&players, &far);
        assert_eq!(walk.steps[1].start, Start::Complement(0));
        assert_eq!(walk.terms_of(1), [(-1.0, 7)]);
    }
}
