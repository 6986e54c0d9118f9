//! tract's declutter and codegen pipelines, with a reduced fallback that skips the rewrites that
//! fail on a graph.
//!
//! tract optimises a graph by applying local rewrites, node by node, until none applies. A rewrite
//! that errors aborts the whole pipeline, although the graph it would have rewritten is still valid
//! and runnable: e.g. tract 0.23.9 fails to pull a `Downsample` (from a strided 1x1 convolution)
//! up over a `Reshape` in Keras' ResNet50 with "Invalid axis". The reduced pipeline runs tract's
//! own passes in tract's order, except that the per-node passes (`declutter`, `codegen`, `fuse`)
//! skip a node whose rewrite fails instead of stopping; the skipped rewrites are reported.

use crate::error::{clip, report, Result};
use crate::model::tract::guard;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::dummy::Dummy;
use tract_onnx::tract_core::optim::{Optimizer, OptimizerSession, TypedPass};

/// Longest node name quoted in a report of skipped rewrites.
const NAME_CHARS: usize = 72;

/// Which optimiser pipeline prepared the model.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Pipeline {
    /// tract's own declutter and codegen pipelines.
    #[default]
    Full,
    /// tract's pipelines with the node rewrites that failed on this graph skipped.
    Reduced {
        /// The rewrites that failed and were skipped, one line.
        failed: String,
    },
}

impl Pipeline {
    /// Whether rewrites were skipped.
    pub fn is_reduced(&self) -> bool {
        matches!(self, Pipeline::Reduced { .. })
    }

    /// The reduced pipeline when `failed` names skipped rewrites, else `self` unchanged.
    fn or_reduced(self, failed: Option<String>) -> Pipeline {
        match (self, failed) {
            (Pipeline::Full, Some(failed)) => Pipeline::Reduced { failed },
            (p, _) => p,
        }
    }
}

impl std::fmt::Display for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pipeline::Full => write!(f, "full (tract's declutter and codegen passes)"),
            Pipeline::Reduced { failed } => write!(
                f,
                "reduced ({failed}; those rewrites were skipped, all other passes ran)"
            ),
        }
    }
}

/// The signature of tract's per-node rewrites (`TypedOp::declutter_with_session` etc.).
type Rewrite = fn(
    &dyn TypedOp,
    &mut OptimizerSession,
    &TypedModel,
    &TypedNode,
) -> TractResult<Option<TypedModelPatch>>;

/// Rewrites that failed: `(pass, op, node name, cause)`, shared by the clones of a pass.
type Failures = Arc<Mutex<Vec<(&'static str, String, String, String)>>>;

/// tract's per-node pass (`OpOptim`), except that a node whose rewrite errors or panics is skipped.
#[derive(Clone)]
struct TolerantNodePass {
    name: &'static str,
    rewrite: Rewrite,
    /// First node to look at in the next call (tract's `OpOptim` cursor).
    start: usize,
    path: PathBuf,
    failures: Failures,
}

impl std::fmt::Debug for TolerantNodePass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (tolerant)", self.name)
    }
}

impl TolerantNodePass {
    /// Records a failed rewrite once.
    fn failed(&self, node: &TypedNode, cause: String) {
        let mut log = self.failures.lock().expect("failure log poisoned");
        let op = node.op.name().to_string();
        if !log
            .iter()
            .any(|(p, o, n, _)| *p == self.name && *o == op && *n == node.name)
        {
            log.push((self.name, op, node.name.clone(), cause));
        }
    }
}

impl TypedPass for TolerantNodePass {
    fn reset(&mut self) -> TractResult<()> {
        self.start = 0;
        Ok(())
    }

    fn next(
        &mut self,
        session: &mut OptimizerSession,
        model: &TypedModel,
    ) -> TractResult<Option<TypedModelPatch>> {
        for node in &model.nodes[self.start.min(model.nodes.len())..] {
            if node.op_is::<Dummy>() {
                continue;
            }
            let what = format!("{} of node '{}'", self.name, node.name);
            let attempt = guard::tract(&self.path, &what, || {
                (self.rewrite)(node.op.as_ref(), session, model, node)
            });
            match attempt {
                Ok(Ok(Some(mut patch))) => {
                    patch.push_context(format!("{self:?} {node}"));
                    self.start = node.id + patch.dont_apply_twice.is_some() as usize;
                    return Ok(Some(patch));
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => self.failed(node, root_cause(&e)),
                Err(panic) => self.failed(node, report(&panic)),
            }
        }
        Ok(None)
    }
}

/// The last message of tract's error chain, on one line.
fn root_cause(e: &TractError) -> String {
    crate::error::one_line(&e.root_cause().to_string())
}

/// `optimizer` with its per-node passes replaced by tolerant ones logging into `failures`.
fn tolerant(optimizer: Optimizer, path: &Path, failures: &Failures) -> Optimizer {
    let passes = optimizer
        .passes
        .into_iter()
        .map(|p| {
            let rewrite: Option<(&'static str, Rewrite)> = match format!("{p:?}").as_str() {
                "declutter" => Some(("declutter", |op, s, m, n| {
                    op.declutter_with_session(s, m, n)
                })),
                "codegen" => Some(("codegen", |op, _, m, n| op.codegen(m, n))),
                "fuse" => Some(("fuse", |op, _, m, n| op.fuse(m, n))),
                _ => None,
            };
            match rewrite {
                Some((name, rewrite)) => Box::new(TolerantNodePass {
                    name,
                    rewrite,
                    start: 0,
                    path: path.to_path_buf(),
                    failures: failures.clone(),
                }) as Box<dyn TypedPass>,
                None => p,
            }
        })
        .collect();
    Optimizer {
        passes,
        steps: optimizer.steps,
    }
}

/// One line naming the skipped rewrites (`None` when nothing was skipped).
fn describe(stage: &str, failures: &Failures) -> Option<String> {
    let log = failures.lock().expect("failure log poisoned");
    let (pass, op, node, cause) = log.first()?;
    let more = match log.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    Some(format!(
        "{stage}: the {pass} rewrite of {op} node '{}' failed: {cause}{more}",
        clip(node, NAME_CHARS)
    ))
}

/// Runs `optimizer` tolerantly on `model`; returns the skipped rewrites, described.
fn run_tolerant(
    path: &Path,
    stage: &str,
    optimizer: Optimizer,
    model: &mut TypedModel,
) -> TractResult<Option<String>> {
    let failures = Failures::default();
    let optimizer = tolerant(optimizer, path, &failures);
    model.optimize_with_session(&mut optimizer.session())?;
    Ok(describe(stage, &failures))
}

/// Declutters a typed graph: tract's pipeline, or the reduced one if tract's fails.
pub(crate) fn declutter(path: &Path, model: TypedModel) -> Result<(TypedModel, Pipeline)> {
    let what = "decluttering the graph";
    let full = guard::tract_result(path, what, || model.clone().into_decluttered());
    let Err(full_error) = full else {
        return full.map(|m| (m, Pipeline::Full));
    };
    let mut m = model;
    match guard::tract_result(path, what, || {
        run_tolerant(path, "declutter", Optimizer::declutter(), &mut m)
    }) {
        Ok(failed) => Ok((m, Pipeline::Full.or_reduced(failed))),
        Err(_) => Err(full_error),
    }
}

/// Optimises a typed graph (tract's `into_optimized`) with tract's pipeline unless `pipeline` is
/// already reduced, then with the reduced one if tract's fails; returns the pipeline used.
/// `path` names the model in errors.
pub fn optimized(
    path: &Path,
    model: TypedModel,
    pipeline: &Pipeline,
) -> Result<(TypedModel, Pipeline)> {
    let what = "optimising the graph";
    let full_error = if pipeline.is_reduced() {
        None
    } else {
        match guard::tract_result(path, what, || model.clone().into_optimized()) {
            Ok(m) => return Ok((m, Pipeline::Full)),
            Err(e) => Some(e),
        }
    };
    let mut m = model;
    let reduced = guard::tract_result(path, what, || {
        let a = run_tolerant(path, "declutter", Optimizer::declutter(), &mut m)?;
        let b = run_tolerant(path, "codegen", Optimizer::codegen(), &mut m)?;
        Ok(a.into_iter().chain(b).collect::<Vec<_>>())
    });
    match (reduced, full_error) {
        (Ok(failed), _) => {
            let failed = (!failed.is_empty()).then(|| failed.join("; "));
            Ok((m, pipeline.clone().or_reduced(failed)))
        }
        (Err(_), Some(full)) => Err(full),
        (Err(e), None) => Err(e),
    }
}

/// [`optimized`], made runnable.
pub(crate) fn optimize(
    path: &Path,
    model: TypedModel,
    pipeline: &Pipeline,
) -> Result<(Arc<TypedSimplePlan>, Pipeline)> {
    let (m, used) = optimized(path, model, pipeline)?;
    let plan = guard::tract_result(path, "planning the graph", || m.into_runnable())?;
    Ok((plan, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipelines_say_what_ran() {
        assert_eq!(
            Pipeline::Full.to_string(),
            "full (tract's declutter and codegen passes)"
        );
        let r = Pipeline::Full.or_reduced(Some("codegen: x failed".into()));
        assert!(r.is_reduced());
        assert!(
            r.to_string().starts_with("reduced (codegen: x failed;"),
            "{r}"
        );
        assert_eq!(Pipeline::Full.or_reduced(None), Pipeline::Full);
    }

    #[test]
    fn tolerant_optimizers_keep_tract_passes_in_order() {
        let failures = Failures::default();
        for (full, expect) in [
            (Optimizer::declutter(), "declutter (tolerant)"),
            (Optimizer::codegen(), "codegen (tolerant)"),
        ] {
            let names: Vec<String> = full.passes.iter().map(|p| format!("{p:?}")).collect();
            let t = tolerant(full, Path::new("m.onnx"), &failures);
            let tolerant_names: Vec<String> = t.passes.iter().map(|p| format!("{p:?}")).collect();
            assert_eq!(names.len(), tolerant_names.len());
            assert!(
                tolerant_names.iter().any(|n| n == expect),
                "{tolerant_names:?}"
            );
            for (a, b) in names.iter().zip(&tolerant_names) {
                assert!(b == a || *b == format!("{a} (tolerant)"), "{a} -> {b}");
            }
        }
    }
}
