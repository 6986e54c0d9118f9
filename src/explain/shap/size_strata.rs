//! Leverage SHAP's sampler (Musco & Witter): every coalition size gets the same number of
//! coalitions (water-filling, sizes with fewer coalitions than that taken whole), drawn in
//! complement pairs without replacement, so each size class is a stratum of fixed size.

use crate::explain::game::coalition::Coalition;
use crate::explain::sampling::{binomial, for_each_combination, random_subset};
use crate::explain::shap::coalition_design::{CoalitionDesign, Draw, SizeClass};
use rand::Rng;

/// Pairs to draw in each class so that `goal` coalitions are spread evenly over the sizes.
pub(crate) fn allocate_pairs(classes: &[SizeClass], m: usize, goal: usize) -> Vec<usize> {
    // Coalitions of each size 1..m−1 available, and the common level x solving Σ min(x, cap) = goal.
    let caps: Vec<f64> = (1..m).map(|s| binomial(m, s)).collect();
    let mut sorted = caps.clone();
    sorted.sort_by(f64::total_cmp);
    let total: f64 = caps.iter().sum();
    let goal = (goal as f64).min(total);
    let (mut below, mut level) = (0.0, f64::INFINITY);
    for (i, &c) in sorted.iter().enumerate() {
        let rest = (sorted.len() - i) as f64;
        if below + c * rest >= goal {
            level = (goal - below) / rest;
            break;
        }
        below += c;
    }
    // Pairs per class: a paired class of size s holds min(x, C(m,s)) pairs, the middle half that.
    let want: Vec<f64> = classes
        .iter()
        .map(|c| {
            let per_size = level.min(binomial(m, c.size));
            if c.paired {
                per_size
            } else {
                per_size / 2.0
            }
        })
        .collect();
    let cap: Vec<usize> = classes
        .iter()
        .map(|c| (c.count / 2.0).round() as usize)
        .collect();
    let mut pairs: Vec<usize> = want
        .iter()
        .zip(&cap)
        .map(|(w, &k)| (w.floor() as usize).min(k))
        .collect();
    // Largest remainders first, until the pairs cover the goal.
    let target = (goal / 2.0).floor() as usize;
    let mut order: Vec<usize> = (0..classes.len()).collect();
    order.sort_by(|&a, &b| (want[b] - want[b].floor()).total_cmp(&(want[a] - want[a].floor())));
    let mut have: usize = pairs.iter().sum();
    for &c in &order {
        if have >= target {
            break;
        }
        if pairs[c] < cap[c] {
            pairs[c] += 1;
            have += 1;
        }
    }
    pairs
}

/// Adds a coalition and its complement to the design as one draw of class `class`.
fn add_pair(design: &mut CoalitionDesign, draws: &mut Vec<Draw>, s: Coalition, class: usize) {
    let m = design.m;
    let first = design.add(s.complement(m), 0.0);
    let second = design.add(s, 0.0);
    draws.push(Draw {
        first,
        second,
        class,
    });
}

/// Draws distinct complement pairs per size class up to the allocation of each round's goal.
pub(crate) struct StrataSampler<'c> {
    classes: &'c [SizeClass],
    /// Pairs held in each class so far.
    held: Vec<usize>,
    scratch: Vec<usize>,
}

impl<'c> StrataSampler<'c> {
    /// A sampler over all size classes of `m` players.
    pub fn new(classes: &'c [SizeClass], m: usize) -> Self {
        StrataSampler {
            classes,
            held: vec![0; classes.len()],
            scratch: (0..m).collect(),
        }
    }

    /// Tops every class up to its share of `goal` coalitions with pairs not yet in the design.
    pub fn draw_until(
        &mut self,
        design: &mut CoalitionDesign,
        draws: &mut Vec<Draw>,
        goal: usize,
        rng: &mut impl Rng,
    ) {
        let m = design.m;
        let alloc = allocate_pairs(self.classes, m, goal);
        for (ci, c) in self.classes.iter().enumerate() {
            let want = alloc[ci].max(self.held[ci]);
            let all = (c.count / 2.0).round() as usize;
            if want >= all && self.held[ci] < all {
                // The whole class: enumerate the pairs not drawn yet (the middle size once per pair).
                for_each_combination(m, c.size, |idx| {
                    if !c.paired && !idx.contains(&(m - 1)) {
                        return;
                    }
                    let s = Coalition::from_features(m, idx.iter().copied());
                    if !design.contains(&s) {
                        add_pair(design, draws, s, ci);
                    }
                });
                self.held[ci] = all;
                continue;
            }
            while self.held[ci] < want {
                let s = Coalition::from_features(
                    m,
                    random_subset(rng, &mut self.scratch, c.size)
                        .iter()
                        .copied(),
                );
                if !design.contains(&s) {
                    add_pair(design, draws, s, ci);
                    self.held[ci] += 1;
                }
            }
        }
    }

    /// Horvitz–Thompson weight of each drawn pair: its class's mass over the pairs held in it.
    pub fn unit_weights(&self, draws: &[Draw]) -> Vec<f64> {
        draws
            .iter()
            .map(|d| self.classes[d.class].mass / self.held[d.class] as f64)
            .collect()
    }

    /// Finite-population factor 1 − n/N of each class (0 for a class taken whole).
    pub fn finite_population(&self) -> Vec<f64> {
        self.classes
            .iter()
            .zip(&self.held)
            .map(|(c, &n)| (1.0 - n as f64 / (c.count / 2.0).round()).max(0.0))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::shap::coalition_design::size_classes;

    #[test]
    fn allocation_is_even_over_sizes_and_takes_small_sizes_whole() {
        // M = 30, budget 2108: sizes 1 and 29 whole (30 each), the rest ≈ 75.85 each.
        let classes = size_classes(30);
        let pairs = allocate_pairs(&classes, 30, 2108);
        assert_eq!(pairs[0], 30);
        assert!(pairs[1..14].iter().all(|&p| p == 75 || p == 76));
        assert!(pairs[14] == 37 || pairs[14] == 38);
        assert_eq!(pairs.iter().sum::<usize>(), 1054);
        // A budget above 2^M − 2 takes everything: all pairs of every class.
        let classes = size_classes(6);
        let pairs = allocate_pairs(&classes, 6, 1000);
        assert_eq!(pairs, vec![6, 15, 10]);
    }

    #[test]
    fn strata_are_distinct_pairs_with_the_class_mass() {
        let m = 12;
        let classes = size_classes(m);
        let mut sampler = StrataSampler::new(&classes, m);
        let mut design = CoalitionDesign::new(m);
        let mut draws = vec![];
        let mut rng = crate::explain::sampling::row_rng(3, 0);
        // Two rounds: the second tops the first up; sizes 1 and 11 are taken whole.
        sampler.draw_until(&mut design, &mut draws, 300, &mut rng);
        sampler.draw_until(&mut design, &mut draws, 800, &mut rng);
        assert_eq!(design.len(), 800);
        assert_eq!(draws.len(), 400);
        let alloc = allocate_pairs(&classes, m, 800);
        let weights = sampler.unit_weights(&draws);
        for (ci, c) in classes.iter().enumerate() {
            let mine: Vec<usize> = (0..draws.len()).filter(|&u| draws[u].class == ci).collect();
            assert_eq!(mine.len(), alloc[ci]);
            let mass: f64 = mine.iter().map(|&u| weights[u]).sum();
            assert!((mass - c.mass).abs() < 1e-12);
        }
        assert_eq!(sampler.finite_population()[0], 0.0);
        assert!(sampler.finite_population()[3] > 0.0);
    }
}
