//! Row selections such as `0:20`, `3`, `1,4,9` or `5:`.

use crate::error::{Error, Result};

/// Parses a row selection against a dataset of `n` rows (default: all rows).
pub fn parse_rows(spec: Option<&str>, n: usize) -> Result<Vec<usize>> {
    let Some(spec) = spec else {
        return Ok((0..n).collect());
    };
    let bad = |msg: String| Error::param("rows", format!("'{spec}': {msg}"));
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let num = |s: &str, default: usize| -> Result<usize> {
            if s.trim().is_empty() {
                Ok(default)
            } else {
                s.trim()
                    .parse()
                    .map_err(|_| bad(format!("'{s}' is not a row number")))
            }
        };
        let (lo, hi) = match part.split_once(':') {
            Some((a, b)) => (num(a, 0)?, num(b, n)?),
            None => {
                let i = num(part, 0)?;
                (i, i + 1)
            }
        };
        if lo >= hi {
            return Err(bad(format!("empty range {lo}:{hi}")));
        }
        if hi > n {
            // The first row asked for that the data does not have.
            return Err(bad(format!(
                "row {} is out of range: the data has {n} rows (0..{})",
                lo.max(n),
                n.saturating_sub(1)
            )));
        }
        out.extend(lo..hi);
    }
    if out.is_empty() {
        return Err(bad("no rows selected".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_rows;

    #[test]
    fn ranges_lists_and_errors() {
        assert_eq!(parse_rows(None, 3).unwrap(), vec![0, 1, 2]);
        assert_eq!(parse_rows(Some("0:2"), 5).unwrap(), vec![0, 1]);
        assert_eq!(parse_rows(Some("1,3:"), 5).unwrap(), vec![1, 3, 4]);
        assert_eq!(parse_rows(Some("4"), 5).unwrap(), vec![4]);
        let e = parse_rows(Some("0:50"), 45).unwrap_err().to_string();
        assert!(
            e.contains("row 45 is out of range: the data has 45 rows (0..44)"),
            "{e}"
        );
        let e = parse_rows(Some("60:70"), 45).unwrap_err().to_string();
        assert!(e.contains("row 60 is out of range"), "{e}");
        let e = parse_rows(Some("50"), 45).unwrap_err().to_string();
        assert!(e.contains("row 50 is out of range"), "{e}");
        assert!(parse_rows(Some("x"), 5).is_err());
        assert!(parse_rows(Some("3:3"), 5).is_err());
    }
}
