//! A one-row-group Parquet file built in memory from named columns: the schema and the writer
//! shared by the attribution parts and the interaction parts.

use super::storage::Compression;
use crate::error::{Error, Result};
use parquet::basic::{
    ConvertedType, Encoding, GzipLevel, LogicalType, Repetition, Type as Physical, ZstdLevel,
};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, FloatType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use std::path::Path;
use std::sync::Arc;

/// A column's type.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Int64,
    Text,
    Double,
    Float,
    /// A double with few distinct values in a part (the base values): dictionary-encoded,
    /// never byte-stream-split.
    FewDoubles,
}

/// A column's values.
pub(crate) enum Column {
    Int64(Vec<i64>),
    Text(Vec<ByteArray>),
    Double(Vec<f64>),
    Float(Vec<f32>),
}

/// How the bytes are packed: the compression, and whether float columns are written in
/// BYTE_STREAM_SPLIT encoding (their bytes grouped by position, which compresses better).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Packing {
    /// The codec of every column.
    pub compression: Option<Compression>,
    /// BYTE_STREAM_SPLIT for the float columns.
    pub byte_stream_split: bool,
}

/// Writer properties for `packing` and the float `columns`.
fn properties(
    packing: Packing,
    columns: &[(&str, Kind)],
    metadata: Option<Vec<KeyValue>>,
    err: impl Fn(parquet::errors::ParquetError) -> Error,
) -> Result<WriterProperties> {
    use parquet::basic::Compression as Codec;
    let codec = match packing.compression {
        None | Some(Compression::None) => Codec::UNCOMPRESSED,
        Some(Compression::Snappy) => Codec::SNAPPY,
        Some(Compression::Zstd(l)) => Codec::ZSTD(ZstdLevel::try_new(l).map_err(&err)?),
        Some(Compression::Gzip(l)) => Codec::GZIP(GzipLevel::try_new(l).map_err(&err)?),
    };
    // Statistics per column chunk, not per page: no column index (~5 bytes per row of a
    // 1,024-row part of 100 features), which no reader needs for a one-page column.
    let mut b = WriterProperties::builder()
        .set_key_value_metadata(metadata)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_compression(codec);
    if packing.byte_stream_split {
        for &(name, kind) in columns {
            if matches!(kind, Kind::Double | Kind::Float) {
                let path = parquet::schema::types::ColumnPath::from(name);
                b = b
                    .set_column_dictionary_enabled(path.clone(), false)
                    .set_column_encoding(path, Encoding::BYTE_STREAM_SPLIT);
            }
        }
    }
    Ok(b.build())
}

/// A Parquet error as an I/O error on `path`.
pub(crate) fn pq_err(path: &Path) -> impl Fn(parquet::errors::ParquetError) -> Error + '_ {
    move |e| Error::io(path, std::io::Error::other(e.to_string()))
}

/// The bytes of a file (named `path` in errors) with the required `columns`, key-value
/// `metadata`, and column `c`'s values from `values(c)`, asked for one column at a time,
/// packed as `packing` says.
pub(crate) fn encode(
    path: &Path,
    columns: &[(&str, Kind)],
    metadata: Option<Vec<KeyValue>>,
    packing: Packing,
    mut values: impl FnMut(usize) -> Column,
) -> Result<Vec<u8>> {
    let err = pq_err(path);
    let fields = columns
        .iter()
        .map(|&(name, kind)| {
            let t = match kind {
                Kind::Int64 => Type::primitive_type_builder(name, Physical::INT64),
                Kind::Double | Kind::FewDoubles => {
                    Type::primitive_type_builder(name, Physical::DOUBLE)
                }
                Kind::Float => Type::primitive_type_builder(name, Physical::FLOAT),
                Kind::Text => Type::primitive_type_builder(name, Physical::BYTE_ARRAY)
                    .with_logical_type(Some(LogicalType::String))
                    .with_converted_type(ConvertedType::UTF8),
            };
            t.with_repetition(Repetition::REQUIRED)
                .build()
                .map(Arc::new)
                .map_err(&err)
        })
        .collect::<Result<Vec<_>>>()?;
    let schema = Type::group_type_builder("schema")
        .with_fields(fields)
        .build()
        .map_err(&err)?;
    let props = properties(packing, columns, metadata, &err)?;
    // Built in memory and written in one piece: the writer flushes after every page.
    let mut w =
        SerializedFileWriter::new(Vec::new(), Arc::new(schema), Arc::new(props)).map_err(&err)?;
    let mut rg = w.next_row_group().map_err(&err)?;
    let mut c = 0usize;
    while let Some(mut col) = rg.next_column().map_err(&err)? {
        match values(c) {
            Column::Int64(v) => col.typed::<Int64Type>().write_batch(&v, None, None),
            Column::Text(v) => col.typed::<ByteArrayType>().write_batch(&v, None, None),
            Column::Double(v) => col.typed::<DoubleType>().write_batch(&v, None, None),
            Column::Float(v) => col.typed::<FloatType>().write_batch(&v, None, None),
        }
        .map_err(&err)?;
        col.close().map_err(&err)?;
        c += 1;
    }
    rg.close().map_err(&err)?;
    w.into_inner().map_err(&err)
}
