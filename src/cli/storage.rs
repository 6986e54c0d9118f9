//! `explain`'s flags for what a run stores of each row: `--outputs`, `--stderr`,
//! `--precision`, `--compression`, `--float-encoding`.

use clap::{Args, ValueEnum};
use onnx_inspector::batch::storage::{Compression, Precision, RowOutputs, Storage};

#[derive(Clone, Copy, ValueEnum)]
enum StderrArg {
    Keep,
    Drop,
}

#[derive(Clone, Copy, ValueEnum)]
enum FloatEncodingArg {
    Plain,
    ByteStreamSplit,
}

/// What is stored of each explained row.
#[derive(Args)]
pub struct StorageArgs {
    /// Outputs explained and stored per row: all; predicted (the model's argmax on the row);
    /// top:K (the K most probable, as shap's outputs=Explanation.argsort.flip[:K]); or a comma
    /// list of output names or 0-based indices (as --labels). The Parquet `output` column and
    /// explanations.json's `row_outputs` say which; each output's summary averages the rows that
    /// store it.
    #[arg(long, default_value = "all", value_name = "all|predicted|top:K|NAMES")]
    outputs: String,
    /// Whether the standard-error columns (<feature>__stderr) are stored in the Parquet parts.
    #[arg(long, value_enum, default_value = "keep")]
    stderr: StderrArg,
    /// Float width of the Parquet φ and standard-error columns: f64; f32 (φ off by about 1e-7
    /// of its size); se:F (f32 columns, each φ rounded to a power-of-two step ≤ F × its standard
    /// error, so off by ≤ F/2 standard errors, and standard errors to 8 significant bits: the
    /// zeroed low bytes compress away); auto = se:0.1 with --outputs predicted or top:K, else f64 (by
    /// measurement: the reference net's predicted-only parts drop from 400 to under 200 bytes per
    /// row, benches/storage.py). Sums stay within Σ step/2 of prediction − base value.
    #[arg(long, default_value = "auto", value_name = "auto|f64|f32|se:F")]
    precision: String,
    /// Parquet compression: auto, none, snappy, gzip (level 6), gzip:LEVEL, zstd (level 3) or
    /// zstd:LEVEL (zstd: a build with `--features zstd`). auto, by measurement
    /// (benches/storage.py): gzip (level 6) for --precision se:F parts (their zeroed bytes and small
    /// values need an entropy coder), else snappy (over byte-stream-split floats 22-25% smaller
    /// than uncompressed at the same write time).
    #[arg(long, default_value = "auto")]
    compression: String,
    /// Encoding of the Parquet float columns: plain, or byte-stream-split (Parquet's
    /// BYTE_STREAM_SPLIT: bytes grouped by position, which compresses better).
    #[arg(long, value_enum, default_value = "byte-stream-split")]
    float_encoding: FloatEncodingArg,
}

impl StorageArgs {
    /// The storage and the outputs named by `--outputs NAMES` (empty otherwise).
    pub fn storage(&self) -> anyhow::Result<(Storage, Vec<String>)> {
        let (outputs, names) = RowOutputs::parse(&self.outputs)?;
        let precision = Precision::parse(&self.precision, outputs)?;
        Ok((
            Storage {
                outputs,
                stderr: matches!(self.stderr, StderrArg::Keep),
                precision,
                compression: Compression::parse(&self.compression, precision)?,
                byte_stream_split: matches!(self.float_encoding, FloatEncodingArg::ByteStreamSplit),
            },
            names,
        ))
    }
}
