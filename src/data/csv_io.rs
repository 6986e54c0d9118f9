//! CSV reading (header = feature names, every cell a finite number) and atomic CSV writing.

use super::Dataset;
use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use ndarray::Array2;
use std::path::Path;

/// A cell or header as shown in a one-line message: escaped (a quoted cell may hold newlines), at most 40 characters.
fn shown(text: &str) -> String {
    let escaped: String = text.escape_debug().collect();
    match escaped.char_indices().nth(40) {
        Some((end, _)) => format!("{}...", &escaped[..end]),
        None => escaped,
    }
}

/// Parses one cell as a finite f32, or says why not.
fn parse_cell(cell: &str) -> std::result::Result<f32, String> {
    let t = cell.trim();
    if t.is_empty() {
        return Err("empty cell".into());
    }
    // The escaped cell is built only for an error (it costs more than the parse itself).
    match t.parse::<f64>() {
        Ok(v) if v.is_nan() => Err(format!(
            "'{}' is NaN; missing values are not supported",
            shown(t)
        )),
        Ok(v) if !v.is_finite() || v.abs() > f32::MAX as f64 => {
            Err(format!("'{}' is not a finite float32", shown(t)))
        }
        Ok(v) => Ok(v as f32),
        Err(_) => Err(format!("'{}' is not a number", shown(t))),
    }
}

fn open(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(file))
}

/// A hint when a one-column header holds another delimiter (`;`, tab, `|`).
fn delimiter_hint(header: &[String]) -> Option<String> {
    let [only] = header else { return None };
    let (name, sep) = [(";", ';'), ("tab", '\t'), ("|", '|')]
        .into_iter()
        .find(|&(_, c)| only.contains(c))?;
    Some(format!(
        "the header is one column holding '{name}' separators ({} fields): the file looks \
         {name}-separated; expected comma-separated values (e.g. convert with `tr '{}' ','`)",
        only.split(sep).count(),
        if sep == '\t' {
            "\\t".to_string()
        } else {
            sep.to_string()
        }
    ))
}

/// Reads and checks the header row of feature names.
fn read_header<R: std::io::Read>(path: &Path, rdr: &mut csv::Reader<R>) -> Result<Vec<String>> {
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::data_caused(path, "cannot read the header", e))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.is_empty() || header.iter().all(|h| h.is_empty()) {
        return Err(Error::data(
            path,
            "empty file: expected a header row of feature names",
        ));
    }
    if let Some(hint) = delimiter_hint(&header) {
        return Err(Error::data(path, hint));
    }
    if header.iter().all(|h| parse_cell(h).is_ok()) {
        return Err(Error::data(
            path,
            "line 1 holds only numbers: the first line must be a header of feature names",
        ));
    }
    Ok(header)
}

/// A CSV file read one row at a time, each cell checked as [`read_csv`] checks it.
pub struct CsvRows {
    rdr: csv::Reader<std::fs::File>,
    path: std::path::PathBuf,
    /// The file's column names.
    file_header: Vec<String>,
    /// The columns handed out (all, or the chosen ones) and their names.
    picked: Vec<usize>,
    header: Vec<String>,
    record: csv::StringRecord,
    next: usize,
}

impl CsvRows {
    /// Opens a CSV file and reads its header.
    pub fn open(path: impl AsRef<Path>) -> Result<CsvRows> {
        Self::open_columns(path.as_ref(), None)
    }

    /// Opens a CSV file whose rows are the `columns` named (default: every column).
    pub fn open_columns(path: &Path, columns: Option<&[String]>) -> Result<CsvRows> {
        let mut rdr = open(path)?;
        let header = read_header(path, &mut rdr)?;
        let picked = match columns {
            None => (0..header.len()).collect(),
            Some(names) => super::table_rows::pick_by_name(path, &header, names)?,
        };
        Ok(CsvRows {
            rdr,
            path: path.to_path_buf(),
            header: picked.iter().map(|&j| header[j].clone()).collect(),
            file_header: header,
            picked,
            record: csv::StringRecord::new(),
            next: 0,
        })
    }

    /// The column names handed out.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Appends the next row's values to `out` and returns its index (0 = first data row), or
    /// `None` at the end of the file.
    pub fn next_row(&mut self, out: &mut Vec<f32>) -> Result<Option<usize>> {
        let more = self
            .rdr
            .read_record(&mut self.record)
            .map_err(|e| Error::data_caused(&self.path, "cannot parse the CSV", e))?;
        if !more {
            return Ok(None);
        }
        let i = self.next;
        let line = self.record.position().map_or(i + 2, |p| p.line() as usize);
        let width = self.file_header.len();
        if self.record.len() != width {
            return Err(Error::data(
                &self.path,
                format!(
                    "line {line}: {} fields, the header has {width}",
                    self.record.len()
                ),
            ));
        }
        for &j in &self.picked {
            let cell = &self.record[j];
            let v = parse_cell(cell).map_err(|msg| Error::DataCell {
                path: self.path.clone(),
                line,
                column: format!("{} ('{}')", j + 1, shown(&self.file_header[j])),
                msg,
            })?;
            out.push(v);
        }
        self.next += 1;
        Ok(Some(i))
    }
}

impl super::table_rows::TableRows for CsvRows {
    fn header(&self) -> &[String] {
        CsvRows::header(self)
    }

    fn next_row(&mut self, out: &mut Vec<f32>) -> Result<Option<usize>> {
        CsvRows::next_row(self, out)
    }
}

/// Reads a CSV whose first line names the columns and whose cells are all finite numbers.
pub fn read_csv(path: impl AsRef<Path>) -> Result<Dataset> {
    let path = path.as_ref();
    super::table_rows::collect(path, CsvRows::open(path)?)
}

/// Reads one column of class indices (header first) for training labels.
pub fn read_labels(path: impl AsRef<Path>) -> Result<Vec<usize>> {
    let path = path.as_ref();
    let ds = read_csv(path)?;
    if ds.values.ncols() != 1 {
        return Err(Error::data(
            path,
            format!("expected one label column, found {}", ds.values.ncols()),
        ));
    }
    ds.values
        .column(0)
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v >= 0.0 && v.fract() == 0.0 {
                Ok(v as usize)
            } else {
                Err(Error::DataCell {
                    path: path.to_path_buf(),
                    line: i + 2,
                    column: format!("1 ('{}')", shown(&ds.feature_names[0])),
                    msg: format!("label {v} is not a class index (0, 1, 2...)"),
                })
            }
        })
        .collect()
}

/// Writes a table with a header row, atomically.
pub fn write_csv(path: impl AsRef<Path>, header: &[String], values: &Array2<f32>) -> Result<()> {
    write_atomic(path.as_ref(), |w| {
        let mut wtr = csv::Writer::from_writer(w);
        wtr.write_record(header)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        for row in values.outer_iter() {
            wtr.write_record(row.iter().map(|v| format!("{v}")))
                .map_err(|e| std::io::Error::other(e.to_string()))?;
        }
        wtr.flush()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_parse_or_explain() {
        assert_eq!(parse_cell(" 1.5 ").unwrap(), 1.5);
        assert!(parse_cell("nan").unwrap_err().contains("NaN"));
        assert!(parse_cell("inf").unwrap_err().contains("finite"));
        assert!(parse_cell("1e40").unwrap_err().contains("finite"));
        assert!(parse_cell("abc").unwrap_err().contains("not a number"));
        assert!(parse_cell("").unwrap_err().contains("empty"));
        assert_eq!(
            parse_cell("\"a\nb").unwrap_err(),
            "'\\\"a\\nb' is not a number"
        );
        assert_eq!(shown(&"x".repeat(50)), format!("{}...", "x".repeat(40)));
    }

    #[test]
    fn write_then_read_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        let v = ndarray::array![[1.0f32, -2.5], [0.1, 3e-8]];
        write_csv(&p, &["a".into(), "b b".into()], &v).unwrap();
        let back = read_csv(&p).unwrap();
        assert_eq!(back.feature_names, vec!["a", "b b"]);
        assert_eq!(back.values, v);
    }
}
