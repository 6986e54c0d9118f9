//! `--groups inputs`: each graph input of a model with several inputs is one player (image +
//! metadata: how much did the picture matter versus the tabular values).

use crate::data::RowWidth;
use crate::error::{Error, Result};
use crate::request::GroupsSource;

/// One named group per graph input, over its columns (named by `features`, the data's header).
pub(crate) fn input_groups(width: &RowWidth, features: &[String]) -> Result<GroupsSource> {
    if width.parts.len() < 2 {
        return Err(Error::param(
            "groups",
            "'inputs' makes each graph input one player; this model has one input, so it would \
             be a single player (give feature groups as a JSON file instead)",
        ));
    }
    Ok(GroupsSource::Named(
        width
            .parts
            .iter()
            .map(|(name, cols)| (name.clone(), features[cols.clone()].to_vec()))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_input_is_one_group_of_its_columns() {
        let width = RowWidth {
            n: 3,
            parts: vec![("num".into(), 0..2), ("cat".into(), 2..3)],
        };
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let GroupsSource::Named(g) = input_groups(&width, &names).unwrap() else {
            panic!("named groups expected");
        };
        assert_eq!(g[0], ("num".to_string(), vec!["a".into(), "b".into()]));
        assert_eq!(g[1], ("cat".to_string(), vec!["c".into()]));
        let err = input_groups(&RowWidth::from(3), &names).unwrap_err();
        assert!(err.to_string().contains("one input"), "{err}");
    }
}
