//! `.npy` reading: 2-D float32 or float64 arrays, every value finite.

use super::Dataset;
use crate::error::{one_line, Error, Result};
use ndarray::{Array2, Ix2};
use ndarray_npy::npy::header::Header;
use ndarray_npy::ReadNpyExt;
use std::path::Path;

/// Checks that the header and the array it declares fit in the file, before anything is
/// allocated from their declared sizes (a 20-byte file may claim a 4 GB header or 10^12 values).
fn check_sizes(bytes: &[u8]) -> std::result::Result<(), String> {
    if bytes.len() < 10 || !bytes.starts_with(b"\x93NUMPY") {
        return Ok(()); // not an .npy file: the reader says so
    }
    let (start, header_len) = match bytes[6] {
        1 => (10, u16::from_le_bytes([bytes[8], bytes[9]]) as usize),
        2 | 3 if bytes.len() >= 12 => (
            12,
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
        ),
        _ => return Ok(()),
    };
    let available = bytes.len() - start;
    if header_len > available {
        return Err(format!(
            "the header claims {header_len} bytes but the file has {available} after the preamble"
        ));
    }
    // The header parser backtracks exponentially on nested brackets (1 s for 13 in a release
    // build); a 2-D float header has two: the dict and the shape tuple.
    let header_text = &bytes[start..start + header_len];
    let opens = header_text
        .iter()
        .filter(|&&c| matches!(c, b'[' | b'{' | b'('))
        .count();
    if opens > 4 {
        return Err(format!(
            "the header holds {opens} opening brackets; a 2-D float array's header has 2"
        ));
    }
    let Ok(header) = Header::from_reader(&mut &bytes[..]) else {
        return Ok(()); // malformed header: the reader explains it
    };
    let data_bytes = available - header_len;
    let values = header
        .shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d));
    match values {
        Some(v) if v <= data_bytes / 4 => Ok(()),
        _ => Err(format!(
            "the header declares shape {:?}, more values than the {data_bytes} data bytes of the file hold",
            header.shape
        )),
    }
}

/// Reads a 2-D `.npy` array of f32 or f64; columns are named `x0, x1, ...`.
pub fn read_npy(path: impl AsRef<Path>) -> Result<Dataset> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    check_sizes(&bytes).map_err(|msg| Error::data(path, msg))?;
    let values: Array2<f32> = match Array2::<f32>::read_npy(&bytes[..]) {
        Ok(a) => a,
        Err(_) => {
            let a = ndarray::Array::<f64, Ix2>::read_npy(&bytes[..]).map_err(|e| {
                Error::data(
                    path,
                    format!(
                        "expected a 2-D float32 or float64 array ({})",
                        one_line(&e.to_string())
                    ),
                )
            })?;
            a.mapv(|v| v as f32)
        }
    };
    if values.nrows() == 0 || values.ncols() == 0 {
        return Err(Error::data(path, "the array is empty"));
    }
    if let Some(((r, c), v)) = values.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::DataCell {
            path: path.to_path_buf(),
            line: r,
            column: c.to_string(),
            msg: format!("value {v} is not finite (row and column counted from 0)"),
        });
    }
    Ok(Dataset {
        feature_names: (0..values.ncols()).map(|j| format!("x{j}")).collect(),
        values,
        source: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(version: u8, header: &str, data: &[u8]) -> Vec<u8> {
        let mut b = b"\x93NUMPY".to_vec();
        b.extend([version, 0]);
        let h = format!("{header}\n");
        if version == 1 {
            b.extend((h.len() as u16).to_le_bytes());
        } else {
            b.extend((h.len() as u32).to_le_bytes());
        }
        b.extend(h.as_bytes());
        b.extend(data);
        b
    }

    #[test]
    fn declared_sizes_must_fit_in_the_file() {
        let ok = npy(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
            &[0; 8],
        );
        assert!(check_sizes(&ok).is_ok());
        let huge = npy(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }",
            &[0; 8],
        );
        assert!(check_sizes(&huge)
            .unwrap_err()
            .contains("[1000000, 1000000]"));
        let mut long_header = npy(2, "{}", &[]);
        long_header[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(check_sizes(&long_header)
            .unwrap_err()
            .contains("header claims"));
        let nested = npy(1, &format!("{}'descr'", "[".repeat(60)), &[]);
        assert!(check_sizes(&nested)
            .unwrap_err()
            .contains("60 opening brackets"));
    }
}
