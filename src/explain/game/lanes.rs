//! Vectors of f32 lanes for the fused evaluator: 16 AVX-512 lanes, 8 AVX2+FMA lanes, or 8 plain
//! ones on any other CPU, chosen once at run time ([`Isa::detect`]). One generic kernel is
//! written against [`Lanes`] and compiled once per instruction set.

/// An instruction set the fused kernel is compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    /// AVX-512F, 16 lanes.
    Avx512,
    /// AVX2 and FMA, 8 lanes.
    Avx2,
    /// Plain code, 8 lanes (any CPU).
    Plain,
}

impl Isa {
    /// The widest instruction set this CPU supports.
    pub fn detect() -> Isa {
        [Isa::Avx512, Isa::Avx2]
            .into_iter()
            .find(|i| i.supported())
            .unwrap_or(Isa::Plain)
    }

    /// Whether this CPU can run it.
    pub fn supported(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            Isa::Plain => true,
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Lanes per vector.
    pub fn lanes(self) -> usize {
        match self {
            Isa::Avx512 => 16,
            Isa::Avx2 | Isa::Plain => 8,
        }
    }
}

/// One vector of `N` f32 lanes.
///
/// # Safety
/// Every method may use instructions of its instruction set: call them only from code compiled
/// for it (a `#[target_feature]` function) on a CPU that supports it ([`Isa::supported`]).
/// Pointers must address `N` readable (or writable) floats.
pub(crate) trait Lanes {
    /// Lanes per vector.
    const N: usize;
    /// The vector.
    type V: Copy;
    /// All lanes 0.
    unsafe fn zero() -> Self::V;
    /// All lanes `v`.
    unsafe fn splat(v: f32) -> Self::V;
    /// `N` floats from `p`.
    unsafe fn load(p: *const f32) -> Self::V;
    /// `N` floats to `p`.
    unsafe fn store(p: *mut f32, v: Self::V);
    /// a + b.
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V;
    /// a − b.
    unsafe fn sub(a: Self::V, b: Self::V) -> Self::V;
    /// a · b.
    unsafe fn mul(a: Self::V, b: Self::V) -> Self::V;
    /// a / b.
    unsafe fn div(a: Self::V, b: Self::V) -> Self::V;
    /// a · b + c (rounded once where the instruction set has fused multiply-add).
    unsafe fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// max(a, 0), NaN to 0 (as `f32::max(a, 0.0)`).
    unsafe fn relu(a: Self::V) -> Self::V;
    /// The larger of a and b per lane.
    unsafe fn max(a: Self::V, b: Self::V) -> Self::V;
    /// e^v per lane.
    unsafe fn exp(v: Self::V) -> Self::V;
    /// Sum of the first `n` lanes.
    unsafe fn sum_first(v: Self::V, n: usize) -> f32;
}

/// Eight plain lanes.
pub(crate) struct Plain;

impl Lanes for Plain {
    const N: usize = 8;
    type V = [f32; 8];
    #[inline(always)]
    unsafe fn zero() -> Self::V {
        [0.0; 8]
    }
    #[inline(always)]
    unsafe fn splat(v: f32) -> Self::V {
        [v; 8]
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self::V {
        // SAFETY: `p` addresses eight floats (the trait's contract).
        unsafe { std::ptr::read_unaligned(p as *const [f32; 8]) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: Self::V) {
        // SAFETY: `p` addresses eight writable floats (the trait's contract).
        unsafe { std::ptr::write_unaligned(p as *mut [f32; 8], v) }
    }
    #[inline(always)]
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i] + b[i])
    }
    #[inline(always)]
    unsafe fn sub(a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i] - b[i])
    }
    #[inline(always)]
    unsafe fn mul(a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i] * b[i])
    }
    #[inline(always)]
    unsafe fn div(a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i] / b[i])
    }
    #[inline(always)]
    unsafe fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        // Not `mul_add`: without FMA instructions it is a slow library call.
        std::array::from_fn(|i| a[i] * b[i] + c[i])
    }
    #[inline(always)]
    unsafe fn relu(a: Self::V) -> Self::V {
        a.map(|v| v.max(0.0))
    }
    #[inline(always)]
    unsafe fn max(a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i].max(b[i]))
    }
    #[inline(always)]
    unsafe fn exp(v: Self::V) -> Self::V {
        v.map(f32::exp)
    }
    #[inline(always)]
    unsafe fn sum_first(v: Self::V, n: usize) -> f32 {
        v[..n].iter().sum()
    }
}

/// Sixteen AVX-512 lanes.
#[cfg(target_arch = "x86_64")]
pub(crate) struct Avx512;

// SAFETY (every method): the trait's contract, the CPU supports AVX-512F and pointers address
// sixteen floats.
#[cfg(target_arch = "x86_64")]
impl Lanes for Avx512 {
    const N: usize = 16;
    type V = std::arch::x86_64::__m512;
    #[inline(always)]
    unsafe fn zero() -> Self::V {
        unsafe { std::arch::x86_64::_mm512_setzero_ps() }
    }
    #[inline(always)]
    unsafe fn splat(v: f32) -> Self::V {
        unsafe { std::arch::x86_64::_mm512_set1_ps(v) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self::V {
        unsafe { std::arch::x86_64::_mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: Self::V) {
        unsafe { std::arch::x86_64::_mm512_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm512_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn sub(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm512_sub_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn mul(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm512_mul_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn div(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm512_div_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm512_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    unsafe fn relu(a: Self::V) -> Self::V {
        // maxps returns its second operand when either is NaN.
        unsafe { std::arch::x86_64::_mm512_max_ps(a, Self::zero()) }
    }
    #[inline(always)]
    unsafe fn max(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm512_max_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn exp(v: Self::V) -> Self::V {
        unsafe { crate::model::exp16(v) }
    }
    #[inline(always)]
    unsafe fn sum_first(v: Self::V, n: usize) -> f32 {
        let lanes = ((1u32 << n.min(16)) - 1) as u16;
        unsafe { std::arch::x86_64::_mm512_mask_reduce_add_ps(lanes, v) }
    }
}

/// Eight AVX2+FMA lanes.
#[cfg(target_arch = "x86_64")]
pub(crate) struct Avx2;

// SAFETY (every method): the trait's contract, the CPU supports AVX2 and FMA and pointers
// address eight floats.
#[cfg(target_arch = "x86_64")]
impl Lanes for Avx2 {
    const N: usize = 8;
    type V = std::arch::x86_64::__m256;
    #[inline(always)]
    unsafe fn zero() -> Self::V {
        unsafe { std::arch::x86_64::_mm256_setzero_ps() }
    }
    #[inline(always)]
    unsafe fn splat(v: f32) -> Self::V {
        unsafe { std::arch::x86_64::_mm256_set1_ps(v) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self::V {
        unsafe { std::arch::x86_64::_mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: Self::V) {
        unsafe { std::arch::x86_64::_mm256_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm256_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn sub(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm256_sub_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn mul(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm256_mul_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn div(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm256_div_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    unsafe fn relu(a: Self::V) -> Self::V {
        // maxps returns its second operand when either is NaN.
        unsafe { std::arch::x86_64::_mm256_max_ps(a, Self::zero()) }
    }
    #[inline(always)]
    unsafe fn max(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm256_max_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn exp(v: Self::V) -> Self::V {
        unsafe { crate::model::exp8(v) }
    }
    #[inline(always)]
    unsafe fn sum_first(v: Self::V, n: usize) -> f32 {
        let mut lanes = [0.0f32; 8];
        unsafe { Self::store(lanes.as_mut_ptr(), v) };
        lanes[..n.min(8)].iter().sum()
    }
}
