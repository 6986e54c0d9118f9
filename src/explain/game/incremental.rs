//! Coalition values through a model's first linear layer, updated incrementally.
//!
//! A masked row z (x on S, background row b elsewhere) has first-layer pre-activations
//! z·W + b₁ = (b·W + b₁) + Σ_{j∈S} (x_j − b_j) W_j. So each coalition starts from a nearby one
//! whose pre-activations are known (∅: the cached background, the full set: x, or one of the
//! last coalitions of the block, or the complement of one), adds one scaled row of W per
//! feature that differs, and only the rest of the model runs per row. A masked row that the
//! update leaves unchanged (its background values equal x on every changed feature) reuses the
//! output of the row it came from, as shap's permutation explainer does.
//!
//! When the rest of the model is one small dense head ([`Model::dense_head`]), the updates and
//! the head run fused instead ([`Fused`]): background rows in vector lanes, no masked row stored.

use crate::error::{Error, Result};
use crate::explain::game::accumulate::accumulate;
use crate::explain::game::coalition::Coalition;
use crate::explain::game::fused::{Fused, FusedBuffers};
use crate::explain::game::lanes::Isa;
use crate::explain::game::predict::check_finite;
use crate::explain::game::walk::{Base, Start, Walk, WINDOW};
use crate::model::{FirstLinear, Model};
use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use std::sync::Mutex;
use std::time::Instant;

/// Steps of at most this many features check whether a row changes at all.
const SHORT_STEP: usize = 4;

/// Masked rows sent to the rest of the model per call, as soon as they are built: their
/// pre-activations are still in cache, and its outputs fit a small buffer.
const TAIL_ROWS: usize = 1024;

/// Background rows' pre-activations and outputs, shared by every explained row.
pub struct Incremental<'a> {
    model: &'a dyn Model,
    linear: &'a FirstLinear,
    /// Background rows [B, M] in standard layout, as the first product sees them.
    background: Array2<f32>,
    /// b·W + b₁ for every background row [B, H].
    bg_pre: Array2<f32>,
    /// Model outputs of the background rows, from `bg_pre` [B, K].
    bg_out: Array2<f32>,
    /// The first-layer updates and the rest of the model fused, when it is a small dense head.
    fused: Option<Fused>,
    /// Idle working spaces: one per block being evaluated at once, at most.
    idle: Mutex<Vec<Buffers>>,
}

/// Where a masked row's pre-activations and output are stored.
#[derive(Clone, Copy)]
enum Loc {
    /// Background row b unchanged.
    Background(usize),
    /// The explained row itself.
    X,
    /// Row r of the block's evaluated batch.
    Row(usize),
}

/// Working space for one block, kept across blocks so that its pages are reused.
#[derive(Default)]
struct Buffers {
    /// Where each masked row's output is, coalition by coalition.
    locs: Vec<Loc>,
    /// Pre-activations of the rows that need the model, `H` values each, in slots: those sent to
    /// the model and no longer a possible starting point are overwritten, so that the buffer
    /// stays about [`TAIL_ROWS`] rows long and in cache (only grows).
    pre: Vec<f32>,
    /// The slot of `pre` holding each row's pre-activations (while it can still be a start).
    slot: Vec<usize>,
    /// Rows still possible starting points, while slots are reassigned.
    live: Vec<usize>,
    /// Their model outputs, `K` values each.
    out: Vec<f32>,
    /// The block's steps.
    walk: Walk,
    /// The fused evaluator's working space.
    fused: FusedBuffers,
}

/// Pre-activations of one explained row and the per-(background row, feature) coefficients.
struct RowState {
    /// x_j − b_j (both as the first product sees them) for every background row and feature [B, M].
    diff: Array2<f32>,
    /// x·W + b₁ [H].
    x_pre: Vec<f32>,
    /// f(x) through the same path [K].
    x_out: Vec<f32>,
}

impl<'a> Incremental<'a> {
    /// Caches the background's pre-activations; `None` when the model has no first linear layer.
    pub fn new(model: &'a dyn Model, background: ArrayView2<f32>) -> Result<Option<Self>> {
        let Some(linear) = model.first_linear() else {
            return Ok(None);
        };
        if linear.n_inputs() != background.ncols() || linear.n_hidden() == 0 {
            return Ok(None);
        }
        // Rows as the first product sees them (after a Normalization layer's per-column steps,
        // which map a masked row to the same mask of the mapped rows).
        let background = linear.inputs(background).into_owned();
        let computing = Instant::now();
        let bg_pre = linear.product(background.view());
        model.count_first_layer(computing.elapsed());
        let bg_out = standard(model.predict_from_linear(bg_pre.view())?);
        check_finite(&bg_out)?;
        let fused = model.dense_head().and_then(|head| {
            let views = (background.view(), bg_pre.view(), bg_out.view());
            Fused::new(&head, views.0, views.1, views.2, Isa::detect())
        });
        Ok(Some(Incremental {
            model,
            linear,
            background,
            bg_pre,
            bg_out,
            fused,
            idle: Mutex::new(Vec::new()),
        }))
    }

    fn row_state(&self, x: ArrayView1<f32>) -> Result<RowState> {
        let x_row = x.insert_axis(ndarray::Axis(0));
        let x_in = self.linear.inputs(x_row);
        let computing = Instant::now();
        let x_pre = self.linear.product(x_in.view());
        self.model.count_first_layer(computing.elapsed());
        let x = x_in.row(0);
        let x_out = standard(self.model.predict_from_linear(x_pre.view())?);
        check_finite(&x_out)?;
        let diff = Array2::from_shape_fn(self.background.dim(), |(b, j)| {
            x[j] - self.background[[b, j]]
        });
        Ok(RowState {
            diff,
            x_pre: x_pre.into_raw_vec_and_offset().0,
            x_out: x_out.into_raw_vec_and_offset().0,
        })
    }

    /// v(S) for a block of coalitions of `players`, evaluated in order from one another.
    pub fn block_values(
        &self,
        x: ArrayView1<f32>,
        players: &[&[usize]],
        block: &[Coalition],
    ) -> Result<Array2<f64>> {
        // A thread waiting inside the model's parallel loop may start another block, which then
        // takes another idle working space (a new one only when all are in use).
        let mut buffers = self
            .idle
            .lock()
            .map(|mut v| v.pop())
            .ok()
            .flatten()
            .unwrap_or_default();
        let values = match &self.fused {
            Some(fused) => self.fused_values(fused, x, players, block, &mut buffers),
            None => self.row_state(x).and_then(|state| {
                self.block_rows(&state, players, block, &mut buffers)?;
                self.average(&state, block.len(), &buffers.locs, &buffers.out)
            }),
        };
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(buffers);
        }
        values
    }

    /// v(S) for a block through the fused evaluator; its set-up (x·W, the steps) counts as
    /// first-layer time, the fused updates and head as model time.
    fn fused_values(
        &self,
        fused: &Fused,
        x: ArrayView1<f32>,
        players: &[&[usize]],
        block: &[Coalition],
        buffers: &mut Buffers,
    ) -> Result<Array2<f64>> {
        let setting_up = Instant::now();
        let x_in = self.linear.inputs(x.insert_axis(Axis(0)));
        let x_pre = self.linear.product(x_in.view());
        buffers.walk.plan(players, block);
        self.model.count_first_layer(setting_up.elapsed());
        let running = Instant::now();
        let weights = self.linear.weights();
        let w1 = weights.as_slice().expect("standard layout");
        let x_pre = x_pre.as_slice().expect("standard layout");
        let values = fused.values(x_in.row(0), x_pre, w1, &buffers.walk, &mut buffers.fused);
        self.model.count_fused(running.elapsed());
        values
    }

    /// Appends to `out` the outputs of the model's layers after the first for `pre`'s rows.
    fn rest_of_model(&self, pre: &[f32], out: &mut Vec<f32>) -> Result<()> {
        let (h, k) = (self.linear.n_hidden(), self.bg_out.ncols());
        if pre.is_empty() {
            return Ok(());
        }
        let pre = ArrayView2::from_shape((pre.len() / h, h), pre).expect("rows of H");
        let y = standard(self.model.predict_from_linear(pre)?);
        if y.dim() != (pre.nrows(), k) {
            return Err(Error::Mismatch(format!(
                "the layers after the first returned {:?} outputs for {} rows of {k}",
                y.dim(),
                pre.nrows()
            )));
        }
        // Checked for NaN/inf through the averages: every row of the output enters one.
        out.extend_from_slice(y.as_slice().expect("standard layout"));
        Ok(())
    }

    /// Fills `buffers` with the block's masked rows: where each row's output comes from, the
    /// pre-activations of the rows that need the model, and (every [`TAIL_ROWS`] rows or so, and
    /// at the end) their outputs.
    fn block_rows(
        &self,
        state: &RowState,
        players: &[&[usize]],
        block: &[Coalition],
        buffers: &mut Buffers,
    ) -> Result<()> {
        let nb = self.background.nrows();
        let h = self.linear.n_hidden();
        let Buffers {
            locs,
            pre,
            slot,
            live,
            out,
            walk,
            ..
        } = buffers;
        walk.plan(players, block);
        locs.clear();
        out.clear();
        slot.clear();
        // Slots [0, unsent) hold rows already sent to the model; the time of the updates is
        // counted apart from the model's.
        let (mut unsent, mut next_slot) = (0, 0);
        let mut updating = Instant::now();
        // The buffer only grows: rows are written in place, never zero-filled. Between two calls
        // of the model it holds at most WINDOW coalitions' kept rows, TAIL_ROWS − 1 rows and one
        // more coalition's.
        let need = (TAIL_ROWS + (WINDOW + 1) * nb) * h;
        if pre.len() < need {
            pre.resize(need, 0.0);
        }
        let mut n_rows = 0;
        let weights = self.linear.weights();
        let weights = weights.as_slice().expect("standard layout");
        let bg_pre = self.bg_pre.as_slice().expect("standard layout");
        let diffs = state.diff.as_slice().expect("standard layout");
        let m = state.diff.ncols();
        for (i, step) in walk.steps.iter().enumerate() {
            let (start, delta) = (step.start, walk.terms_of(i));
            let complement = matches!(start, Start::Complement(_));
            for b in 0..nb {
                let diff = &diffs[b * m..(b + 1) * m];
                // A short step may leave the row as it was; a long one practically never does, and
                // adding the zero terms gives the same sums.
                let changed =
                    delta.len() > SHORT_STEP || delta.iter().any(|&(_, j)| diff[j] != 0.0);
                let source = match start {
                    Start::From(Base::Empty) => Loc::Background(b),
                    Start::From(Base::Full) => Loc::X,
                    Start::From(Base::Earlier(e)) | Start::Complement(e) => locs[e * nb + b],
                };
                if !complement && !changed {
                    locs.push(source);
                    continue;
                }
                let r = n_rows;
                n_rows += 1;
                slot.push(next_slot);
                let (earlier, rest) = pre.split_at_mut(next_slot * h);
                next_slot += 1;
                let dst = &mut rest[..h];
                let of: &[f32] = match source {
                    Loc::Background(bb) => &bg_pre[bb * h..(bb + 1) * h],
                    Loc::X => &state.x_pre,
                    Loc::Row(rr) => &earlier[slot[rr] * h..(slot[rr] + 1) * h],
                };
                match complement {
                    // The row is its source plus the update, read straight from the source.
                    false => accumulate(dst, Some(of), delta, diff, weights),
                    true => {
                        // pre(complement of E) = pre(∅) + pre(full) − pre(E), per background row.
                        let bg = &bg_pre[b * h..(b + 1) * h];
                        for (((d, &g), &xv), &ev) in
                            dst.iter_mut().zip(bg).zip(&state.x_pre).zip(of)
                        {
                            *d = g + xv - ev;
                        }
                        accumulate(dst, None, delta, diff, weights);
                    }
                }
                locs.push(Loc::Row(r));
            }
            if next_slot - unsent >= TAIL_ROWS || i + 1 == block.len() {
                self.model.count_first_layer(updating.elapsed());
                self.rest_of_model(&pre[unsent * h..next_slot * h], out)?;
                updating = Instant::now();
                // Only the rows of the last coalitions can start later ones: keep those.
                let recent = &locs[(i + 1).saturating_sub(WINDOW) * nb..];
                next_slot = keep_live(recent, slot, live, pre, h);
                unsent = next_slot;
            }
        }
        Ok(())
    }

    /// v(S) for the block's coalitions: the mean output over each one's background rows.
    fn average(
        &self,
        state: &RowState,
        n_coalitions: usize,
        locs: &[Loc],
        out: &[f32],
    ) -> Result<Array2<f64>> {
        let nb = self.background.nrows();
        let k = self.bg_out.ncols();
        let bg_out = self.bg_out.as_slice().expect("standard layout");
        let mut values = Array2::<f64>::zeros((n_coalitions, k));
        let mut acc = vec![0.0f64; k];
        for (i, mut dst) in values.outer_iter_mut().enumerate() {
            acc.fill(0.0);
            for &loc in &locs[i * nb..(i + 1) * nb] {
                let row: &[f32] = match loc {
                    Loc::Background(b) => &bg_out[b * k..(b + 1) * k],
                    Loc::X => &state.x_out,
                    Loc::Row(r) => &out[r * k..(r + 1) * k],
                };
                for (a, &v) in acc.iter_mut().zip(row) {
                    *a += v as f64;
                }
            }
            for (d, a) in dst.iter_mut().zip(&acc) {
                *d = a / nb as f64;
            }
        }
        if !values.iter().all(|v| v.is_finite()) {
            // A sum of f32s in f64 is non-finite only if a term is: name that model row.
            let out = ArrayView2::from_shape((out.len() / k.max(1), k), out).expect("rows of K");
            check_finite(&out)?;
        }
        Ok(values)
    }
}

/// Moves the pre-activations of the rows that `recent` refers to into the first slots of `pre`
/// (rows of `h`), updating `slot`; returns the first free slot.
fn keep_live(
    recent: &[Loc],
    slot: &mut [usize],
    live: &mut Vec<usize>,
    pre: &mut [f32],
    h: usize,
) -> usize {
    live.clear();
    live.extend(recent.iter().filter_map(|&l| match l {
        Loc::Row(r) => Some(r),
        _ => None,
    }));
    // In slot order each row moves down or stays, never onto a row not yet moved.
    live.sort_unstable_by_key(|&r| slot[r]);
    live.dedup();
    for (t, &r) in live.iter().enumerate() {
        if slot[r] != t {
            pre.copy_within(slot[r] * h..(slot[r] + 1) * h, t * h);
            slot[r] = t;
        }
    }
    live.len()
}

/// The array in row-major layout (a column selection may return another).
fn standard(a: Array2<f32>) -> Array2<f32> {
    if a.is_standard_layout() {
        a
    } else {
        a.as_standard_layout().into_owned()
    }
}
