//! Coalition values of a model that is one hidden layer and a small dense head
//! ([`crate::model::Model::dense_head`]): the first-layer updates and the head fused, the
//! background rows in the lanes of vectors.
//!
//! Background rows are cut into groups of one vector's lanes; for each group the block's steps
//! ([`Walk`]) run in order, each updating the group's pre-activations [H][lanes] in place (or from
//! another coalition's, ∅'s or x's) and running the head on them at once ([`fused_kernel`]), so a
//! coalition's pre-activations never leave the L1 cache and no masked row's output is stored:
//! only its sum over the group's rows is added to the coalition's value (in f64 across groups).
//! Before it is used, the kernel must reproduce the model's own outputs of every background row.

use crate::error::{Error, Result};
use crate::explain::game::fused_kernel::{self, Head, Step};
use crate::explain::game::lanes::Isa;
use crate::explain::game::walk::{Base, Start, Walk, WINDOW};
use crate::model::DenseHead;
use ndarray::{Array2, ArrayView1, ArrayView2};

/// Largest difference from the model's outputs on the background rows, relative to the largest
/// output (as the native engines are checked against tract).
const TOLERANCE: f32 = 1e-5;

/// The background in the layout of the fused kernel, for one head.
pub(crate) struct Fused {
    isa: Isa,
    head: Head,
    /// Outputs kept, as indices of the head's K.
    columns: Vec<usize>,
    /// Background rows.
    nb: usize,
    /// Groups of lanes: ⌈nb / lanes⌉.
    groups: usize,
    /// Background pre-activations per group [G][H][lanes], lanes past the rows zero.
    bg_pre: Vec<f32>,
    /// Background inputs (as the first product sees them) per feature [M][G·lanes].
    bg_in: Vec<f32>,
}

/// Working space of one block, reused from block to block.
#[derive(Default)]
pub(crate) struct FusedBuffers {
    /// Pre-activations of the last [`WINDOW`] coalitions [WINDOW][H][lanes] (coalition i in
    /// slot i mod WINDOW), for the current group.
    slots: Vec<f32>,
    /// Their outputs summed over the group [WINDOW][K].
    sums: Vec<f32>,
    /// x's pre-activations in every lane [H][lanes].
    x_pre: Vec<f32>,
    /// x − b per feature and background row [M][G·lanes], zero past the rows.
    diff: Vec<f32>,
    /// The current step's coefficients [T][lanes].
    coefs: Vec<f32>,
    /// The current step's rows of W, as offsets.
    rows: Vec<usize>,
}

/// Where a step's pre-activations start.
#[derive(Clone, Copy)]
enum Source {
    Background,
    X,
    Slot(usize),
}

impl Fused {
    /// The fused evaluator of `head` on background inputs `bg_in` [B, M] whose pre-activations
    /// are `bg_pre` [B, H], or `None` when the kernel does not reproduce `bg_out` [B, K kept],
    /// the model's outputs of those rows.
    pub fn new(
        head: &DenseHead,
        bg_in: ArrayView2<f32>,
        bg_pre: ArrayView2<f32>,
        bg_out: ArrayView2<f32>,
        isa: Isa,
    ) -> Option<Fused> {
        let kernel = Head::new(head);
        let (nb, h, n) = (bg_pre.nrows(), kernel.h(), isa.lanes());
        if nb == 0 || bg_pre.ncols() != h || bg_in.nrows() != nb || !isa.supported() {
            return None;
        }
        let groups = nb.div_ceil(n);
        let mut pre = vec![0.0f32; groups * h * n];
        for ((b, u), &v) in bg_pre.indexed_iter() {
            pre[((b / n) * h + u) * n + b % n] = v;
        }
        let width = groups * n;
        let mut inputs = vec![0.0f32; bg_in.ncols() * width];
        for ((b, j), &v) in bg_in.indexed_iter() {
            inputs[j * width + b] = v;
        }
        let fused = Fused {
            isa,
            head: kernel,
            columns: head.columns().to_vec(),
            nb,
            groups,
            bg_pre: pre,
            bg_in: inputs,
        };
        fused.reproduces(bg_out).then_some(fused)
    }

    /// Whether the kernel's outputs of the background rows match `want` [B, K kept].
    fn reproduces(&self, want: ArrayView2<f32>) -> bool {
        let (h, k, n) = (self.head.h(), self.head.k(), self.isa.lanes());
        if want.dim() != (self.nb, self.columns.len()) {
            return false;
        }
        let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
        let (mut dst, mut sums, mut lanes) = (vec![0.0; h * n], vec![0.0; k], vec![0.0; k * n]);
        (0..self.groups).all(|g| {
            let step = Step {
                src: Some(self.group_pre(g)),
                dst: &mut dst,
                coefs: &[],
                rows: &[],
                w1: &[],
                valid: self.valid(g),
                sums: &mut sums,
                lanes: Some(&mut lanes),
            };
            fused_kernel::run(self.isa, &self.head, step);
            (0..self.valid(g)).all(|l| {
                let row = want.row(g * n + l);
                self.columns
                    .iter()
                    .zip(row)
                    .all(|(&c, &w)| (lanes[c * n + l] - w).abs() <= TOLERANCE * scale)
            })
        })
    }

    /// Rows in group `g`.
    fn valid(&self, g: usize) -> usize {
        let n = self.isa.lanes();
        (self.nb - g * n).min(n)
    }

    /// The background pre-activations of group `g` [H][lanes].
    fn group_pre(&self, g: usize) -> &[f32] {
        let len = self.head.h() * self.isa.lanes();
        &self.bg_pre[g * len..(g + 1) * len]
    }

    /// v(S) [coalitions, K kept] of the block `walk` plans, for the explained row whose inputs
    /// (as the first product sees them) are `x_in` and pre-activations `x_pre`, with the first
    /// layer's weights `w1` [M, H].
    pub fn values(
        &self,
        x_in: ArrayView1<f32>,
        x_pre: &[f32],
        w1: &[f32],
        walk: &Walk,
        buf: &mut FusedBuffers,
    ) -> Result<Array2<f64>> {
        let (h, k, n) = (self.head.h(), self.head.k(), self.isa.lanes());
        self.prepare_row(x_in, x_pre, buf);
        buf.slots.resize(WINDOW * h * n, 0.0);
        buf.sums.resize(WINDOW * k, 0.0);
        let mut totals = vec![0.0f64; walk.steps.len() * k];
        for g in 0..self.groups {
            for (i, step) in walk.steps.iter().enumerate() {
                let d = i % WINDOW;
                self.coefficients(g, walk.terms_of(i), h, buf);
                let changed = buf.coefs.iter().any(|&c| c != 0.0);
                let from = match step.start {
                    Start::From(Base::Earlier(e)) if !changed => {
                        // Every row of the group equals its row in coalition e.
                        copy_slot(buf, e % WINDOW, d, h * n, k);
                        add(
                            &mut totals[i * k..(i + 1) * k],
                            &buf.sums[d * k..(d + 1) * k],
                        );
                        continue;
                    }
                    Start::From(Base::Earlier(e)) => Source::Slot(e % WINDOW),
                    Start::From(Base::Empty) => Source::Background,
                    Start::From(Base::Full) => Source::X,
                    Start::Complement(e) => {
                        self.complement(g, e % WINDOW, d, buf);
                        Source::Slot(d)
                    }
                };
                self.step(g, from, d, w1, buf);
                add(
                    &mut totals[i * k..(i + 1) * k],
                    &buf.sums[d * k..(d + 1) * k],
                );
            }
        }
        let mut values = Array2::<f64>::zeros((walk.steps.len(), self.columns.len()));
        for (i, mut row) in values.outer_iter_mut().enumerate() {
            for (v, &c) in row.iter_mut().zip(&self.columns) {
                *v = totals[i * k + c] / self.nb as f64;
            }
        }
        if let Some(((i, c), v)) = values.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFinite(format!(
                "output column {c} of the model is {v} on a masked row of coalition {i} of a block"
            )));
        }
        Ok(values)
    }

    /// x's pre-activations in every lane, and x − b per feature and lane.
    fn prepare_row(&self, x_in: ArrayView1<f32>, x_pre: &[f32], buf: &mut FusedBuffers) {
        let n = self.isa.lanes();
        let width = self.groups * n;
        buf.x_pre.clear();
        buf.x_pre
            .extend(x_pre.iter().flat_map(|&v| std::iter::repeat_n(v, n)));
        buf.diff.clear();
        for (j, &xj) in x_in.iter().enumerate() {
            let bg = &self.bg_in[j * width..(j + 1) * width];
            buf.diff.extend(
                bg.iter()
                    .enumerate()
                    .map(|(l, &b)| if l < self.nb { xj - b } else { 0.0 }),
            );
        }
    }

    /// Each term's coefficients on group `g`'s lanes (sign · (x_j − b_j)) and row of W.
    fn coefficients(&self, g: usize, terms: &[(f32, usize)], h: usize, buf: &mut FusedBuffers) {
        let n = self.isa.lanes();
        let width = self.groups * n;
        buf.coefs.clear();
        buf.rows.clear();
        for &(sign, j) in terms {
            let d = &buf.diff[j * width + g * n..j * width + (g + 1) * n];
            buf.coefs.extend(d.iter().map(|&v| sign * v));
            buf.rows.push(j * h);
        }
    }

    /// Slot `d` ← ∅ + x − slot `e` on group `g`: the complement of coalition e's set.
    fn complement(&self, g: usize, e: usize, d: usize, buf: &mut FusedBuffers) {
        let len = self.head.h() * self.isa.lanes();
        let bg = self.group_pre(g);
        let (of, dst) = two_slots(&mut buf.slots, e, d, len);
        let x = &buf.x_pre;
        match of {
            Some(of) => {
                for (((t, &b), &x), &o) in dst.iter_mut().zip(bg).zip(x).zip(of) {
                    *t = b + x - o;
                }
            }
            None => {
                for ((t, &b), &x) in dst.iter_mut().zip(bg).zip(x) {
                    *t = b + x - *t;
                }
            }
        }
    }

    /// Runs the kernel on group `g` from `from` into slot `d`.
    fn step(&self, g: usize, from: Source, d: usize, w1: &[f32], buf: &mut FusedBuffers) {
        let (k, len) = (self.head.k(), self.head.h() * self.isa.lanes());
        let FusedBuffers {
            slots,
            sums,
            x_pre,
            coefs,
            rows,
            ..
        } = buf;
        let (src, dst) = match from {
            Source::Background => (Some(self.group_pre(g)), &mut slots[d * len..(d + 1) * len]),
            Source::X => (Some(&x_pre[..]), &mut slots[d * len..(d + 1) * len]),
            Source::Slot(s) => two_slots(slots, s, d, len),
        };
        let step = Step {
            src,
            dst,
            coefs,
            rows,
            w1,
            valid: self.valid(g),
            sums: &mut sums[d * k..(d + 1) * k],
            lanes: None,
        };
        fused_kernel::run(self.isa, &self.head, step);
    }
}

/// Slot `s` to read (`None`: it is slot `d`) and slot `d` to write, of `len` floats each.
fn two_slots(slots: &mut [f32], s: usize, d: usize, len: usize) -> (Option<&[f32]>, &mut [f32]) {
    if s == d {
        return (None, &mut slots[d * len..(d + 1) * len]);
    }
    let (a, b) = slots.split_at_mut(s.max(d) * len);
    match s < d {
        true => (Some(&a[s * len..(s + 1) * len]), &mut b[..len]),
        false => (Some(&b[..len]), &mut a[d * len..(d + 1) * len]),
    }
}

/// Slot `d` ← slot `s` (pre-activations of `len` floats and `k` sums); nothing when the same.
fn copy_slot(buf: &mut FusedBuffers, s: usize, d: usize, len: usize, k: usize) {
    if s != d {
        buf.slots.copy_within(s * len..(s + 1) * len, d * len);
        buf.sums.copy_within(s * k..(s + 1) * k, d * k);
    }
}

/// totals += sums, in f64.
fn add(totals: &mut [f64], sums: &[f32]) {
    totals
        .iter_mut()
        .zip(sums)
        .for_each(|(t, &s)| *t += s as f64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::read_csv;
    use crate::explain::game::coalition::Coalition;
    use crate::model::{HeadOutput, Model, OnnxModel};
    use ndarray::{s, Array1, Axis};
    use rand::{Rng, SeedableRng};

    /// v(S) from whole masked rows through the model's `predict`, averaged in f64.
    fn literal(
        model: &dyn Model,
        x: &Array1<f32>,
        bg: &Array2<f32>,
        block: &[Coalition],
    ) -> Array2<f64> {
        let mut v = Array2::zeros((block.len(), model.n_outputs()));
        for (i, c) in block.iter().enumerate() {
            let mut rows = bg.clone();
            for j in c.iter() {
                rows.column_mut(j).fill(x[j]);
            }
            let y = model.predict(rows.view()).unwrap().mapv(f64::from);
            v.row_mut(i).assign(&y.mean_axis(Axis(0)).unwrap());
        }
        v
    }

    /// An antithetic walk over a random order, random coalitions, ∅, the full set, and a
    /// coalition best reached as the complement of the one before it.
    fn block(m: usize, rng: &mut impl Rng) -> Vec<Coalition> {
        let mut order: Vec<usize> = (0..m).collect();
        for i in (1..m).rev() {
            order.swap(i, rng.gen_range(0..=i));
        }
        let mut block = vec![];
        for len in 1..m {
            let c = Coalition::from_features(m, order[..len].iter().copied());
            block.push(c.complement(m));
            block.push(c);
        }
        for _ in 0..20 {
            block.push(Coalition::from_features(
                m,
                (0..m).filter(|_| rng.gen_bool(0.5)),
            ));
        }
        block.push(Coalition::empty(m));
        block.push(Coalition::empty(m).complement(m));
        block.push(Coalition::from_features(m, 0..m / 2));
        block.push(Coalition::from_features(m, m / 2 + 1..m));
        block
    }

    #[test]
    fn every_instruction_set_matches_whole_masked_rows() {
        let cases = [
            ("ref_dense100", "digits10", HeadOutput::Softmax, vec![]),
            ("ref_dense100", "digits10", HeadOutput::Softmax, vec![7, 2]),
            (
                "breast_cancer",
                "breast_cancer",
                HeadOutput::Sigmoid,
                vec![],
            ),
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for (file, data, output, columns) in cases {
            let model = OnnxModel::load(format!("models/{file}.onnx")).unwrap();
            let labels: Vec<String> = columns.iter().map(|c: &usize| c.to_string()).collect();
            let model = crate::model::SelectOutputs::new(&model, &labels).unwrap();
            let head = model
                .dense_head()
                .expect("a one-hidden-layer net has a dense head");
            assert_eq!(head.output(), output);
            let linear = model.first_linear().unwrap();
            let train = read_csv(format!("models/{data}_train.csv")).unwrap();
            let test = read_csv(format!("models/{data}_test.csv")).unwrap();
            // 37 rows: full groups and a part-filled one, of 16 lanes and of 8.
            let bg = train.values.slice(s![0..37, ..]).to_owned();
            let x = test.values.row(3).to_owned();
            let m = x.len();
            let bg_in = linear.inputs(bg.view()).into_owned();
            let bg_pre = linear.product(bg_in.view());
            let bg_out = model.predict_from_linear(bg_pre.view()).unwrap();
            let x_in = linear.inputs(x.view().insert_axis(Axis(0))).into_owned();
            let x_pre = linear.product(x_in.view());
            let players: Vec<Vec<usize>> = (0..m).map(|j| vec![j]).collect();
            let players: Vec<&[usize]> = players.iter().map(|p| &p[..]).collect();
            let block = block(m, &mut rng);
            let mut walk = Walk::default();
            walk.plan(&players, &block);
            assert!(walk
                .steps
                .iter()
                .any(|s| matches!(s.start, Start::Complement(_))));
            let want = literal(&model, &x, &bg, &block);
            for isa in [Isa::Avx512, Isa::Avx2, Isa::Plain] {
                if !isa.supported() {
                    continue;
                }
                let views = (bg_in.view(), bg_pre.view(), bg_out.view());
                let fused = Fused::new(&head, views.0, views.1, views.2, isa)
                    .expect("the kernel reproduces the model on the background");
                let w1 = linear.weights();
                let got = fused
                    .values(
                        x_in.row(0),
                        x_pre.as_slice().unwrap(),
                        w1.as_slice().unwrap(),
                        &walk,
                        &mut FusedBuffers::default(),
                    )
                    .unwrap();
                assert_eq!(got.dim(), want.dim());
                let diff = (&got - &want).iter().fold(0.0f64, |a, d| a.max(d.abs()));
                assert!(diff < 1e-6, "{file} {columns:?} {isa:?}: {diff:e}");
                // A model whose outputs the kernel does not reproduce is refused.
                let wrong = bg_out.mapv(|v| v + 1e-3);
                let views = (bg_in.view(), bg_pre.view(), wrong.view());
                assert!(Fused::new(&head, views.0, views.1, views.2, isa).is_none());
            }
        }
    }
}
