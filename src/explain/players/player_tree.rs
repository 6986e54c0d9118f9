//! Binary trees over players, the coalition structure of Partition (Owen) SHAP.

use crate::error::{Error, Result};
use std::borrow::Cow;

/// One node of a [`Hierarchy`]: a leaf holds one player, an internal node splits its players in two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// The players under this node, in increasing order.
    pub players: Vec<usize>,
    /// Left and right children (node indices), `None` for a leaf.
    pub children: Option<[usize; 2]>,
}

/// A binary tree over players 0..P: every internal node splits its players into two non-empty parts.
///
/// Built from merges in scipy's linkage order ([`Hierarchy::from_merges`]), e.g. the image
/// segments' bisection tree, or by [`Hierarchy::halving`] for players without geometry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    nodes: Vec<Node>,
    root: usize,
    n_players: usize,
}

impl Hierarchy {
    /// Recursive halving in index order: {0..P} splits into its first ⌈P/2⌉ players and the rest.
    ///
    /// The default for players without geometry. shap's tabular Partition masker clusters
    /// features by their correlation instead; pass such a tree with [`Hierarchy::from_merges`].
    pub fn halving(n_players: usize) -> Self {
        let mut nodes = Vec::with_capacity(2 * n_players);
        let root = if n_players == 0 {
            usize::MAX
        } else {
            halve(&mut nodes, 0, n_players)
        };
        Hierarchy {
            nodes,
            root,
            n_players,
        }
    }

    /// shap's image partition tree over players laid out as an H×W×C array (row-major): a box is
    /// split in half along H when H ≥ W, else along W, and along C only once H = W = 1.
    pub fn grid(shape: [usize; 3]) -> Self {
        let n_players = shape.iter().product();
        let mut nodes = Vec::with_capacity(2 * n_players);
        let root = if n_players == 0 {
            usize::MAX
        } else {
            split_box(&mut nodes, shape, [0, 0, 0], shape)
        };
        Hierarchy {
            nodes,
            root,
            n_players,
        }
    }

    /// A tree from P − 1 merges in scipy's linkage convention: ids below P are players, id P + i is
    /// the node made by merge i, every id is merged once and the last merge is the root.
    pub fn from_merges(n_players: usize, merges: &[[usize; 2]]) -> Result<Self> {
        let bad = |msg: String| Err(Error::param("hierarchy", msg));
        if n_players == 0 {
            return bad("a hierarchy needs at least one player".into());
        }
        if merges.len() != n_players - 1 {
            return bad(format!(
                "{} merges for {n_players} players; a binary tree has {}",
                merges.len(),
                n_players - 1
            ));
        }
        let mut nodes: Vec<Node> = (0..n_players)
            .map(|p| Node {
                players: vec![p],
                children: None,
            })
            .collect();
        let mut used = vec![false; 2 * n_players - 1];
        for (i, &[a, b]) in merges.iter().enumerate() {
            let id = n_players + i;
            for c in [a, b] {
                if c >= id {
                    return bad(format!(
                        "merge {i} uses node {c}, which is not made before it"
                    ));
                }
                if used[c] || a == b {
                    return bad(format!("merge {i} uses node {c} a second time"));
                }
                used[c] = true;
            }
            join(&mut nodes, a, b);
        }
        Ok(Hierarchy {
            root: nodes.len() - 1,
            nodes,
            n_players,
        })
    }

    /// The tree over `n_players` players: this one, with the players it lacks (its P..n_players)
    /// halved into a subtree joined to the root, e.g. a row's superpixels padded to the run's
    /// player count (the padding players hold no feature, so they never enter a game).
    pub fn padded(&self, n_players: usize) -> Self {
        if n_players <= self.n_players {
            return self.clone();
        }
        if self.n_players == 0 {
            return Hierarchy::halving(n_players);
        }
        let mut nodes = self.nodes.clone();
        let extra = halve(&mut nodes, self.n_players, n_players);
        let root = join(&mut nodes, self.root, extra);
        Hierarchy {
            nodes,
            root,
            n_players,
        }
    }

    /// Number of players (leaves).
    pub fn n_players(&self) -> usize {
        self.n_players
    }

    /// The root's index (meaningless when there are no players).
    pub(crate) fn root(&self) -> usize {
        self.root
    }

    /// A node by index.
    pub(crate) fn node(&self, i: usize) -> &Node {
        &self.nodes[i]
    }

    /// Number of nodes (2P − 1).
    pub(crate) fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// The tree over a subset of the players, `kept` in increasing order, renumbered 0..kept.len():
    /// the others are removed and nodes left with one child replaced by it.
    pub(crate) fn restricted(&self, kept: &[usize]) -> Cow<'_, Hierarchy> {
        if kept.len() == self.n_players {
            return Cow::Borrowed(self);
        }
        let mut new_id = vec![usize::MAX; self.n_players];
        for (p, &j) in kept.iter().enumerate() {
            new_id[j] = p;
        }
        let mut out = Hierarchy {
            nodes: Vec::with_capacity(2 * kept.len()),
            root: usize::MAX,
            n_players: kept.len(),
        };
        if !kept.is_empty() {
            out.root = self
                .copy_kept(self.root, &new_id, &mut out.nodes)
                .expect("a kept player is under the root");
        }
        Cow::Owned(out)
    }

    fn copy_kept(&self, i: usize, new_id: &[usize], out: &mut Vec<Node>) -> Option<usize> {
        let node = &self.nodes[i];
        match node.children {
            None => {
                let p = new_id[node.players[0]];
                (p != usize::MAX).then(|| {
                    out.push(Node {
                        players: vec![p],
                        children: None,
                    });
                    out.len() - 1
                })
            }
            Some([a, b]) => match (
                self.copy_kept(a, new_id, out),
                self.copy_kept(b, new_id, out),
            ) {
                (Some(l), Some(r)) => Some(join(out, l, r)),
                (one, other) => one.or(other),
            },
        }
    }
}

impl From<&crate::data::image::Hierarchy> for Hierarchy {
    /// The segments' bisection tree with segment s as player s (players = segments, in id order).
    fn from(image: &crate::data::image::Hierarchy) -> Self {
        fn copy(image: &crate::data::image::Hierarchy, i: usize, out: &mut Vec<Node>) -> usize {
            match image.nodes[i].children {
                None => {
                    out.push(Node {
                        players: vec![image.segments(i)[0] as usize],
                        children: None,
                    });
                    out.len() - 1
                }
                Some([a, b]) => {
                    let (l, r) = (copy(image, a, out), copy(image, b, out));
                    join(out, l, r)
                }
            }
        }
        let n_players = image.order.len();
        let mut nodes = Vec::with_capacity(2 * n_players);
        let root = if n_players == 0 {
            usize::MAX
        } else {
            copy(image, 0, &mut nodes)
        };
        Hierarchy {
            nodes,
            root,
            n_players,
        }
    }
}

/// Pushes the node whose children are nodes `a` and `b`, and returns its index.
fn join(nodes: &mut Vec<Node>, a: usize, b: usize) -> usize {
    let mut players = [nodes[a].players.as_slice(), nodes[b].players.as_slice()].concat();
    players.sort_unstable();
    nodes.push(Node {
        players,
        children: Some([a, b]),
    });
    nodes.len() - 1
}

/// Pushes the halving tree of players lo..hi and returns its root's index.
fn halve(nodes: &mut Vec<Node>, lo: usize, hi: usize) -> usize {
    let children = (hi - lo > 1).then(|| {
        let mid = lo + (hi - lo).div_ceil(2);
        [halve(nodes, lo, mid), halve(nodes, mid, hi)]
    });
    nodes.push(Node {
        players: (lo..hi).collect(),
        children,
    });
    nodes.len() - 1
}

/// Pushes shap's bisection tree of the box [lo, lo + size) of an array shaped `shape`.
fn split_box(nodes: &mut Vec<Node>, shape: [usize; 3], lo: [usize; 3], size: [usize; 3]) -> usize {
    let axis = if size[0] >= size[1] && size[0] > 1 {
        Some(0)
    } else if size[1] > 1 {
        Some(1)
    } else {
        (size[2] > 1).then_some(2)
    };
    let children = axis.map(|a| {
        let half = size[a] / 2;
        let (mut left, mut right_lo, mut right) = (size, lo, size);
        left[a] = half;
        right_lo[a] += half;
        right[a] -= half;
        [
            split_box(nodes, shape, lo, left),
            split_box(nodes, shape, right_lo, right),
        ]
    });
    let mut players = Vec::with_capacity(size.iter().product());
    for i in lo[0]..lo[0] + size[0] {
        for j in lo[1]..lo[1] + size[1] {
            for k in lo[2]..lo[2] + size[2] {
                players.push((i * shape[1] + j) * shape[2] + k);
            }
        }
    }
    nodes.push(Node { players, children });
    nodes.len() - 1
}

#[cfg(test)]
mod tests {
    use super::Hierarchy;

    #[test]
    fn padding_joins_the_missing_players_under_the_root() {
        let tree = Hierarchy::halving(3).padded(5);
        assert_eq!(tree.n_players(), 5);
        assert_eq!(tree.node(tree.root()).players, vec![0, 1, 2, 3, 4]);
        let [a, b] = tree.node(tree.root()).children.unwrap();
        assert_eq!(tree.node(a).players, vec![0, 1, 2]);
        assert_eq!(tree.node(b).players, vec![3, 4]);
        assert_eq!(
            tree.restricted(&[0, 1, 2]).into_owned(),
            Hierarchy::halving(3)
        );
        assert_eq!(Hierarchy::halving(4).padded(4), Hierarchy::halving(4));
        assert_eq!(Hierarchy::halving(0).padded(2), Hierarchy::halving(2));
    }

    fn leaves_in_order(h: &Hierarchy, i: usize, out: &mut Vec<usize>) {
        match h.node(i).children {
            None => out.push(h.node(i).players[0]),
            Some([a, b]) => {
                leaves_in_order(h, a, out);
                leaves_in_order(h, b, out);
            }
        }
    }

    #[test]
    fn halving_splits_in_index_order() {
        let h = Hierarchy::halving(5);
        assert_eq!(h.n_nodes(), 9);
        let root = h.node(h.root());
        assert_eq!(root.players, vec![0, 1, 2, 3, 4]);
        let [l, r] = root.children.unwrap();
        assert_eq!(h.node(l).players, vec![0, 1, 2]);
        assert_eq!(h.node(r).players, vec![3, 4]);
        let mut leaves = vec![];
        leaves_in_order(&h, h.root(), &mut leaves);
        assert_eq!(leaves, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn grid_splits_the_longer_side_first_as_shap() {
        // 4x2x1: rows {0,1} | {2,3}, then each 2x2 block by rows, then single pixels.
        let h = Hierarchy::grid([4, 2, 1]);
        assert_eq!(h.n_nodes(), 15);
        let [top, _] = h.node(h.root()).children.unwrap();
        assert_eq!(h.node(top).players, vec![0, 1, 2, 3]);
        let [row0, _] = h.node(top).children.unwrap();
        assert_eq!(h.node(row0).players, vec![0, 1]);
        // 1x3x2: columns {0} | {1,2} (W = 3 halves to 1 and 2), channels last.
        let h = Hierarchy::grid([1, 3, 2]);
        let [left, right] = h.node(h.root()).children.unwrap();
        assert_eq!(h.node(left).players, vec![0, 1]);
        assert_eq!(h.node(right).players, vec![2, 3, 4, 5]);
        let mut leaves = vec![];
        leaves_in_order(&h, h.root(), &mut leaves);
        assert_eq!(leaves, vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn image_segment_trees_convert_and_match_shaps_grid_on_pixels() {
        use crate::data::image::{ImageShape, Segments};
        let sets = |h: &Hierarchy| {
            let mut v: Vec<Vec<usize>> = (0..h.n_nodes())
                .map(|i| h.node(i).players.clone())
                .collect();
            v.sort();
            v
        };
        let pixels = Segments::patch_grid(&ImageShape::hwc(4, 6, 1), 1).unwrap();
        let h = Hierarchy::from(&pixels.hierarchy());
        assert_eq!(h.n_players(), 24);
        assert_eq!(h.node(h.root()).players, (0..24).collect::<Vec<_>>());
        assert_eq!(sets(&h), sets(&Hierarchy::grid([4, 6, 1])));
    }

    #[test]
    fn merges_are_checked() {
        assert!(Hierarchy::from_merges(3, &[[0, 1], [3, 2]]).is_ok());
        for bad in [
            vec![[0, 1]],
            vec![[0, 1], [0, 2]],
            vec![[0, 4], [3, 2]],
            vec![[1, 1], [3, 2]],
        ] {
            let e = Hierarchy::from_merges(3, &bad).unwrap_err().to_string();
            assert!(e.contains("hierarchy"), "{e}");
        }
    }

    #[test]
    fn restriction_drops_players_and_collapses_nodes() {
        // ((0,1),(2,3)) without 1 and 2 is (0,3) renumbered (0,1).
        let h = Hierarchy::from_merges(4, &[[0, 1], [2, 3], [4, 5]]).unwrap();
        let r = h.restricted(&[0, 3]);
        assert_eq!(r.n_players(), 2);
        assert_eq!(r.n_nodes(), 3);
        let root = r.node(r.root());
        assert_eq!(root.players, vec![0, 1]);
        let [a, b] = root.children.unwrap();
        assert_eq!((r.node(a).players[0], r.node(b).players[0]), (0, 1));
        assert_eq!(h.restricted(&[2]).n_nodes(), 1);
    }
}
