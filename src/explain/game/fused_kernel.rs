//! One coalition's step on one group of background rows, one row per lane: the first-layer
//! update of each hidden unit's vector of pre-activations, then at once relu, the head's
//! product (one register per output), bias, softmax or sigmoid, and each output's sum over the
//! lanes. Only the updated pre-activations are stored (the next step starts from them).

#[cfg(target_arch = "x86_64")]
use crate::explain::game::lanes::{Avx2, Avx512};
use crate::explain::game::lanes::{Isa, Lanes, Plain};
use crate::model::{DenseHead, HeadOutput};

/// Output counts the kernel is compiled for: a head of K outputs runs with the smallest one
/// ≥ K, its extra columns of W zero and never read out.
const WIDTHS: [usize; 6] = [1, 2, 4, 8, 10, 16];

/// A dense head laid out for the kernel.
pub(crate) struct Head {
    h: usize,
    k: usize,
    /// Columns of `w` (a width of [`WIDTHS`]).
    kp: usize,
    relu: bool,
    output: HeadOutput,
    /// W [H, kp], columns past K zero.
    w: Vec<f32>,
    /// b [K].
    b: Vec<f32>,
}

impl Head {
    /// The head's layout (all K of its outputs, whatever columns it keeps).
    pub fn new(head: &DenseHead) -> Head {
        let (h, k) = head.weights().dim();
        let kp = WIDTHS
            .into_iter()
            .find(|&w| w >= k)
            .expect("at most 16 outputs");
        let mut w = vec![0.0; h * kp];
        for (dst, row) in w.chunks_exact_mut(kp).zip(head.weights().rows()) {
            dst.iter_mut().zip(row).for_each(|(d, &v)| *d = v);
        }
        Head {
            h,
            k,
            kp,
            relu: head.relu(),
            output: head.output(),
            w,
            b: head.bias().to_vec(),
        }
    }

    /// Hidden units H.
    pub fn h(&self) -> usize {
        self.h
    }

    /// Outputs K (before any selection).
    pub fn k(&self) -> usize {
        self.k
    }
}

/// One step's data for one group of lanes (`N` = [`Isa::lanes`]).
pub(crate) struct Step<'a> {
    /// Pre-activations to start from [H][N]; `None`: `dst` as it is.
    pub src: Option<&'a [f32]>,
    /// Where the updated pre-activations go [H][N].
    pub dst: &'a mut [f32],
    /// Each term's coefficient per lane [T][N].
    pub coefs: &'a [f32],
    /// Each term's row of `w1`, as its offset (row j at j·H).
    pub rows: &'a [usize],
    /// The first layer's weights [M, H].
    pub w1: &'a [f32],
    /// Lanes that hold rows (the first ones).
    pub valid: usize,
    /// Each output's sum over the valid lanes [K].
    pub sums: &'a mut [f32],
    /// Each output's lanes [K][N], when wanted.
    pub lanes: Option<&'a mut [f32]>,
}

/// Runs one step on `isa`, which this CPU must support.
pub(crate) fn run(isa: Isa, head: &Head, step: Step) {
    let (n, h, k) = (isa.lanes(), head.h, head.k);
    assert!(isa.supported(), "{isa:?} is not supported by this CPU");
    assert!(step.dst.len() >= h * n && step.src.is_none_or(|s| s.len() >= h * n));
    assert!(step.coefs.len() == step.rows.len() * n);
    assert!(step.rows.iter().all(|&r| r + h <= step.w1.len()));
    assert!(step.valid <= n && step.sums.len() >= k);
    assert!(step.lanes.as_ref().is_none_or(|l| l.len() >= k * n));
    match isa {
        // SAFETY: the CPU supports the instruction set and the slices are as long as the kernel
        // reads and writes (both asserted above).
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { avx512(head, step) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2(head, step) },
        _ => unsafe { by_width::<Plain>(head, step) },
    }
}

/// [`kernel`] compiled for AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn avx512(head: &Head, step: Step) {
    // SAFETY: as for `run`, which checked the CPU and the bounds.
    unsafe { by_width::<Avx512>(head, step) }
}

/// [`kernel`] compiled for AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2(head: &Head, step: Step) {
    // SAFETY: as for `run`, which checked the CPU and the bounds.
    unsafe { by_width::<Avx2>(head, step) }
}

/// The kernel for the head's width.
#[inline(always)]
unsafe fn by_width<L: Lanes>(head: &Head, step: Step) {
    // SAFETY: as for `run`.
    unsafe {
        match head.kp {
            1 => kernel::<L, 1>(head, step),
            2 => kernel::<L, 2>(head, step),
            4 => kernel::<L, 4>(head, step),
            8 => kernel::<L, 8>(head, step),
            10 => kernel::<L, 10>(head, step),
            _ => kernel::<L, 16>(head, step),
        }
    }
}

/// The step with `KP` output registers (`KP` = `head.kp`).
///
/// # Safety
/// As [`run`] asserts: the CPU supports `L`'s instructions and the slices are long enough.
#[inline(always)]
unsafe fn kernel<L: Lanes, const KP: usize>(head: &Head, step: Step) {
    let (n, h, k) = (L::N, head.h, head.k);
    let Step {
        src,
        dst,
        coefs,
        rows,
        w1,
        valid,
        sums,
        lanes,
    } = step;
    // `src` may be `dst` itself: both are only used through these pointers.
    let dst = dst.as_mut_ptr();
    let src = src.map_or(dst as *const f32, <[f32]>::as_ptr);
    let (w1, w2, coefs) = (w1.as_ptr(), head.w.as_ptr(), coefs.as_ptr());
    // SAFETY (this block): unit u's lanes u·N..(u + 1)·N lie in `src` and `dst` (≥ H·N floats),
    // term t's coefficients in `coefs` (T·N), its row's unit u in `w1` and W's row u (KP floats)
    // in `head.w` (H·KP); the CPU supports `L` (the caller's contract).
    unsafe {
        let mut acc = [L::zero(); KP];
        for u in 0..h {
            let mut v = L::load(src.add(u * n));
            for (t, &row) in rows.iter().enumerate() {
                v = L::fma(L::load(coefs.add(t * n)), L::splat(*w1.add(row + u)), v);
            }
            L::store(dst.add(u * n), v);
            let a = if head.relu { L::relu(v) } else { v };
            let wu = w2.add(u * KP);
            for (o, acc_o) in acc.iter_mut().enumerate() {
                *acc_o = L::fma(a, L::splat(*wu.add(o)), *acc_o);
            }
        }
        let z = &mut acc[..k];
        for (v, &b) in z.iter_mut().zip(&head.b) {
            *v = L::add(*v, L::splat(b));
        }
        match head.output {
            HeadOutput::Identity => {}
            HeadOutput::Softmax => {
                let m = z[1..].iter().fold(z[0], |m, &v| L::max(m, v));
                let mut s = L::zero();
                for v in z.iter_mut() {
                    *v = L::exp(L::sub(*v, m));
                    s = L::add(s, *v);
                }
                let inv = L::div(L::splat(1.0), s);
                z.iter_mut().for_each(|v| *v = L::mul(*v, inv));
            }
            HeadOutput::Sigmoid => {
                let one = L::splat(1.0);
                for v in z.iter_mut() {
                    *v = L::div(one, L::add(one, L::exp(L::sub(L::zero(), *v))));
                }
            }
        }
        for (o, v) in z.iter().enumerate() {
            sums[o] = L::sum_first(*v, valid);
        }
        if let Some(out) = lanes {
            for (o, v) in z.iter().enumerate() {
                L::store(out.as_mut_ptr().add(o * n), *v);
            }
        }
    }
}
