//! TEMPORARY: the library front of issue #19 (`request::GroupsSource`, `run::explain_dataset`)
//! over today's `pipeline`, through temporary files, until main has it. Removed at the merge.

use onnx_inspector::data::{write_csv, Dataset};
use onnx_inspector::explain::{LimeParams, Progress};
use onnx_inspector::model::OnnxModel;
use onnx_inspector::pipeline::{run_explain, ExplainRequest};
use onnx_inspector::report::ExplanationFile;
use onnx_inspector::{Error, Result};
use std::path::PathBuf;

/// Where a request's feature groups come from.
pub enum GroupsSource {
    File(PathBuf),
    Named(Vec<(String, Vec<String>)>),
}

pub struct Req {
    pub req: ExplainRequest,
    pub groups: Option<GroupsSource>,
}

pub fn switched(req: &ExplainRequest, groups: bool) -> bool {
    groups || req.image.patch.is_some() || req.image.superpixels.is_some()
}

pub fn lime_for_players(switched: bool) -> LimeParams {
    LimeParams {
        num_samples: if switched {
            LimeParams::DEFAULT_PLAYER_SAMPLES
        } else {
            LimeParams::DEFAULT_SAMPLES
        },
        num_features: if switched {
            usize::MAX
        } else {
            LimeParams::DEFAULT_FEATURES
        },
        ..LimeParams::default()
    }
}

pub fn explain(
    _onnx: &OnnxModel,
    data: &Dataset,
    background: Option<&Dataset>,
    train: Option<&Dataset>,
    r: &Req,
    row_ids: Option<&[usize]>,
    progress: Option<&Progress>,
) -> Result<ExplanationFile> {
    if row_ids.is_some() {
        return Err(Error::Mismatch("row_ids: not before the merge".into()));
    }
    let dir = tempfile::tempdir().map_err(|e| Error::io(std::path::Path::new("/tmp"), e))?;
    let mut req = r.req.clone();
    let csv = |d: &Dataset, name: &str| -> Result<PathBuf> {
        let p = dir.path().join(name);
        write_csv(&p, &d.feature_names, &d.values)?;
        Ok(p)
    };
    req.data = csv(data, "data.csv")?;
    req.background = background.map(|d| csv(d, "bg.csv")).transpose()?;
    req.train = train.map(|d| csv(d, "train.csv")).transpose()?;
    req.groups = match &r.groups {
        None => None,
        Some(GroupsSource::File(p)) => Some(p.clone()),
        Some(GroupsSource::Named(g)) => {
            let p = dir.path().join("groups.json");
            let map: serde_json::Map<String, serde_json::Value> = g
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::json!(v)))
                .collect();
            std::fs::write(&p, serde_json::to_string(&map).unwrap()).unwrap();
            Some(p)
        }
    };
    run_explain(&req, progress)
}
