//! One explained row's results: the record behind both `explanations.json`'s per-row arrays
//! ([`ExplanationFile::assemble`](super::ExplanationFile::assemble)) and the Parquet parts'
//! records (one per row and output).

use crate::explain::{Explanation, LimeRow};
use serde::{Deserialize, Serialize};

/// One explained row: its inputs, φ, base values, predictions and what the estimator adds.
///
/// Serialized (in part sidecars) with every float as its bits, so that a row read back is the
/// row written, bit for bit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowResult {
    /// Index in the data file.
    pub row: usize,
    /// Input values `[M]`.
    #[serde(with = "bits")]
    pub data: Vec<f32>,
    /// φ `[P][K]`, row-major.
    #[serde(with = "bits")]
    pub values: Vec<f64>,
    /// Base values `[K]`.
    #[serde(with = "bits")]
    pub base_values: Vec<f64>,
    /// Predictions `[K]`.
    #[serde(with = "bits")]
    pub predictions: Vec<f64>,
    /// Standard errors `[P][K]`, row-major, when the method has them.
    #[serde(with = "opt_bits")]
    pub stderr: Option<Vec<f64>>,
    /// Evaluations made for the row.
    pub evaluations: usize,
    /// LIME's surrogates.
    pub lime: Option<LimeRow>,
    /// The row's own players' input features `[P][..]`, when every row has its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<Vec<usize>>>,
    /// The words of the row's players (its non-padding tokens), when players are tokens and a
    /// vocabulary is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<String>>,
    /// The outputs stored for this row (`--outputs predicted|top:K`), most probable first;
    /// `None`: every output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Vec<usize>>,
}

impl RowResult {
    /// Row `i` of an explanation.
    pub fn of(e: &Explanation, i: usize) -> RowResult {
        let at =
            |a: &ndarray::Array3<f64>| a.index_axis(ndarray::Axis(0), i).iter().copied().collect();
        RowResult {
            row: e.row_indices[i],
            data: e.data.row(i).to_vec(),
            values: at(&e.values),
            base_values: e.base_values.row(i).to_vec(),
            predictions: e.predictions.row(i).to_vec(),
            stderr: e.stderr.as_ref().map(at),
            evaluations: e.evaluations[i],
            lime: e.lime.get(i).cloned(),
            groups: e
                .row_groups
                .as_ref()
                .map(|sets| sets[i].all_members().to_vec()),
            tokens: None,
            outputs: None,
        }
    }

    /// Every row of an explanation, in order.
    pub fn all(e: &Explanation) -> Vec<RowResult> {
        (0..e.n_rows()).map(|i| RowResult::of(e, i)).collect()
    }

    /// φ of player `p` for output `o`, with `k` outputs.
    pub fn value(&self, p: usize, o: usize, k: usize) -> f64 {
        self.values[p * k + o]
    }

    /// Standard error of player `p`'s φ for output `o` (0 when the method has none).
    pub fn stderr_of(&self, p: usize, o: usize, k: usize) -> f64 {
        self.stderr.as_ref().map_or(0.0, |s| s[p * k + o])
    }
}

/// Floats through JSON as their bits, exactly (serde_json's default float parsing may be off by
/// one ulp).
mod bits {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// A float and the unsigned integer of its bits.
    pub trait Bits: Copy {
        type B: Serialize + DeserializeOwned;
        fn to_bits(self) -> Self::B;
        fn from_bits(b: Self::B) -> Self;
    }

    impl Bits for f64 {
        type B = u64;
        fn to_bits(self) -> u64 {
            f64::to_bits(self)
        }
        fn from_bits(b: u64) -> f64 {
            f64::from_bits(b)
        }
    }

    impl Bits for f32 {
        type B = u32;
        fn to_bits(self) -> u32 {
            f32::to_bits(self)
        }
        fn from_bits(b: u32) -> f32 {
            f32::from_bits(b)
        }
    }

    pub fn serialize<T: Bits, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.to_bits()))
    }

    pub fn deserialize<'de, T: Bits, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        Ok(Vec::<T::B>::deserialize(d)?
            .into_iter()
            .map(T::from_bits)
            .collect())
    }
}

/// [`bits`] for an optional array.
mod opt_bits {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(&v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
        Ok(
            Option::<Vec<u64>>::deserialize(d)?
                .map(|v| v.into_iter().map(f64::from_bits).collect()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_survives_json_bit_for_bit() {
        let r = RowResult {
            row: 7,
            data: vec![0.1, f32::MIN_POSITIVE, -3.5],
            values: vec![0.1 + 0.2, -1e-300, 5.0, 1.0 / 3.0],
            base_values: vec![0.7, 0.3],
            predictions: vec![f64::EPSILON, 1.0 - f64::EPSILON],
            stderr: Some(vec![1e-17, 2.0, 3.0, 4.0]),
            evaluations: 12,
            lime: None,
            groups: None,
            tokens: None,
            outputs: None,
        };
        let text = serde_json::to_string(&r).unwrap();
        let back: RowResult = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        assert!(back
            .values
            .iter()
            .zip(&r.values)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(r.value(1, 0, 2), 5.0);
        assert_eq!(r.stderr_of(0, 1, 2), 2.0);
    }
}
