//! Where a run's rows come from: a table in memory, or (in the batch run) a file streamed in chunks.

use crate::data::{Background, Dataset, RowWidth};
use crate::error::Result;
use ndarray::ArrayView2;

/// Where a run's rows come from: a table in memory, or a file streamed in chunks.
pub(crate) trait DataSource {
    /// Feature names and row count, after checking that rows are `m` wide.
    fn columns(&self, m: &RowWidth) -> Result<(Vec<String>, usize)>;
    /// The rows at `selection` in chunks of at most `chunk`, in order.
    fn for_each_chunk(
        &self,
        selection: &[usize],
        chunk: usize,
        f: &mut dyn FnMut(ArrayView2<f32>) -> Result<()>,
    ) -> Result<()>;
    /// A seeded sample of `n` of the `total` rows as background ([`Background::sample`]).
    fn background_sample(&self, total: usize, n: usize, seed: u64) -> Result<Background>;
    /// The whole table (LIME's default training statistics).
    fn whole(&self) -> Result<Dataset>;
    /// How reports name the data.
    fn shown(&self) -> String;
}

/// A table in memory as a run's data, shown in reports as `shown`.
pub(crate) struct InMemory<'a> {
    pub data: &'a Dataset,
    pub shown: String,
}

impl DataSource for InMemory<'_> {
    fn columns(&self, m: &RowWidth) -> Result<(Vec<String>, usize)> {
        self.data.check_width(m.clone(), "the data")?;
        Ok((self.data.feature_names.clone(), self.data.n_rows()))
    }

    fn for_each_chunk(
        &self,
        selection: &[usize],
        _chunk: usize,
        f: &mut dyn FnMut(ArrayView2<f32>) -> Result<()>,
    ) -> Result<()> {
        f(self.data.values.select(ndarray::Axis(0), selection).view())
    }

    fn background_sample(&self, _total: usize, n: usize, seed: u64) -> Result<Background> {
        Ok(Background::sample(self.data, n, seed))
    }

    fn whole(&self) -> Result<Dataset> {
        Ok(self.data.clone())
    }

    fn shown(&self) -> String {
        self.shown.clone()
    }
}
