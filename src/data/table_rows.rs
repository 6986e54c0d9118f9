//! Tables read row by row whatever their format (CSV, Parquet), and columns picked by name.

use super::Dataset;
use crate::error::{Error, Result};
use ndarray::Array2;
use std::path::Path;

/// A table handed out one row at a time, every cell a checked finite number.
pub trait TableRows: Send {
    /// The names of the columns handed out.
    fn header(&self) -> &[String];
    /// Appends the next row's values to `out` and returns its index (0 = first row), or `None`
    /// at the end of the table.
    fn next_row(&mut self, out: &mut Vec<f32>) -> Result<Option<usize>>;
}

/// Reads a whole table into memory; an error when it has no rows.
pub fn collect(path: &Path, mut rows: impl TableRows) -> Result<Dataset> {
    let width = rows.header().len();
    let mut values = Vec::new();
    let mut n = 0usize;
    while rows.next_row(&mut values)?.is_some() {
        n += 1;
    }
    if n == 0 {
        return Err(Error::data(path, "no data rows after the header"));
    }
    Ok(Dataset {
        feature_names: rows.header().to_vec(),
        values: Array2::from_shape_vec((n, width), values).expect("rows of equal width"),
        source: path.display().to_string(),
    })
}

/// The positions in `header` of the `names` asked for, or an error naming those missing.
pub fn pick_by_name(path: &Path, header: &[String], names: &[String]) -> Result<Vec<usize>> {
    let missing: Vec<&str> = names
        .iter()
        .filter(|n| !header.contains(n))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let all: Vec<&str> = header.iter().map(String::as_str).collect();
        return Err(Error::data(
            path,
            format!(
                "no column {} (the table has {})",
                quoted(&missing),
                quoted(&all)
            ),
        ));
    }
    Ok(names
        .iter()
        .map(|n| header.iter().position(|h| h == n).expect("checked above"))
        .collect())
}

/// Column names from `name,name,...` or `@FILE` (names one per line or comma-separated; blank
/// lines and `#` comments skipped); an error when empty or a name repeats.
pub fn parse_column_list(spec: &str) -> Result<Vec<String>> {
    let (text, source) = match spec.strip_prefix('@') {
        Some(file) => (
            std::fs::read_to_string(file).map_err(|e| Error::io(Path::new(file), e))?,
            file.to_string(),
        ),
        None => (spec.to_string(), "--features".to_string()),
    };
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .flat_map(|l| l.split(','))
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        return Err(Error::data(Path::new(&source), "names no column"));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(Error::data(
            Path::new(&source),
            format!("names column '{dup}' twice"),
        ));
    }
    Ok(names)
}

/// Names quoted for a one-line message, the first dozen and a count of the rest.
fn quoted(names: &[&str]) -> String {
    const SHOWN: usize = 12;
    let mut s: Vec<String> = names.iter().take(SHOWN).map(|n| format!("'{n}'")).collect();
    if names.len() > SHOWN {
        s.push(format!("and {} more", names.len() - SHOWN));
    }
    s.join(", ")
}
