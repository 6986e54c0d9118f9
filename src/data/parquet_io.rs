//! Parquet tables read one row group at a time: one file, or a folder of part files as Spark
//! writes them; numeric columns (all, or the chosen ones, by name), every cell checked.

use super::table_rows::{pick_by_name, TableRows};
use crate::error::{Error, Result};
use parquet::basic::{LogicalType, Type as Physical};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The Parquet files of `path`: the file itself, or a folder's `*.parquet` files by name
/// (hidden and `_`-prefixed files, such as Spark's `_SUCCESS` and `.crc`, left out).
pub fn parquet_files(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
    let mut files = vec![];
    for entry in entries {
        let p = entry.map_err(|e| Error::io(path, e))?.path();
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if p.is_file() && !name.starts_with(['.', '_']) && is_parquet(&p) {
            files.push(p);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::data(path, "the folder holds no .parquet file"));
    }
    Ok(files)
}

/// Whether `path` names a Parquet file by its extension.
pub fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// A Parquet file being read: its reader, its columns for the header (index and maximum
/// definition level) and its next row group.
struct OpenFile {
    reader: SerializedFileReader<File>,
    picked: Vec<(usize, i16)>,
    group: usize,
}

/// A Parquet table read row by row, decoded one row group at a time.
pub struct ParquetRows {
    files: Vec<PathBuf>,
    header: Vec<String>,
    /// The file being read.
    open: Option<OpenFile>,
    file: usize,
    /// The current row group, row-major, and how many of its rows are handed out.
    block: Vec<f32>,
    block_rows: usize,
    block_next: usize,
    next: usize,
}

impl ParquetRows {
    /// Opens a file or folder; `columns` picks columns by name (default: every column).
    pub fn open(path: &Path, columns: Option<&[String]>) -> Result<ParquetRows> {
        let files = parquet_files(path)?;
        let reader = open_file(&files[0])?;
        let header = match columns {
            Some(c) => c.to_vec(),
            None => leaf_names(&reader),
        };
        let picked = pick_columns(&files[0], &reader, &header, columns.is_some())?;
        Ok(ParquetRows {
            files,
            header,
            open: Some(OpenFile {
                reader,
                picked,
                group: 0,
            }),
            file: 0,
            block: vec![],
            block_rows: 0,
            block_next: 0,
            next: 0,
        })
    }

    /// Decodes the next row group into `block`; false at the end of the table.
    fn next_block(&mut self) -> Result<bool> {
        loop {
            if self.open.is_none() {
                self.file += 1;
                let Some(path) = self.files.get(self.file) else {
                    return Ok(false);
                };
                let reader = open_file(path)?;
                let picked = pick_columns(path, &reader, &self.header, true)?;
                self.open = Some(OpenFile {
                    reader,
                    picked,
                    group: 0,
                });
            }
            let open = self.open.as_mut().expect("opened above");
            if open.group >= open.reader.num_row_groups() {
                self.open = None;
                continue;
            }
            let at = RowGroupAt {
                path: &self.files[self.file],
                header: &self.header,
                first_row: self.next,
            };
            let rows = at.decode(&open.reader, &open.picked, open.group, &mut self.block)?;
            open.group += 1;
            self.block_rows = rows;
            self.block_next = 0;
            if rows > 0 {
                return Ok(true);
            }
        }
    }
}

/// Where a row group is: its file, the columns' names and the table's row number of its first row.
struct RowGroupAt<'a> {
    path: &'a Path,
    header: &'a [String],
    first_row: usize,
}

impl RowGroupAt<'_> {
    /// Decodes row group `group`'s `picked` columns into `block` (row-major); returns its rows.
    fn decode(
        &self,
        reader: &SerializedFileReader<File>,
        picked: &[(usize, i16)],
        group: usize,
        block: &mut Vec<f32>,
    ) -> Result<usize> {
        let err = |e: parquet::errors::ParquetError| {
            Error::data(self.path, format!("cannot read the Parquet file: {e}"))
        };
        let rg = reader.get_row_group(group).map_err(err)?;
        let rows = rg.metadata().num_rows() as usize;
        let width = self.header.len();
        block.clear();
        block.resize(rows * width, 0.0);
        let mut column = Vec::with_capacity(rows);
        for (j, &(c, max_def)) in picked.iter().enumerate() {
            column.clear();
            let reader = rg.get_column_reader(c).map_err(err)?;
            read_column(reader, rows, max_def, &mut column).map_err(|msg| match msg {
                Cell::Broken(e) => err(e),
                Cell::Null(r) => self.cell_error(r, j, "no value (null)"),
            })?;
            for (r, &v) in column.iter().enumerate() {
                if !v.is_finite() {
                    return Err(self.cell_error(r, j, &format!("{v} is not a finite number")));
                }
                block[r * width + j] = v;
            }
        }
        Ok(rows)
    }

    /// An error at row `r` of the row group, column `j` of the header.
    fn cell_error(&self, r: usize, j: usize, msg: &str) -> Error {
        Error::data(
            self.path,
            format!(
                "row {}, column '{}': {msg}",
                self.first_row + r,
                self.header[j]
            ),
        )
    }
}

impl TableRows for ParquetRows {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_row(&mut self, out: &mut Vec<f32>) -> Result<Option<usize>> {
        if self.block_next >= self.block_rows && !self.next_block()? {
            return Ok(None);
        }
        let width = self.header.len();
        let at = self.block_next * width;
        out.extend_from_slice(&self.block[at..at + width]);
        self.block_next += 1;
        self.next += 1;
        Ok(Some(self.next - 1))
    }
}

fn open_file(path: &Path) -> Result<SerializedFileReader<File>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    SerializedFileReader::new(f)
        .map_err(|e| Error::data(path, format!("not a readable Parquet file: {e}")))
}

/// Names of the file's leaf columns (dotted paths for nested ones).
fn leaf_names(reader: &SerializedFileReader<File>) -> Vec<String> {
    let schema = reader.metadata().file_metadata().schema_descr();
    schema.columns().iter().map(|c| c.path().string()).collect()
}

/// The file's column index and maximum definition level of each name in `header`, each
/// checked to hold plain numbers.
fn pick_columns(
    path: &Path,
    reader: &SerializedFileReader<File>,
    header: &[String],
    chosen: bool,
) -> Result<Vec<(usize, i16)>> {
    let names = leaf_names(reader);
    let schema = reader.metadata().file_metadata().schema_descr();
    let at = pick_by_name(path, &names, header)?;
    let pick_hint = match chosen {
        true => "",
        false => ": choose the model's columns with --features",
    };
    header
        .iter()
        .zip(at)
        .map(|(h, i)| {
            let c = schema.column(i);
            let numeric = matches!(
                c.physical_type(),
                Physical::BOOLEAN
                    | Physical::INT32
                    | Physical::INT64
                    | Physical::FLOAT
                    | Physical::DOUBLE
            );
            let decimal = matches!(c.logical_type_ref(), Some(LogicalType::Decimal { .. }));
            if c.max_rep_level() > 0 || !numeric || decimal {
                let kind = match () {
                    _ if c.max_rep_level() > 0 => "a list".to_string(),
                    _ if decimal => "decimals (cast them to double)".to_string(),
                    _ => format!("{} values, not numbers", c.physical_type()),
                };
                return Err(Error::data(
                    path,
                    format!("column '{h}' holds {kind}{pick_hint}"),
                ));
            }
            Ok((i, c.max_def_level()))
        })
        .collect()
}

/// Why a column could not be read.
enum Cell {
    Broken(parquet::errors::ParquetError),
    /// A null at this row of the row group.
    Null(usize),
}

/// Reads `rows` values of a numeric column as f32 into `out`.
fn read_column(
    reader: ColumnReader,
    rows: usize,
    max_def: i16,
    out: &mut Vec<f32>,
) -> std::result::Result<(), Cell> {
    match reader {
        ColumnReader::BoolColumnReader(r) => {
            read_typed(r, (rows, max_def), out, |v| f32::from(u8::from(*v)))
        }
        ColumnReader::Int32ColumnReader(r) => read_typed(r, (rows, max_def), out, |v| *v as f32),
        ColumnReader::Int64ColumnReader(r) => read_typed(r, (rows, max_def), out, |v| *v as f32),
        ColumnReader::FloatColumnReader(r) => read_typed(r, (rows, max_def), out, |v| *v),
        ColumnReader::DoubleColumnReader(r) => read_typed(r, (rows, max_def), out, |v| *v as f32),
        _ => unreachable!("column types are checked when the file is opened"),
    }
}

fn read_typed<T: DataType>(
    mut r: ColumnReaderImpl<T>,
    (rows, max_def): (usize, i16),
    out: &mut Vec<f32>,
    conv: impl Fn(&T::T) -> f32,
) -> std::result::Result<(), Cell> {
    let (mut values, mut defs) = (Vec::new(), Vec::new());
    while out.len() < rows {
        values.clear();
        defs.clear();
        let want = rows - out.len();
        let defs_arg = (max_def > 0).then_some(&mut defs);
        let (records, read, _) = r
            .read_records(want, defs_arg, None, &mut values)
            .map_err(Cell::Broken)?;
        if records == 0 {
            break;
        }
        if max_def > 0 {
            if let Some(i) = defs.iter().position(|&d| d < max_def) {
                return Err(Cell::Null(out.len() + i));
            }
        }
        out.extend(values[..read].iter().map(&conv));
    }
    if out.len() < rows {
        return Err(Cell::Broken(parquet::errors::ParquetError::General(
            format!("the row group ended after {} of its {rows} rows", out.len()),
        )));
    }
    Ok(())
}
