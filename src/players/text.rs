//! Text players: each row's non-padding token positions, a hidden token becoming the mask id,
//! and the vocabulary that turns ids into words.

use crate::error::{Error, Result};
use crate::explain::{FeatureGroups, Hierarchy};
use crate::model::masks_zero;
use crate::request::TextRequest;
use ndarray::{Array2, ArrayView1};
use std::path::{Path, PathBuf};

/// The padding id: positions holding it are not players.
pub(crate) const PAD: f32 = 0.0;

/// What text players need: the mask id and, when given, the vocabulary.
#[derive(Debug, Clone)]
pub(crate) struct TextPlayers {
    /// The id a hidden token becomes.
    pub mask_token: f32,
    /// Words by id, and the file they came from.
    pub vocab: Option<(Vec<String>, PathBuf)>,
}

impl TextPlayers {
    /// Text players for rows of shape `row_shape` (which must be [L]) of the model at `model`.
    pub fn resolve(req: &TextRequest, model: &Path, row_shape: &[usize]) -> Result<TextPlayers> {
        if row_shape.len() != 1 {
            return Err(Error::param(
                "text",
                format!(
                    "text players need token ids [N, L]; the model's rows have shape {row_shape:?}"
                ),
            ));
        }
        let vocab = req.vocab.as_deref().map(read_vocab).transpose()?;
        let mask_token = match req.mask_token {
            Some(id) => id,
            None if masks_zero(model)? => 0,
            None => {
                return Err(Error::param(
                    "mask_token",
                    "the model does not mask padding id 0 (no Keras mask_zero found): give \
                     --mask-token ID, the id a hidden token becomes (e.g. the [UNK] or [MASK] id)",
                ))
            }
        };
        if let Some((words, path)) = &vocab {
            if mask_token < 0 || mask_token as usize >= words.len() {
                return Err(Error::param(
                    "mask_token",
                    format!(
                        "{mask_token} is not an id of {} ({} tokens)",
                        path.display(),
                        words.len()
                    ),
                ));
            }
        }
        Ok(TextPlayers {
            mask_token: mask_token as f32,
            vocab,
        })
    }

    /// The positions of `x` that are players (not padding), in order.
    pub fn positions(x: ArrayView1<f32>) -> Vec<usize> {
        (0..x.len()).filter(|&j| x[j] != PAD).collect()
    }

    /// Checks the ids of row `row` (data-file index) against the vocabulary, naming the column.
    pub fn check_row(&self, x: ArrayView1<f32>, row: usize, features: &[String]) -> Result<()> {
        let Some((words, path)) = &self.vocab else {
            return Ok(());
        };
        for (j, &v) in x.iter().enumerate() {
            if v < 0.0 || v.fract() != 0.0 || v as usize >= words.len() {
                return Err(Error::param(
                    "vocab",
                    format!(
                        "row {row} column '{}': id {v} is not in {} ({} tokens)",
                        features[j],
                        path.display(),
                        words.len()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Row `x`'s players (its non-padding positions, then empty ones up to `p`) and their tree:
    /// contiguous spans halved, as shap's Text masker.
    pub fn row_players(
        x: ArrayView1<f32>,
        p: usize,
        features: &[String],
    ) -> Result<(FeatureGroups, Hierarchy)> {
        let own = Self::positions(x);
        let mut members: Vec<Vec<usize>> = own.iter().map(|&j| vec![j]).collect();
        members.resize(p.max(own.len()), vec![]);
        let names = (0..members.len()).map(|s| format!("token {s}")).collect();
        let tree = Hierarchy::halving(own.len()).padded(members.len());
        Ok((FeatureGroups::partial(names, members, features)?, tree))
    }

    /// The one-row background of `x`: every token hidden (the mask id), padding kept.
    pub fn fill_row(&self, x: ArrayView1<f32>) -> Array2<f32> {
        let filled = x.mapv(|v| if v == PAD { v } else { self.mask_token });
        filled.insert_axis(ndarray::Axis(0))
    }

    /// The words of `x`'s players (its non-padding tokens), when there is a vocabulary.
    pub fn tokens(&self, x: &[f32]) -> Option<Vec<String>> {
        let (words, _) = self.vocab.as_ref()?;
        let word = |v: f32| words.get(v as usize).cloned().unwrap_or_default();
        Some(x.iter().filter(|&&v| v != PAD).map(|&v| word(v)).collect())
    }
}

/// Reads a vocabulary: one token a line, line i = id i (Keras `get_vocabulary()` order, whose
/// line 0, the padding token, is empty).
fn read_vocab(path: &Path) -> Result<(Vec<String>, PathBuf)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let words: Vec<String> = text
        .split('\n')
        .map(|w| w.strip_suffix('\r').unwrap_or(w).to_string())
        .collect();
    if words.len() < 2 {
        return Err(Error::data(
            path,
            "a vocabulary needs one token a line (line 0 = id 0, padding), at least 2 lines",
        ));
    }
    Ok((words, path.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn padding_is_no_player_and_hidden_tokens_take_the_mask_id() {
        let x = array![5.0f32, 3.0, 0.0, 7.0, 0.0];
        let features: Vec<String> = (0..5).map(|j| format!("tok_{j}")).collect();
        assert_eq!(TextPlayers::positions(x.view()), [0, 1, 3]);
        let (g, tree) = TextPlayers::row_players(x.view(), 4, &features).unwrap();
        assert_eq!(g.all_members(), [vec![0], vec![1], vec![3], vec![]]);
        assert_eq!(tree.n_players(), 4);
        let t = TextPlayers {
            mask_token: 1.0,
            vocab: Some(((0..8).map(|i| format!("w{i}")).collect(), "v.txt".into())),
        };
        assert_eq!(
            t.fill_row(x.view()).row(0).to_vec(),
            [1.0, 1.0, 0.0, 1.0, 0.0]
        );
        assert_eq!(t.tokens(&x.to_vec()).unwrap(), ["w5", "w3", "w7"]);
        let e = t
            .check_row(array![9.0f32].view(), 4, &features)
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("row 4 column 'tok_0': id 9 is not in v.txt (8 tokens)"),
            "{e}"
        );
    }
}
