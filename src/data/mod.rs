//! Datasets in and out: CSV with a header of feature names, `.npy` arrays, row selections, backgrounds;
//! rows as images ([`image`]: shape, patch and SLIC segments, their hierarchy, blur/mean/zero fills).

mod background;
mod csv_io;
pub mod image;
mod npy_io;
mod open_table;
mod parquet_io;
mod row_width;
mod rows;
mod sequence;
mod table_rows;

pub use background::{sample_rows, Background, BackgroundInfo};
pub use csv_io::{read_csv, read_labels, write_csv, CsvRows};
pub use npy_io::read_npy;
pub use open_table::{is_parquet_table, open_table};
pub use parquet_io::{parquet_files, ParquetRows};
pub use row_width::{column_words, RowWidth};
pub use rows::parse_rows;
pub use sequence::channel_names;
pub use table_rows::{parse_column_list, TableRows};

use crate::error::{Error, Result};
use ndarray::Array2;
use std::path::Path;

/// A table of finite f32 values with one name per column.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Column (feature) names.
    pub feature_names: Vec<String>,
    /// Values, one row per sample.
    pub values: Array2<f32>,
    /// Where the data came from (file path), for messages.
    pub source: String,
}

impl Dataset {
    /// Loads a `.csv` (with header), `.npy` or Parquet table (file or folder of parts), rejecting
    /// non-finite values.
    pub fn load(path: impl AsRef<Path>) -> Result<Dataset> {
        Self::load_columns(path.as_ref(), None)
    }

    /// [`Dataset::load`] keeping only the `columns` named, in that order (default: every column).
    pub fn load_columns(path: &Path, columns: Option<&[String]>) -> Result<Dataset> {
        if is_parquet_table(path) {
            return table_rows::collect(path, ParquetRows::open(path, columns)?);
        }
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("npy") if columns.is_some() => Err(Error::data(
                path,
                "--features picks columns by name: a .npy array has none (use CSV or Parquet)",
            )),
            Some("npy") => read_npy(path),
            Some("csv") | Some("txt") | Some("tsv") => {
                table_rows::collect(path, CsvRows::open_columns(path, columns)?)
            }
            _ => Err(Error::data(
                path,
                "unknown data format: expected a .csv file with a header row, a .npy array or \
                 Parquet (a .parquet file or a folder of them)",
            )),
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.values.nrows()
    }

    /// Checks that rows are as wide as the model input (a width, or a [`RowWidth`] naming
    /// each graph input's columns).
    pub fn check_width(&self, width: impl Into<RowWidth>, what: &str) -> Result<()> {
        match width.into().mismatch(what, self.values.ncols()) {
            Some(message) => Err(Error::data(&self.source, message)),
            None => Ok(()),
        }
    }
}

/// A hint for a table wider than the model's input: pick its columns by name.
pub fn pick_hint(columns: usize, model_width: usize) -> &'static str {
    match columns > model_width {
        true => " (pick the model's columns by name with --features)",
        false => "",
    }
}
