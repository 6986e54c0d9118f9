//! One row identity for charts: a row is named by its index in the data file (the file's
//! `row_indices`), in chart file names, titles and `plot --row`, whatever rows were explained.

use crate::error::{Error, Result};
use crate::report::ExplanationFile;

/// The data-file index of the row at `position` in the file.
pub fn data_row(file: &ExplanationFile, position: usize) -> usize {
    file.row_indices.get(position).copied().unwrap_or(position)
}

/// The position in the file of data-file row `row`; an error naming the rows the file holds.
pub fn row_position(file: &ExplanationFile, row: usize) -> Result<usize> {
    file.row_indices
        .iter()
        .position(|&r| r == row)
        .ok_or_else(|| {
            Error::Chart(format!(
                "row {row} is not in the file: it explains {} (data-file row indices)",
                describe(&file.row_indices)
            ))
        })
}

/// `rows 10 to 14`, `row 3`, or a short list (`rows 1, 4, 9, ... (12 rows)`).
fn describe(rows: &[usize]) -> String {
    match rows {
        [] => "no rows".into(),
        [r] => format!("row {r}"),
        _ if rows.windows(2).all(|w| w[1] == w[0] + 1) => {
            format!("rows {} to {}", rows[0], rows[rows.len() - 1])
        }
        _ => {
            let shown: Vec<String> = rows.iter().take(6).map(usize::to_string).collect();
            let more = if rows.len() > 6 {
                format!(", ... ({} rows)", rows.len())
            } else {
                String::new()
            };
            format!("rows {}{more}", shown.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn row_sets_are_described_briefly() {
        assert_eq!(describe(&[10, 11, 12, 13, 14]), "rows 10 to 14");
        assert_eq!(describe(&[3]), "row 3");
        assert_eq!(describe(&[1, 4, 9]), "rows 1, 4, 9");
        assert_eq!(
            describe(&[1, 3, 5, 7, 9, 11, 13]),
            "rows 1, 3, 5, 7, 9, 11, ... (7 rows)"
        );
    }
}
