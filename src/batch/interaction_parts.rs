//! Interaction values of a batch run: one long Parquet table per part,
//! `interactions/part-NNNNN.parquet` with columns `row`, `output`, `i`, `j`, `value`, `stderr`
//! (i ≤ j: the upper triangle and the diagonal, so the table alone rebuilds every matrix and its
//! errors; Φ_ji = Φ_ij), read back into `explanations.json` and its summary when a run finishes.

use crate::atomic::write_bytes_atomic;
use crate::error::{Error, Result};
use crate::explain::Explanation;
use crate::report::ExplanationFile;
use parquet::basic::{ConvertedType, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::record::RowAccessor;
use parquet::schema::types::Type;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Folder of the interaction parts inside a run's output folder.
pub const INTERACTIONS_DIR: &str = "interactions";

/// Path of part `p`'s interaction table.
pub fn interaction_part_path(out: &Path, p: usize) -> PathBuf {
    out.join(format!("{INTERACTIONS_DIR}/part-{p:05}.parquet"))
}

fn pq_err(path: &Path) -> impl Fn(parquet::errors::ParquetError) -> Error + '_ {
    move |e| Error::io(path, std::io::Error::other(e.to_string()))
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
    let err = pq_err(path);
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
    let field = |name: &str, t: Physical| {
        Type::primitive_type_builder(name, t)
            .with_repetition(Repetition::REQUIRED)
            .build()
    };
    let output = Type::primitive_type_builder("output", Physical::BYTE_ARRAY)
        .with_repetition(Repetition::REQUIRED)
        .with_logical_type(Some(LogicalType::String))
        .with_converted_type(ConvertedType::UTF8)
        .build()
        .map_err(&err)?;
    let fields = vec![
        field("row", Physical::INT64).map_err(&err)?,
        output,
        field("i", Physical::INT64).map_err(&err)?,
        field("j", Physical::INT64).map_err(&err)?,
        field("value", Physical::DOUBLE).map_err(&err)?,
        field("stderr", Physical::DOUBLE).map_err(&err)?,
    ];
    let schema = Type::group_type_builder("schema")
        .with_fields(fields.into_iter().map(Arc::new).collect())
        .build()
        .map_err(&err)?;
    let props = WriterProperties::builder().build();
    let bytes = {
        let mut w = SerializedFileWriter::new(Vec::new(), Arc::new(schema), Arc::new(props))
            .map_err(&err)?;
        let mut rg = w.next_row_group().map_err(&err)?;
        let mut c = 0usize;
        while let Some(mut col) = rg.next_column().map_err(&err)? {
            let ints = |f: fn(&Record) -> i64| recs.iter().map(f).collect::<Vec<i64>>();
            let floats = |f: fn(&Record) -> f64| recs.iter().map(f).collect::<Vec<f64>>();
            match c {
                0 => col
                    .typed::<Int64Type>()
                    .write_batch(&ints(|r| r.row), None, None),
                1 => {
                    let v: Vec<ByteArray> = recs
                        .iter()
                        .map(|r| ByteArray::from(e.output_names[r.output].as_str()))
                        .collect();
                    col.typed::<ByteArrayType>().write_batch(&v, None, None)
                }
                2 => col
                    .typed::<Int64Type>()
                    .write_batch(&ints(|r| r.i), None, None),
                3 => col
                    .typed::<Int64Type>()
                    .write_batch(&ints(|r| r.j), None, None),
                4 => col
                    .typed::<DoubleType>()
                    .write_batch(&floats(|r| r.value), None, None),
                _ => col
                    .typed::<DoubleType>()
                    .write_batch(&floats(|r| r.stderr), None, None),
            }
            .map_err(&err)?;
            col.close().map_err(&err)?;
            c += 1;
        }
        rg.close().map_err(&err)?;
        w.into_inner().map_err(&err)?
    };
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
