//! What a run stores of each explained row: which outputs (`--outputs`), whether standard
//! errors (`--stderr`), φ's float width (`--precision`) and the Parquet compression.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Which of a row's outputs are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowOutputs {
    /// Every output (the run's outputs after `--labels`).
    #[default]
    All,
    /// The output the model predicts for the row (argmax of its outputs).
    Predicted,
    /// The K most probable outputs, most probable first (shap's
    /// `outputs=Explanation.argsort.flip[:K]`).
    Top(usize),
}

impl RowOutputs {
    /// Parses `all`, `predicted` or `top:K`; any other text is a list of output names or
    /// indices, returned as the second value (resolved against the model's outputs later).
    pub fn parse(spec: &str) -> Result<(RowOutputs, Vec<String>)> {
        let bad = |why: String| Error::param("outputs", format!("'{spec}': {why}"));
        let s = spec.trim();
        match s {
            "" => Err(bad(
                "expected all, predicted, top:K or a comma list of output names or indices".into(),
            )),
            "all" => Ok((RowOutputs::All, vec![])),
            "predicted" => Ok((RowOutputs::Predicted, vec![])),
            _ => match s.strip_prefix("top:") {
                Some(k) => match k.trim().parse::<usize>() {
                    Ok(0) => Err(bad("K must be at least 1".into())),
                    Ok(k) => Ok((RowOutputs::Top(k), vec![])),
                    Err(_) => Err(bad(format!("'{k}' is not a count of outputs"))),
                },
                None => Ok((
                    RowOutputs::All,
                    s.split(',').map(|n| n.trim().to_string()).collect(),
                )),
            },
        }
    }

    /// The stored outputs of a row with `predictions` `[K]`: `None` for all of them, else
    /// their indices (most probable first; ties to the lower index).
    pub fn pick(&self, predictions: &[f64]) -> Option<Vec<usize>> {
        let k = match *self {
            RowOutputs::All => return None,
            RowOutputs::Predicted => 1,
            RowOutputs::Top(k) => k.min(predictions.len()),
        };
        let mut order: Vec<usize> = (0..predictions.len()).collect();
        order.sort_by(|&a, &b| predictions[b].total_cmp(&predictions[a]).then(a.cmp(&b)));
        order.truncate(k);
        Some(order)
    }
}

/// Width of the stored φ and standard-error columns.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Parquet FLOAT (φ rounded to f32: far below its standard error at any usual budget).
    F32,
    /// Parquet DOUBLE.
    #[default]
    F64,
    /// Parquet FLOAT, each φ rounded to a power-of-two quantum ≤ this fraction of its standard
    /// error and standard errors to 8 significant bits (`batch::quantise`): zero low bytes that
    /// BYTE_STREAM_SPLIT + the codec squeeze.
    Se(f64),
}

/// `--precision auto`'s fraction when a run stores the predicted or top-K outputs per row: φ off by ≤ 0.05 standard errors; 1.5-2x smaller parts than f32 (benches/storage.py).
pub const AUTO_SE_FRACTION: f64 = 0.1;

impl Precision {
    /// Parses `f32`, `f64`, `se:F` (0 < F ≤ 1) or `auto` (`se:`[`AUTO_SE_FRACTION`] when
    /// `outputs` is predicted or top:K, else f64, as named outputs are `--labels`).
    pub fn parse(spec: &str, outputs: RowOutputs) -> Result<Precision> {
        let bad = |why: &str| Error::param("precision", format!("'{spec}': {why}"));
        match spec.trim() {
            "f32" => Ok(Precision::F32),
            "f64" => Ok(Precision::F64),
            "auto" if outputs == RowOutputs::All => Ok(Precision::F64),
            "auto" => Ok(Precision::Se(AUTO_SE_FRACTION)),
            s => match s.strip_prefix("se:").map(|f| f.trim().parse::<f64>()) {
                Some(Ok(f)) if f > 0.0 && f <= 1.0 => Ok(Precision::Se(f)),
                Some(_) => Err(bad("the fraction of the standard error must be in (0, 1]")),
                None => Err(bad("expected auto, f64, f32 or se:FRACTION")),
            },
        }
    }
}

/// Parquet compression of the parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// None.
    None,
    /// Snappy.
    Snappy,
    /// Zstandard at a level (1..=22).
    Zstd(i32),
    /// Gzip (deflate, pure Rust) at a level (1..=9): entropy coding, which the zero bytes and
    /// small integers of `--precision se:F` columns need.
    Gzip(u32),
}

impl Default for Compression {
    fn default() -> Self {
        DEFAULT_COMPRESSION
    }
}

/// The parts' compression by default: with BYTE_STREAM_SPLIT floats, snappy takes 22-25% off
/// the reference net's parts at no measurable write time (uncompressed or snappy alone: the same
/// size); `benches/storage.py`.
pub const DEFAULT_COMPRESSION: Compression = Compression::Snappy;

/// `--compression auto`'s gzip level for `--precision se:F` parts (benches/storage.py).
pub const AUTO_GZIP_LEVEL: u32 = 6;

impl Compression {
    /// `--compression auto`: gzip at [`AUTO_GZIP_LEVEL`] for rounded φ (`se:F`), whose bytes
    /// only an entropy coder squeezes, else [`DEFAULT_COMPRESSION`].
    pub fn auto(precision: Precision) -> Compression {
        match precision {
            Precision::Se(_) => Compression::Gzip(AUTO_GZIP_LEVEL),
            _ => DEFAULT_COMPRESSION,
        }
    }

    /// Parses `auto` (given the run's `precision`), `none`, `snappy`, `gzip` (level 6),
    /// `gzip:L`, `zstd` (level 3) or `zstd:L`.
    pub fn parse(spec: &str, precision: Precision) -> Result<Compression> {
        let bad = |why: &str| Error::param("compression", format!("'{spec}': {why}"));
        match spec.trim() {
            "auto" => Ok(Compression::auto(precision)),
            "none" => Ok(Compression::None),
            "snappy" => Ok(Compression::Snappy),
            "gzip" => Ok(Compression::Gzip(6)),
            s if s.starts_with("gzip:") => match s["gzip:".len()..].trim().parse::<u32>() {
                Ok(l) if (1..=9).contains(&l) => Ok(Compression::Gzip(l)),
                _ => Err(bad("the gzip level must be a whole number from 1 to 9")),
            },
            s if s.starts_with("zstd") && !cfg!(feature = "zstd") => Err(bad(
                "zstd is not compiled in: build with `cargo build --release --features zstd`",
            )),
            "zstd" => Ok(Compression::Zstd(3)),
            s => match s.strip_prefix("zstd:").map(|l| l.trim().parse::<i32>()) {
                Some(Ok(l)) if (1..=22).contains(&l) => Ok(Compression::Zstd(l)),
                Some(_) => Err(bad("the zstd level must be a whole number from 1 to 22")),
                None => Err(bad(
                    "expected auto, none, snappy, gzip[:LEVEL] or zstd[:LEVEL]",
                )),
            },
        }
    }
}

/// What a run stores of each row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Storage {
    /// Which outputs of each row.
    pub outputs: RowOutputs,
    /// Whether the standard-error columns are stored (when the method has them).
    pub stderr: bool,
    /// Width of the φ and standard-error columns.
    pub precision: Precision,
    /// Parquet compression.
    pub compression: Compression,
    /// Float columns in Parquet's BYTE_STREAM_SPLIT encoding (better compressed).
    pub byte_stream_split: bool,
}

impl Storage {
    /// The default layout: every output, standard errors, f64, snappy over BYTE_STREAM_SPLIT
    /// floats.
    pub fn new() -> Storage {
        Storage {
            outputs: RowOutputs::All,
            stderr: true,
            precision: Precision::F64,
            compression: DEFAULT_COMPRESSION,
            byte_stream_split: true,
        }
    }

    /// Whether the stored values differ from [`Storage::new`]'s (compression apart, which
    /// changes bytes, not values): then the fingerprint records the storage.
    pub fn changes_values(&self) -> bool {
        let d = Storage::new();
        (self.outputs, self.stderr, self.precision) != (d.outputs, d.stderr, d.precision)
    }
}

impl Default for Storage {
    fn default() -> Self {
        Storage::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_specs_parse_or_explain() {
        assert_eq!(RowOutputs::parse("all").unwrap().0, RowOutputs::All);
        assert_eq!(RowOutputs::parse("top:3").unwrap().0, RowOutputs::Top(3));
        let (o, names) = RowOutputs::parse("cat, 2").unwrap();
        assert_eq!(
            (o, names),
            (RowOutputs::All, vec!["cat".into(), "2".into()])
        );
        for bad in ["top:0", "top:x", ""] {
            let e = RowOutputs::parse(bad).unwrap_err().to_string();
            assert!(e.contains("outputs") && !e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn predicted_is_the_argmax_and_top_is_ordered() {
        let p = [0.1, 0.5, 0.05, 0.35];
        assert_eq!(RowOutputs::Predicted.pick(&p), Some(vec![1]));
        assert_eq!(RowOutputs::Top(3).pick(&p), Some(vec![1, 3, 0]));
        assert_eq!(RowOutputs::Top(9).pick(&p).unwrap().len(), 4);
        assert_eq!(RowOutputs::All.pick(&p), None);
        assert_eq!(RowOutputs::Predicted.pick(&[0.5, 0.5]), Some(vec![0]));
    }

    #[test]
    #[cfg(feature = "zstd")]
    fn compression_specs_parse_or_explain() {
        assert_eq!(
            Compression::parse("zstd", Precision::F64).unwrap(),
            Compression::Zstd(3)
        );
        assert_eq!(
            Compression::parse("zstd:9", Precision::F64).unwrap(),
            Compression::Zstd(9)
        );
        assert!(Compression::parse("zstd:0", Precision::F64).is_err());
    }

    #[test]
    fn precision_specs_parse_or_explain() {
        let all = RowOutputs::All;
        assert_eq!(Precision::parse("auto", all).unwrap(), Precision::F64);
        for o in [RowOutputs::Predicted, RowOutputs::Top(3)] {
            let p = Precision::parse("auto", o).unwrap();
            assert_eq!(p, Precision::Se(AUTO_SE_FRACTION));
        }
        assert_eq!(
            Precision::parse("se:0.25", all).unwrap(),
            Precision::Se(0.25)
        );
        for bad in ["se:0", "se:2", "se:x", "f16"] {
            let e = Precision::parse(bad, all).unwrap_err().to_string();
            assert!(e.contains("precision") && e.contains(bad), "{e}");
        }
    }

    #[test]
    fn unknown_codecs_are_refused() {
        let p = Precision::F64;
        assert_eq!(
            Compression::parse("snappy", p).unwrap(),
            Compression::Snappy
        );
        assert_eq!(
            Compression::parse("gzip:1", p).unwrap(),
            Compression::Gzip(1)
        );
        assert_eq!(Compression::parse("auto", p).unwrap(), DEFAULT_COMPRESSION);
        let se = Compression::parse("auto", Precision::Se(0.1)).unwrap();
        assert_eq!(se, Compression::Gzip(AUTO_GZIP_LEVEL));
        for bad in ["brotli", "gzip:0", "gzip:10", "zstd:0", "zstd:x"] {
            assert!(Compression::parse(bad, p).is_err(), "{bad}");
        }
    }
}
