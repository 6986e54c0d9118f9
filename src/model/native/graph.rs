//! A fast path for Keras CNNs that are graphs, not only chains (residual adds, channel concats,
//! squeeze-excite multiplies, depthwise convolutions): steps in topological order on sub-batches
//! of channels-last images, with buffers planned once (a value's slot is reused once it is no
//! longer read). It is only used when it reproduces tract's output on probe rows.

use crate::model::native::conv_kernels::Shape;
use crate::model::native::graph_steps::{Kind, Step, Values};
use ndarray::{Array2, ArrayView2};
use std::sync::Mutex;

/// Target size of the largest value (or im2col scratch) of one sub-batch, in floats (16 MB):
/// large enough that the deep layers' small images still make products of many rows (each
/// product packs its weights once).
const VALUE_BUDGET: usize = 1 << 22;

/// One call's buffers: one per slot, and the im2col scratch.
type Scratch = (Vec<Vec<f32>>, Vec<f32>);

/// A CNN graph read from ONNX: steps over values, value 0 being the input rows as they come.
#[derive(Debug)]
pub struct ConvGraph {
    /// Steps in order.
    pub(crate) steps: Vec<Step>,
    /// Shape of every value (one image; flat values are 1x1 images).
    pub(crate) shapes: Vec<Shape>,
    /// The value that is the model output.
    pub(crate) output: usize,
    /// Slot of every value, and the per-image length of every slot.
    plan: (Vec<usize>, Vec<usize>),
    /// Images per sub-batch.
    sub: usize,
    /// Scratch of finished calls (slots and im2col), reused by later ones.
    idle: Mutex<Vec<Scratch>>,
}

/// Assigns values to slots: a step's output takes a slot whose values are no longer read.
fn plan(steps: &[Step], shapes: &[Shape], output: usize) -> (Vec<usize>, Vec<usize>) {
    let n = shapes.len();
    let mut last = vec![0usize; n];
    for (i, s) in steps.iter().enumerate() {
        last[s.output] = last[s.output].max(i);
        for v in s.reads() {
            last[v] = last[v].max(i);
        }
    }
    last[output] = usize::MAX;
    let mut slot = vec![usize::MAX; n];
    let mut lens: Vec<usize> = vec![shapes[0].len()];
    slot[0] = 0;
    let mut live: Vec<usize> = vec![0];
    for (i, s) in steps.iter().enumerate() {
        // Values last read before this step give their slots back.
        let taken: Vec<usize> = live
            .iter()
            .filter(|&&v| last[v] >= i)
            .map(|&v| slot[v])
            .collect();
        live.retain(|&v| last[v] >= i);
        let len = shapes[s.output].len();
        let free = (0..lens.len()).filter(|k| !taken.contains(k));
        // The smallest free slot that holds it, else the largest free one grown, else a new one.
        let pick = free
            .clone()
            .filter(|&k| lens[k] >= len)
            .min_by_key(|&k| lens[k])
            .or_else(|| free.max_by_key(|&k| lens[k]));
        let k = pick.unwrap_or_else(|| {
            lens.push(0);
            lens.len() - 1
        });
        lens[k] = lens[k].max(len);
        slot[s.output] = k;
        live.push(s.output);
    }
    (slot, lens)
}

impl ConvGraph {
    /// A graph of `steps` over values of `shapes` (value 0 the input), giving `output`.
    pub(crate) fn new(mut steps: Vec<Step>, shapes: Vec<Shape>, output: usize) -> ConvGraph {
        steps.iter_mut().for_each(Step::fuse_first);
        let plan = plan(&steps, &shapes, output);
        let cols = steps
            .iter()
            .map(|s| match &s.kind {
                Kind::Conv(c) => c.cols_per_image(),
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        let biggest = shapes.iter().map(Shape::len).max().unwrap_or(1).max(cols);
        let sub = (VALUE_BUDGET / biggest.max(1)).clamp(1, 256);
        ConvGraph {
            steps,
            shapes,
            output,
            plan,
            sub,
            idle: Mutex::default(),
        }
    }

    /// Largest im2col scratch of one image.
    fn cols_per_image(&self) -> usize {
        self.steps
            .iter()
            .map(|s| match &s.kind {
                Kind::Conv(c) => c.cols_per_image(),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    /// Runs the graph on input rows.
    pub fn run(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let x = x.as_standard_layout();
        let x = x.as_slice().expect("standard layout");
        let (in_len, out_len) = (self.shapes[0].len(), self.shapes[self.output].len());
        let n = x.len() / in_len.max(1);
        let sub = self.sub.min(n.max(1));
        let (slots, lens) = &self.plan;
        let (mut bufs, mut cols) = self
            .idle
            .lock()
            .expect("scratch pool")
            .pop()
            .unwrap_or_default();
        // Sized once per sub-batch size, reused by later calls (values are overwritten before
        // they are read).
        bufs.resize_with(lens.len(), Vec::new);
        for (b, &len) in bufs.iter_mut().zip(lens) {
            if b.len() < sub * len {
                b.resize(sub * len, 0.0);
            }
        }
        if cols.len() < sub * self.cols_per_image() {
            cols.resize(sub * self.cols_per_image(), 0.0);
        }
        let mut result = Vec::with_capacity(n * out_len);
        for images in x.chunks(sub * in_len) {
            let m = images.len() / in_len;
            bufs[slots[0]][..images.len()].copy_from_slice(images);
            for step in &self.steps {
                let mut out = std::mem::take(&mut bufs[slots[step.output]]);
                let vals = Values {
                    bufs: &bufs,
                    slots,
                    shapes: &self.shapes,
                    m,
                };
                step.run(&vals, &mut out, &mut cols);
                bufs[slots[step.output]] = out;
            }
            result.extend_from_slice(&bufs[slots[self.output]][..m * out_len]);
        }
        self.idle.lock().expect("scratch pool").push((bufs, cols));
        Array2::from_shape_vec((n, out_len), result).expect("one row per image")
    }
}
