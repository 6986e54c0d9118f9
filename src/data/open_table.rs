//! Opens a table by its path: a folder or `.parquet` file as Parquet, anything else as CSV.

use super::csv_io::CsvRows;
use super::parquet_io::{is_parquet, ParquetRows};
use super::table_rows::TableRows;
use crate::error::Result;
use std::path::Path;

/// Whether `path` is read as Parquet: a `.parquet` file or a folder (of Parquet parts).
pub fn is_parquet_table(path: &Path) -> bool {
    is_parquet(path) || path.is_dir()
}

/// Opens a CSV or Parquet table (file or folder) for reading row by row; `columns` picks columns
/// by name (default: every column).
pub fn open_table(path: &Path, columns: Option<&[String]>) -> Result<Box<dyn TableRows>> {
    Ok(match is_parquet_table(path) {
        true => Box::new(ParquetRows::open(path, columns)?),
        false => Box::new(CsvRows::open_columns(path, columns)?),
    })
}
