//! Coalitions of features as compact bitsets.

/// A set of present features, stored as 64-bit words.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Coalition {
    words: Vec<u64>,
}

impl Coalition {
    /// The empty coalition over `m` features.
    pub fn empty(m: usize) -> Self {
        Coalition {
            words: vec![0; m.div_ceil(64).max(1)],
        }
    }

    /// The coalition holding exactly `features`.
    pub fn from_features(m: usize, features: impl IntoIterator<Item = usize>) -> Self {
        let mut c = Coalition::empty(m);
        for j in features {
            c.insert(j);
        }
        c
    }

    /// The coalition whose bits are those of `bits` (for `m` ≤ 64).
    pub fn from_bits(m: usize, bits: u64) -> Self {
        let mut c = Coalition::empty(m);
        c.words[0] = bits;
        c
    }

    /// The bitset words (bit j of word j / 64 = feature j).
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Adds feature `j`.
    pub fn insert(&mut self, j: usize) {
        self.words[j / 64] |= 1 << (j % 64);
    }

    /// Whether feature `j` is present.
    #[cfg(test)]
    pub fn contains(&self, j: usize) -> bool {
        self.words[j / 64] >> (j % 64) & 1 == 1
    }

    /// Number of present features.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether no feature is present.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    /// The coalition of the features absent here, over `m` features.
    pub fn complement(&self, m: usize) -> Self {
        let mut c = Coalition {
            words: self.words.iter().map(|w| !w).collect(),
        };
        let tail = m % 64;
        if tail != 0 {
            let last = c.words.len() - 1;
            c.words[last] &= (1u64 << tail) - 1;
        }
        for w in c.words.iter_mut().skip(m.div_ceil(64)) {
            *w = 0;
        }
        c
    }

    /// Present features in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(wi * 64 + b)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Coalition;

    #[test]
    fn set_operations() {
        let m = 70;
        let c = Coalition::from_features(m, [0, 3, 65]);
        assert_eq!(c.len(), 3);
        assert!(c.contains(65) && !c.contains(64));
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![0, 3, 65]);
        let d = c.complement(m);
        assert_eq!(d.len(), m - 3);
        assert!(!d.contains(3) && d.contains(69));
        assert_eq!(d.complement(m), c);
        assert!(Coalition::empty(m).is_empty());
    }
}
