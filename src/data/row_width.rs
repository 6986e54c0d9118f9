//! How wide the model's rows are and, for a model with several inputs, which columns each input
//! takes: a table of the wrong width is told which input it leaves short.

use std::ops::Range;

/// The width a model takes per row, with each graph input's name and columns when it has several.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowWidth {
    /// Values per row.
    pub n: usize,
    /// Each input's name and columns, in the graph's order (empty: one input, not described).
    pub parts: Vec<(String, Range<usize>)>,
}

impl From<usize> for RowWidth {
    fn from(n: usize) -> RowWidth {
        RowWidth { n, parts: vec![] }
    }
}

/// `column 9` or `columns 0..8` (inclusive, as a reader counts).
pub fn column_words(columns: &Range<usize>) -> String {
    match columns.len() {
        1 => format!("column {}", columns.start),
        _ => format!(
            "columns {}..{}",
            columns.start,
            columns.end.saturating_sub(1)
        ),
    }
}

impl RowWidth {
    /// What a table of `columns` columns is told: `the model takes N values per row`, or with
    /// several inputs `the model takes 10: num (columns 0..8) + cat (column 9) — cat is missing`.
    pub fn takes(&self, columns: usize) -> String {
        if self.parts.len() < 2 {
            return format!("the model takes {} values per row", self.n);
        }
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|(name, c)| format!("{name} ({})", column_words(c)))
            .collect();
        let mut why = vec![];
        if let Some((name, c)) = self
            .parts
            .iter()
            .find(|(_, c)| c.start < columns && columns < c.end)
        {
            why.push(format!("{name} is short by {} column(s)", c.end - columns));
        }
        let missing: Vec<&str> = self
            .parts
            .iter()
            .filter(|(_, c)| c.start >= columns)
            .map(|(name, _)| name.as_str())
            .collect();
        match missing.len() {
            0 => {}
            1 => why.push(format!("{} is missing", missing[0])),
            _ => why.push(format!("{} are missing", missing.join(", "))),
        }
        if columns > self.n {
            why.push(format!("{} column(s) too many", columns - self.n));
        }
        format!(
            "the model takes {}: {} — {}",
            self.n,
            parts.join(" + "),
            why.join("; ")
        )
    }

    /// The message for a table of `columns` columns (`what` names it), `None` when it fits.
    pub fn mismatch(&self, what: &str, columns: usize) -> Option<String> {
        let sep = match self.parts.len() < 2 {
            true => " but",
            false => ";",
        };
        (columns != self.n).then(|| {
            format!(
                "{what} has {columns} columns{sep} {}{}",
                self.takes(columns),
                super::pick_hint(columns, self.n)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_table_names_the_input_it_leaves_short() {
        let w = RowWidth {
            n: 10,
            parts: vec![("num".into(), 0..9), ("cat".into(), 9..10)],
        };
        assert_eq!(
            w.mismatch("data.csv", 9).unwrap(),
            "data.csv has 9 columns; the model takes 10: num (columns 0..8) + cat (column 9) — cat is missing"
        );
        assert!(w
            .mismatch("d", 5)
            .unwrap()
            .ends_with("num is short by 4 column(s); cat is missing"));
        assert!(w.mismatch("d", 10).is_none());
        assert_eq!(
            RowWidth::from(3).mismatch("the data", 2).unwrap(),
            "the data has 2 columns but the model takes 3 values per row"
        );
    }
}
