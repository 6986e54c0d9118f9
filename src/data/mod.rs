//! Datasets in and out: CSV with a header of feature names, `.npy` arrays, row selections, backgrounds;
//! rows as images ([`image`]: shape, patch and SLIC segments, their hierarchy, blur/mean/zero fills).

mod background;
mod csv_io;
pub mod image;
mod npy_io;
mod rows;

pub use background::{sample_rows, Background, BackgroundInfo};
pub use csv_io::{read_csv, read_labels, write_csv, CsvRows};
pub use npy_io::read_npy;
pub use rows::parse_rows;

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
    /// Loads a `.csv` (with header) or `.npy` file, rejecting non-finite values.
    pub fn load(path: impl AsRef<Path>) -> Result<Dataset> {
        let path = path.as_ref();
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("npy") => read_npy(path),
            Some("csv") | Some("txt") | Some("tsv") => read_csv(path),
            _ => Err(Error::data(
                path,
                "unknown data format: expected a .csv file with a header row or a .npy array",
            )),
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.values.nrows()
    }

    /// Checks that rows are as wide as the model input.
    pub fn check_width(&self, n_features: usize, what: &str) -> Result<()> {
        if self.values.ncols() != n_features {
            return Err(Error::data(
                &self.source,
                format!(
                    "{what} has {} columns but the model takes {n_features} values per row",
                    self.values.ncols()
                ),
            ));
        }
        Ok(())
    }
}
