//! Interaction values of a batch run: one long Parquet table per part,
//! `interactions/part-NNNNN.parquet` with columns `row`, `output`, `i`, `j`, `value`, `stderr`
//! (i ≤ j: the upper triangle and the diagonal, so the table alone rebuilds every matrix and its
//! errors; Φ_ji = Φ_ij), read back into `explanations.json` and its summary when a run finishes.

use super::parquet_encode::{encode, pq_err, Column, Kind, Packing};
use crate::atomic::write_bytes_atomic;
use crate::error::{Error, Result};
use crate::explain::Explanation;
use crate::report::ExplanationFile;
use parquet::data_type::ByteArray;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::RowAccessor;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Folder of the interaction parts inside a run's output folder.
pub const INTERACTIONS_DIR: &str = "interactions";

/// Path of part `p`'s interaction table.
pub fn interaction_part_path(out: &Path, p: usize) -> PathBuf {
    out.join(format!("{INTERACTIONS_DIR}/part-{p:05}.parquet"))
}

/// One record of the long table.
struct Record {
    row: i64,
    output: usize,
    i: i64,
    j: i64,
    value: f64,
    stderr: f64,
}

/// Writes a part's interaction values atomically (nothing when the explanation has none).
pub fn write_part(path: &Path, e: &Explanation) -> Result<()> {
    let Some(inter) = &e.interactions else {
        return Ok(());
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let (n, p, _, k) = inter.values.dim();
    let mut recs = vec![];
    for r in 0..n {
        for o in 0..k {
            for i in 0..p {
                for j in i..p {
                    recs.push(Record {
                        row: e.row_indices[r] as i64,
                        output: o,
                        i: i as i64,
                        j: j as i64,
                        value: inter.values[[r, i, j, o]],
                        stderr: inter.stderr.as_ref().map_or(0.0, |s| s[[r, i, j, o]]),
                    });
                }
            }
        }
    }
    let ints = |f: fn(&Record) -> i64| Column::Int64(recs.iter().map(f).collect());
    let floats = |f: fn(&Record) -> f64| Column::Double(recs.iter().map(f).collect());
    let columns = [
        ("row", Kind::Int64),
        ("output", Kind::Text),
        ("i", Kind::Int64),
        ("j", Kind::Int64),
        ("value", Kind::Double),
        ("stderr", Kind::Double),
    ];
    let bytes = encode(path, &columns, None, Packing::default(), |c| match c {
        0 => ints(|r| r.row),
        1 => Column::Text(
            recs.iter()
                .map(|r| ByteArray::from(e.output_names[r.output].as_str()))
                .collect(),
        ),
        2 => ints(|r| r.i),
        3 => ints(|r| r.j),
        4 => floats(|r| r.value),
        _ => floats(|r| r.stderr),
    })?;
    write_bytes_atomic(path, &bytes)
}

/// Per-row matrices read back: row index → (values, stderr), each [P][P][K].
type Matrices = HashMap<i64, (Vec<Vec<Vec<f64>>>, Vec<Vec<Vec<f64>>>)>;

/// Reads parts `parts` of a run's interaction tables into `file`: the matrices of the rows the
/// file lists, and every output's mean |Φ_ij| over all rows of the run in its summary.
pub fn attach(out: &Path, parts: std::ops::Range<usize>, file: &mut ExplanationFile) -> Result<()> {
    let (p, k) = (file.feature_names.len(), file.output_names.len());
    let outputs: HashMap<&str, usize> = file
        .output_names
        .iter()
        .enumerate()
        .map(|(o, n)| (n.as_str(), o))
        .collect();
    let mut rows: Matrices = HashMap::new();
    let mut sums = vec![vec![vec![0.0f64; p]; p]; k];
    let empty = || vec![vec![vec![0.0; k]; p]; p];
    for part in parts {
        let path = interaction_part_path(out, part);
        let bad = |what: String| Error::data(&path, what);
        let f = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let reader = SerializedFileReader::new(f).map_err(pq_err(&path))?;
        for rec in reader.get_row_iter(None).map_err(pq_err(&path))? {
            let rec = rec.map_err(pq_err(&path))?;
            let get = |c: usize| rec.get_long(c).map_err(pq_err(&path));
            let (row, i, j) = (get(0)?, get(2)? as usize, get(3)? as usize);
            let name = rec.get_string(1).map_err(pq_err(&path))?;
            let o = *outputs
                .get(name.as_str())
                .ok_or_else(|| bad(format!("unknown output '{name}'")))?;
            if i >= p || j >= p {
                return Err(bad(format!("player index {i} or {j} beyond {p} players")));
            }
            let (v, se) = (
                rec.get_double(4).map_err(pq_err(&path))?,
                rec.get_double(5).map_err(pq_err(&path))?,
            );
            sums[o][i][j] += v.abs();
            if i != j {
                sums[o][j][i] += v.abs();
            }
            let m = rows.entry(row).or_insert_with(|| (empty(), empty()));
            for (a, b) in [(i, j), (j, i)] {
                m.0[a][b][o] = v;
                m.1[a][b][o] = se;
            }
        }
    }
    let n = rows.len().max(1) as f64;
    for (o, s) in file.summary.iter_mut().enumerate() {
        s.mean_abs_interactions = Some(
            sums[o]
                .iter()
                .map(|r| r.iter().map(|v| v / n).collect())
                .collect(),
        );
    }
    let sampled = file.meta.method.uses_tolerance();
    let mut values = vec![];
    let mut stderr = vec![];
    for &r in &file.row_indices {
        let (v, se) = rows.remove(&(r as i64)).ok_or_else(|| {
            Error::data(
                out.join(INTERACTIONS_DIR),
                format!("no interaction values for row {r}"),
            )
        })?;
        values.push(v);
        stderr.push(se);
    }
    file.interactions = Some(values);
    file.interactions_stderr = sampled.then_some(stderr);
    Ok(())
}
