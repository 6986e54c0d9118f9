//! A coarse-to-fine binary tree over segments, for hierarchical (Partition / Owen) explainers.
//!
//! Built by recursive bisection of segment centroids, as shap's image masker splits pixel
//! boxes: a node's segments are cut in two along the axis where their centroids spread most
//! (rows first on ties, as shap), at the gap between distinct centroid coordinates nearest to
//! half of them (the smaller half first, as shap's `width // 2`), so segments sharing a row or
//! column of a patch grid stay together. Leaves hold one segment each. Every node covers a
//! contiguous run of [`Hierarchy::order`], so a node's players are `order[start..end]`.

use super::Segments;

/// One node of a [`Hierarchy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    /// First position in [`Hierarchy::order`] of the node's segments.
    pub start: usize,
    /// One past the last position.
    pub end: usize,
    /// Indices of the two children in [`Hierarchy::nodes`]; `None` for a leaf (one segment).
    pub children: Option<[usize; 2]>,
}

/// A binary tree over the segments of an image; node 0 is the root, holding every segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    /// Nodes, parents before children (2·n − 1 of them for n segments).
    pub nodes: Vec<Node>,
    /// Segment ids, ordered so that each node's segments are contiguous.
    pub order: Vec<u32>,
}

impl Hierarchy {
    /// The segments under node `i`.
    pub fn segments(&self, i: usize) -> &[u32] {
        let n = &self.nodes[i];
        &self.order[n.start..n.end]
    }

    /// The leaf segment of node `i`, if it is a leaf.
    pub fn leaf(&self, i: usize) -> Option<u32> {
        let n = &self.nodes[i];
        n.children.is_none().then(|| self.order[n.start])
    }
}

impl Segments {
    /// The coarse-to-fine bisection tree of the segments (see [`Hierarchy`]).
    pub fn hierarchy(&self) -> Hierarchy {
        let centres = self.centroids();
        let mut order: Vec<u32> = (0..self.n as u32).collect();
        let mut nodes = vec![Node {
            start: 0,
            end: self.n,
            children: None,
        }];
        let mut next = 0;
        while next < nodes.len() {
            let Node { start, end, .. } = nodes[next];
            if end - start > 1 {
                let mid = start + bisect(&mut order[start..end], &centres);
                let left = nodes.len();
                nodes.push(Node {
                    start,
                    end: mid,
                    children: None,
                });
                nodes.push(Node {
                    start: mid,
                    end,
                    children: None,
                });
                nodes[next].children = Some([left, left + 1]);
            }
            next += 1;
        }
        Hierarchy { nodes, order }
    }
}

/// Sorts `ids` along the axis where their centres spread most and returns the cut (1..len).
fn bisect(ids: &mut [u32], centres: &[(f64, f64)]) -> usize {
    let spread = |axis: fn(&(f64, f64)) -> f64| {
        let (lo, hi) = ids
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &i| {
                let v = axis(&centres[i as usize]);
                (lo.min(v), hi.max(v))
            });
        hi - lo
    };
    let (ys, xs) = (spread(|c| c.0), spread(|c| c.1));
    let key = |i: u32| {
        let (y, x) = centres[i as usize];
        if ys >= xs {
            (y, x)
        } else {
            (x, y)
        }
    };
    ids.sort_by(|&a, &b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.total_cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then(a.cmp(&b))
    });
    let n = ids.len();
    let half = n / 2;
    // The cut nearest the half that does not separate equal main coordinates; else the half.
    (1..n)
        .filter(|&k| key(ids[k - 1]).0 < key(ids[k]).0)
        .min_by_key(|&k| (k.abs_diff(half), k))
        .unwrap_or(half)
}

#[cfg(test)]
mod tests {
    use super::super::ImageShape;
    use super::*;

    /// Every internal node's children partition it; leaves are single segments; all are covered.
    fn check_tree(t: &Hierarchy, n: usize) {
        assert_eq!(t.nodes.len(), 2 * n - 1);
        assert_eq!((t.nodes[0].start, t.nodes[0].end), (0, n));
        let mut leaves: Vec<u32> = (0..t.nodes.len()).filter_map(|i| t.leaf(i)).collect();
        leaves.sort_unstable();
        assert_eq!(leaves, (0..n as u32).collect::<Vec<_>>());
        for node in &t.nodes {
            if let Some([l, r]) = node.children {
                assert!(l > 0 && r == l + 1);
                assert_eq!(t.nodes[l].start, node.start);
                assert_eq!(t.nodes[l].end, t.nodes[r].start);
                assert_eq!(t.nodes[r].end, node.end);
                assert!(t.nodes[l].end > node.start && t.nodes[l].end < node.end);
            } else {
                assert_eq!(node.end - node.start, 1);
            }
        }
    }

    #[test]
    fn a_patch_grid_splits_into_halves_rows_first() {
        let s = Segments::patch_grid(&ImageShape::hwc(8, 8, 1), 2).unwrap();
        let t = s.hierarchy();
        check_tree(&t, 16);
        let [top, bottom] = t.nodes[0].children.unwrap();
        let mut a = t.segments(top).to_vec();
        a.sort_unstable();
        assert_eq!(a, (0..8).collect::<Vec<u32>>());
        assert_eq!(t.segments(bottom).len(), 8);
        // The top half (4 wide, 2 high) is cut into left and right columns.
        let [left, _] = t.nodes[top].children.unwrap();
        let mut l = t.segments(left).to_vec();
        l.sort_unstable();
        assert_eq!(l, vec![0, 1, 4, 5]);
    }

    #[test]
    fn uneven_grids_and_single_segments() {
        let s = Segments::patch_grid(&ImageShape::hwc(3, 5, 1), 1).unwrap();
        let t = s.hierarchy();
        check_tree(&t, 15);
        // Wider than high: the cut keeps whole columns (two left, three right), as shap's 5 // 2.
        let [left, _] = t.nodes[0].children.unwrap();
        assert_eq!(t.segments(left), &[0, 1, 5, 6, 10, 11]);
        let one = Segments::patch_grid(&ImageShape::hwc(3, 3, 1), 4).unwrap();
        let t = one.hierarchy();
        assert_eq!(t.nodes.len(), 1);
        assert_eq!(t.leaf(0), Some(0));
    }
}
