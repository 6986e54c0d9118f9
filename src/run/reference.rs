//! The rows a run's estimator compares against: background rows (every SHAP method, LIME over
//! switched players) or LIME's training statistics, from tables in memory, the request's files,
//! or the data itself.

use super::source::DataSource;
use crate::data::{Background, Dataset, RowWidth};
use crate::error::Result;
use crate::explain::Estimator;
use crate::players::Players;
use crate::request::ExplainRequest;
use std::path::Path;

/// Reference tables given in memory instead of the request's files.
#[derive(Default, Clone, Copy)]
pub struct GivenTables<'a> {
    /// Background rows (instead of `ExplainRequest::background`).
    pub background: Option<&'a Dataset>,
    /// LIME's training rows (instead of `ExplainRequest::train`).
    pub train: Option<&'a Dataset>,
}

/// The rows that stand in for absent features (SHAP) or give the perturbation statistics (LIME).
pub(crate) enum Reference {
    Background(Background),
    Train(Dataset),
}

/// Loads a data file and checks its width against the model's.
pub(crate) fn load_checked(
    path: &Path,
    columns: Option<&[String]>,
    m: &RowWidth,
    what: &str,
) -> Result<Dataset> {
    let data = Dataset::load_columns(path, columns)?;
    data.check_width(m.clone(), what)?;
    Ok(data)
}

/// Resolves the reference rows the estimator needs: given tables first, then the request's
/// files, then a sample of the data (or, for LIME, the whole data).
pub(crate) fn resolve_reference(
    req: &ExplainRequest,
    estimator: &Estimator,
    players: &Players,
    data: &dyn DataSource,
    total: usize,
    m: &RowWidth,
    given: GivenTables,
) -> Result<Reference> {
    let load =
        |table: Option<&Dataset>, path: Option<&Path>, what: &str| -> Result<Option<Dataset>> {
            match (table, path) {
                (Some(t), _) => {
                    t.check_width(m.clone(), what)?;
                    Ok(Some(t.clone()))
                }
                (None, Some(p)) => load_checked(p, req.features.as_deref(), m, what).map(Some),
                (None, None) => Ok(None),
            }
        };
    let train = || load(given.train, req.train.as_deref(), "the training data");
    if !(matches!(estimator, Estimator::Shap(_)) || players.switched()) {
        return Ok(Reference::Train(match train()? {
            Some(t) => t,
            None => data.whole()?,
        }));
    }
    if let Some(bg) = load(
        given.background,
        req.background.as_deref(),
        "the background",
    )? {
        return Ok(Reference::Background(Background::from_dataset(&bg)));
    }
    let seed = estimator.seed();
    Ok(Reference::Background(match (estimator, train()?) {
        (Estimator::Lime(_), Some(t)) => Background::sample(&t, req.background_size, seed),
        _ => data.background_sample(total, req.background_size, seed)?,
    }))
}
