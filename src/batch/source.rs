//! Rows streamed from the data file in chunks: CSV row by row, `.npy` (or a selection out of
//! order) from memory; standard input is first copied to a hidden file in the output folder.

use crate::data::{read_npy, sample_rows, Background, BackgroundInfo, CsvRows, Dataset};
use crate::error::{Error, Result};
use crate::run::DataSource;
use ndarray::{Array2, ArrayView2};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// The data file, or standard input copied into a temporary file.
pub struct DataInput {
    /// The file to read.
    pub path: PathBuf,
    /// The name reported in `meta.data`.
    pub shown: String,
    _spool: Option<NamedTempFile>,
}

impl DataInput {
    /// Opens `path`, or spools standard input into `spool_dir` when `path` is `-`.
    pub fn open(path: &Path, spool_dir: &Path) -> Result<DataInput> {
        if path != Path::new("-") {
            return Ok(DataInput {
                path: path.to_path_buf(),
                shown: path.display().to_string(),
                _spool: None,
            });
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(".stdin")
            .suffix(".csv")
            .tempfile_in(spool_dir)
            .map_err(|e| Error::io(spool_dir, e))?;
        std::io::copy(&mut std::io::stdin().lock(), tmp.as_file_mut())
            .map_err(|e| Error::io(Path::new("standard input"), e))?;
        Ok(DataInput {
            path: tmp.path().to_path_buf(),
            shown: "-".into(),
            _spool: Some(tmp),
        })
    }

    /// Whether the file is a `.npy` array (read whole) rather than CSV (streamed).
    fn is_npy(&self) -> bool {
        self.path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
    }

    /// Feature names and number of rows, reading the file once (every cell is checked).
    pub fn scan(&self, m: usize) -> Result<(Vec<String>, usize)> {
        let (names, n) = if self.is_npy() {
            let d = read_npy(&self.path)?;
            (d.feature_names.clone(), d.n_rows())
        } else {
            let mut rows = CsvRows::open(&self.path)?;
            let mut buf = Vec::new();
            let mut n = 0;
            while rows.next_row(&mut buf)?.is_some() {
                buf.clear();
                n += 1;
            }
            (rows.header().to_vec(), n)
        };
        if names.len() != m {
            return Err(Error::data(
                &self.shown,
                format!(
                    "the data has {} columns but the model takes {m} values per row",
                    names.len()
                ),
            ));
        }
        if n == 0 {
            return Err(Error::data(&self.shown, "no data rows after the header"));
        }
        Ok((names, n))
    }

    /// SHA-256 of the file's bytes, read in blocks.
    pub fn sha256(&self) -> Result<String> {
        crate::run::sha256_file(&self.path)
    }

    /// The whole file in memory (LIME's default training statistics, `.npy`).
    pub fn load(&self) -> Result<Dataset> {
        let mut d = Dataset::load(&self.path)?;
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
            Kind::Stream(CsvRows::open(&self.path)?)
        };
        Ok(RowSource {
            kind,
            selection: selection.to_vec(),
            next: 0,
            buf: Vec::new(),
        })
    }
}

impl DataSource for DataInput {
    fn columns(&self, m: usize) -> Result<(Vec<String>, usize)> {
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
    Stream(CsvRows),
    Memory(Array2<f32>),
}

/// Selected rows handed out in chunks, in selection order.
pub struct RowSource {
    kind: Kind,
    selection: Vec<usize>,
    next: usize,
    buf: Vec<f32>,
}

impl RowSource {
    /// The next up to `n` selected rows with their data-file indices, or `None` when done.
    pub fn next_chunk(&mut self, n: usize) -> Result<Option<(Vec<usize>, Array2<f32>)>> {
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
