//! Clear words when a model and a data file are swapped: a data flag given an ONNX model, or the
//! MODEL argument given a data file. Files are told apart by their first bytes (and `.onnx`).

use std::io::Read;
use std::path::Path;

/// What a file looks like from its first bytes.
#[derive(Debug, PartialEq)]
enum Kind {
    /// An ONNX protobuf (by its `.onnx` name or its leading `ir_version` field).
    Onnx,
    /// A NumPy `.npy` array.
    Npy,
    /// A Parquet file.
    Parquet,
    /// Text (CSV or similar): UTF-8 without control characters.
    Text,
    /// Anything else, or unreadable: left to the reader to explain.
    Other,
}

/// The kind of the file at `path`, from at most its first 4 KiB.
fn kind(path: &Path) -> Kind {
    let mut head = Vec::with_capacity(4096);
    let read = std::fs::File::open(path).and_then(|f| f.take(4096).read_to_end(&mut head));
    if read.is_err() || head.is_empty() {
        return Kind::Other;
    }
    let onnx_name = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("onnx"));
    if head.starts_with(b"\x93NUMPY") {
        Kind::Npy
    } else if head.starts_with(b"PAR1") {
        Kind::Parquet
    } else if is_text(&head) {
        Kind::Text
    } else if onnx_name || head[0] == 0x08 {
        // ModelProto's first field is ir_version (field 1, varint: tag byte 0x08).
        Kind::Onnx
    } else {
        Kind::Other
    }
}

/// UTF-8 (possibly cut inside a character at the end) with no control characters but tab, CR, LF.
fn is_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => return false,
    };
    !valid.is_empty()
        && !valid
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
}

/// Fails when the MODEL argument is a data file (CSV, `.npy` or Parquet).
pub fn check_model(path: &Path) -> anyhow::Result<()> {
    let what = match kind(path) {
        Kind::Text => "a text (CSV) file",
        Kind::Npy => "a .npy array",
        Kind::Parquet => "a Parquet file",
        _ => return Ok(()),
    };
    anyhow::bail!(
        "{}: MODEL is {what}, not an ONNX model; the model comes first: MODEL.onnx --data X.csv",
        path.display()
    )
}

/// Fails when a data flag (`--data`, `--background`, `--train`...) names an ONNX model.
pub fn check_data(flag: &str, path: &Path) -> anyhow::Result<()> {
    if kind(path) != Kind::Onnx {
        return Ok(());
    }
    anyhow::bail!(
        "{}: `{flag}` is an ONNX model; expected .csv (a header row of feature names), .npy or \
         Parquet",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_told_apart_by_their_first_bytes() {
        assert_eq!(kind(Path::new("models/breast_cancer.onnx")), Kind::Onnx);
        assert_eq!(kind(Path::new("models/wine_test.csv")), Kind::Text);
        assert_eq!(
            kind(Path::new("tests/fixtures/bad/not_onnx.onnx")),
            Kind::Onnx
        );
        assert_eq!(kind(Path::new("no/such/file")), Kind::Other);
        assert!(is_text("a,b\n1,2\né".as_bytes()));
        assert!(!is_text(&"é".as_bytes()[..1]));
        assert!(!is_text(b"\x08\x07\x12"));
    }
}
