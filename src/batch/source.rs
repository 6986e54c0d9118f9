//! Rows streamed from the data file in chunks: CSV row by row, `.npy` (or a selection out of
//! order) from memory; standard input is first copied to a hidden file in the output folder.

use super::spool::{spool, STDIN_LABEL};
use crate::data::{
    open_table, sample_rows, Background, BackgroundInfo, Dataset, RowWidth, TableRows,
};
use crate::error::{Error, Result};
use crate::run::DataSource;
use ndarray::{Array2, ArrayView2};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use tempfile::NamedTempFile;

/// `e` with the hidden copy `spooled` of standard input named as standard input.
fn relabel(e: Error, spooled: Option<&Path>) -> Error {
    let Some(copy) = spooled else {
        return e;
    };
    let named = |p: PathBuf| match p == copy {
        true => PathBuf::from(STDIN_LABEL),
        false => p,
    };
    match e {
        Error::Data { path, msg, source } => Error::Data {
            path: named(path),
            msg,
            source,
        },
        Error::DataCell {
            path,
            line,
            column,
            msg,
        } => Error::DataCell {
            path: named(path),
            line,
            column,
            msg,
        },
        Error::Io { path, source } => Error::Io {
            path: named(path),
            source,
        },
        other => other,
    }
}

/// The data file, or standard input copied into a temporary file.
pub struct DataInput {
    /// The file to read.
    pub path: PathBuf,
    /// The name reported in `meta.data`.
    pub shown: String,
    /// The columns read, by name (`None`: every column).
    columns: Option<Vec<String>>,
    _spool: Option<NamedTempFile>,
}

impl DataInput {
    /// Opens `path` (its `columns` by name, default all), or spools standard input into
    /// `spool_dir` when `path` is `-` (stopped by `cancel`, even while waiting for input).
    pub fn open(
        path: &Path,
        columns: Option<Vec<String>>,
        spool_dir: &Path,
        cancel: Option<&AtomicBool>,
    ) -> Result<DataInput> {
        if path != Path::new("-") {
            return Ok(DataInput {
                path: path.to_path_buf(),
                shown: path.display().to_string(),
                columns,
                _spool: None,
            });
        }
        let tmp = spool(std::io::stdin(), spool_dir, cancel)?;
        Ok(DataInput {
            path: tmp.path().to_path_buf(),
            shown: "-".into(),
            columns,
            _spool: Some(tmp),
        })
    }

    /// The hidden copy of standard input, if the data comes from there.
    fn spooled(&self) -> Option<&Path> {
        self._spool.as_ref().map(|t| t.path())
    }

    /// The name of standard input's hidden copy in the output folder, to list in the manifest.
    pub fn spool_name(&self) -> Option<String> {
        let name = self.spooled()?.file_name()?;
        Some(name.to_string_lossy().to_string())
    }

    /// The data's name in messages.
    fn label(&self) -> String {
        match self.spooled() {
            Some(_) => STDIN_LABEL.into(),
            None => self.shown.clone(),
        }
    }

    /// Whether the file is a `.npy` array (read whole) rather than a table (streamed).
    fn is_npy(&self) -> bool {
        self.path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
    }

    /// Feature names and number of rows, reading the file once (every cell is checked).
    pub fn scan(&self, m: &RowWidth) -> Result<(Vec<String>, usize)> {
        self.scan_file(m).map_err(|e| relabel(e, self.spooled()))
    }

    fn scan_file(&self, m: &RowWidth) -> Result<(Vec<String>, usize)> {
        let (names, n) = if self.is_npy() {
            let d = self.load()?;
            (d.feature_names.clone(), d.n_rows())
        } else {
            let mut rows = open_table(&self.path, self.columns.as_deref())?;
            let mut buf = Vec::new();
            let mut n = 0;
            while rows.next_row(&mut buf)?.is_some() {
                buf.clear();
                n += 1;
            }
            (rows.header().to_vec(), n)
        };
        if let Some(message) = m.mismatch("the data", names.len()) {
            return Err(Error::data(self.label(), message));
        }
        if n == 0 {
            return Err(Error::data(self.label(), "no data rows after the header"));
        }
        Ok((names, n))
    }

    /// SHA-256 of the file's bytes, read in blocks.
    pub fn sha256(&self) -> Result<String> {
        crate::run::sha256_file(&self.path).map_err(|e| relabel(e, self.spooled()))
    }

    /// The whole file in memory (LIME's default training statistics, `.npy`).
    pub fn load(&self) -> Result<Dataset> {
        let mut d = Dataset::load_columns(&self.path, self.columns.as_deref())
            .map_err(|e| relabel(e, self.spooled()))?;
        d.source = self.shown.clone();
        Ok(d)
    }

    /// A seeded sample of `n` rows as background, gathered in one pass (the same rows and
    /// description as [`Background::sample`] of the whole file).
    pub fn background_sample(&self, total: usize, n: usize, seed: u64) -> Result<Background> {
        let idx = sample_rows(total, n, seed);
        let mut src = self.rows(&idx)?;
        let (_, rows) = src.next_chunk(idx.len())?.expect("at least one row");
        Ok(Background {
            rows,
            description: BackgroundInfo {
                kind: "sample".into(),
                source: self.shown.clone(),
                rows: idx.len(),
                seed: Some(seed),
            },
        })
    }

    /// The rows at `selection`, in that order, in chunks.
    pub fn rows(&self, selection: &[usize]) -> Result<RowSource> {
        let increasing = selection.windows(2).all(|w| w[0] < w[1]);
        let kind = if self.is_npy() || !increasing {
            Kind::Memory(self.load()?.values)
        } else {
            Kind::Stream(
                open_table(&self.path, self.columns.as_deref())
                    .map_err(|e| relabel(e, self.spooled()))?,
            )
        };
        Ok(RowSource {
            spooled: self.spooled().map(Path::to_path_buf),
            kind,
            selection: selection.to_vec(),
            next: 0,
            buf: Vec::new(),
        })
    }
}

impl DataSource for DataInput {
    fn columns(&self, m: &RowWidth) -> Result<(Vec<String>, usize)> {
        self.scan(m)
    }

    fn for_each_chunk(
        &self,
        selection: &[usize],
        chunk: usize,
        f: &mut dyn FnMut(ArrayView2<f32>) -> Result<()>,
    ) -> Result<()> {
        let mut rows = self.rows(selection)?;
        let mut left = selection.len();
        while left > 0 {
            let Some((_, x)) = rows.next_chunk(chunk.min(left))? else {
                break;
            };
            left -= x.nrows();
            f(x.view())?;
        }
        Ok(())
    }

    fn background_sample(&self, total: usize, n: usize, seed: u64) -> Result<Background> {
        DataInput::background_sample(self, total, n, seed)
    }

    fn whole(&self) -> Result<Dataset> {
        self.load()
    }

    fn shown(&self) -> String {
        self.shown.clone()
    }
}

enum Kind {
    Stream(Box<dyn TableRows>),
    Memory(Array2<f32>),
}

/// Selected rows handed out in chunks, in selection order.
pub struct RowSource {
    /// Standard input's hidden copy, named as standard input in errors.
    spooled: Option<PathBuf>,
    kind: Kind,
    selection: Vec<usize>,
    next: usize,
    buf: Vec<f32>,
}

impl RowSource {
    /// The next up to `n` selected rows with their data-file indices, or `None` when done.
    pub fn next_chunk(&mut self, n: usize) -> Result<Option<(Vec<usize>, Array2<f32>)>> {
        let spooled = self.spooled.clone();
        self.read_chunk(n)
            .map_err(|e| relabel(e, spooled.as_deref()))
    }

    fn read_chunk(&mut self, n: usize) -> Result<Option<(Vec<usize>, Array2<f32>)>> {
        let end = (self.next + n).min(self.selection.len());
        if self.next >= end {
            return Ok(None);
        }
        let want = self.selection[self.next..end].to_vec();
        self.next = end;
        let rows = match &mut self.kind {
            Kind::Memory(all) => all.select(ndarray::Axis(0), &want),
            Kind::Stream(csv) => {
                let width = csv.header().len();
                let mut out = Vec::with_capacity(want.len() * width);
                for &target in &want {
                    loop {
                        self.buf.clear();
                        match csv.next_row(&mut self.buf)? {
                            Some(i) if i == target => {
                                out.extend_from_slice(&self.buf);
                                break;
                            }
                            Some(_) => {}
                            None => {
                                return Err(Error::Mismatch(format!(
                                    "the data ended before row {target}"
                                )))
                            }
                        }
                    }
                }
                Array2::from_shape_vec((want.len(), width), out).expect("rows of equal width")
            }
        };
        Ok(Some((want, rows)))
    }

    /// Skips the next `n` selected rows without parsing more than needed.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        if let Kind::Memory(_) = self.kind {
            self.next = (self.next + n).min(self.selection.len());
            return Ok(());
        }
        self.next_chunk(n).map(|_| ())
    }
}
