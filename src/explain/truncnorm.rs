//! The truncated normal LIME draws inside a bin (scipy's `truncnorm`), sampled exactly by
//! inversion: one uniform per draw, no rejection loop.

/// Standard normal CDF Φ(z).
pub fn norm_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// Evaluates a polynomial with coefficients in increasing degree at `x` (Horner).
#[inline(always)]
fn poly(c: &[f64; 8], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &k| acc * x + k)
}

// AS 241's coefficients (PPND16) as published; some digits go past f64's precision.
#[allow(clippy::excessive_precision)]
const A: [f64; 8] = [
    3.387_132_872_796_366_6,
    1.331_416_678_917_843_8e2,
    1.971_590_950_306_551_4e3,
    1.373_169_376_550_946_1e4,
    4.592_195_393_154_987e4,
    6.726_577_092_700_87e4,
    3.343_057_558_358_813e4,
    2.509_080_928_730_122_7e3,
];
const B: [f64; 8] = [
    1.0,
    4.231_333_070_160_091e1,
    6.871_870_074_920_579e2,
    5.394_196_021_424_751e3,
    2.121_379_430_158_659_7e4,
    3.930_789_580_009_271e4,
    2.872_908_573_572_194_3e4,
    5.226_495_278_852_545e3,
];
const C: [f64; 8] = [
    1.423_437_110_749_683_6,
    4.630_337_846_156_545,
    5.769_497_221_460_691,
    3.647_848_324_763_204_5,
    1.270_458_252_452_368_4,
    2.417_807_251_774_506e-1,
    2.272_384_498_926_918_4e-2,
    7.745_450_142_783_414e-4,
];
#[allow(clippy::excessive_precision)]
const D: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_8,
    1.676_384_830_183_803_8,
    6.897_673_349_851e-1,
    1.481_039_764_274_800_8e-1,
    1.519_866_656_361_645_7e-2,
    5.475_938_084_995_345e-4,
    1.050_750_071_644_416_8e-9,
];
const E: [f64; 8] = [
    6.657_904_643_501_103,
    5.463_784_911_164_114,
    1.784_826_539_917_291_3,
    2.965_605_718_285_048_7e-1,
    2.653_218_952_657_612_4e-2,
    1.242_660_947_388_078_4e-3,
    2.711_555_568_743_487_6e-5,
    2.010_334_399_292_288_1e-7,
];
const F: [f64; 8] = [
    1.0,
    5.998_322_065_558_879e-1,
    1.369_298_809_227_358e-1,
    1.487_536_129_085_061_5e-2,
    7.868_691_311_456_133e-4,
    1.846_318_317_510_054_8e-5,
    1.421_511_758_316_446e-7,
    2.044_263_103_389_939_7e-15,
];

/// Standard normal quantile Φ⁻¹(p) for p in (0, 1) (Wichura's AS 241, about 1e-16 relative).
pub fn norm_ppf(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail <= 0.0 {
        return if q < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let r = (-tail.ln()).sqrt();
    let v = if r <= 5.0 {
        poly(&C, r - 1.6) / poly(&D, r - 1.6)
    } else {
        poly(&E, r - 5.0) / poly(&F, r - 5.0)
    };
    if q < 0.0 {
        -v
    } else {
        v
    }
}

/// Normal(mu, sd) truncated to [lo, hi], sampled by inverting its CDF.
#[derive(Debug, Clone, Copy)]
pub struct TruncNormal {
    mu: f64,
    sd: f64,
    lo: f64,
    hi: f64,
    /// Φ((lo − mu)/sd).
    cdf_lo: f64,
    /// Φ((hi − mu)/sd) − Φ((lo − mu)/sd); 0 when the interval carries no representable mass.
    mass: f64,
}

impl TruncNormal {
    /// The distribution of Normal(mu, sd) conditioned on [lo, hi].
    pub fn new(mu: f64, sd: f64, lo: f64, hi: f64) -> TruncNormal {
        let (cdf_lo, cdf_hi) = (norm_cdf((lo - mu) / sd), norm_cdf((hi - mu) / sd));
        let mass = cdf_hi - cdf_lo;
        TruncNormal {
            mu,
            sd,
            lo,
            hi,
            cdf_lo,
            mass: if mass.is_finite() && mass > 0.0 {
                mass
            } else {
                0.0
            },
        }
    }

    /// The draw for uniform `u` in (0, 1): the u-quantile, always inside [lo, hi].
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        if self.mass == 0.0 {
            // A point mass or an interval far out in one tail: the nearest point to the mean.
            return self.mu.clamp(self.lo, self.hi.max(self.lo));
        }
        let z = norm_ppf(self.cdf_lo + u * self.mass);
        (self.mu + self.sd * z).clamp(self.lo, self.hi)
    }

    /// The draw for 32 random bits (u = (bits + ½) / 2³², never 0 or 1).
    #[inline]
    pub fn sample_bits(&self, bits: u32) -> f64 {
        self.quantile((f64::from(bits) + 0.5) * (1.0 / 4_294_967_296.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_inverts_the_cdf() {
        // Closed-form reference points, then the round trip through erfc over the whole range.
        assert!((norm_ppf(0.975) - 1.959_963_984_540_054).abs() < 1e-14);
        assert!((norm_ppf(0.5)).abs() < 1e-16);
        assert!((norm_ppf(1e-10) + 6.361_340_902_404_056).abs() < 1e-12);
        for i in 1..2000 {
            let z = -8.0 + 16.0 * i as f64 / 2000.0;
            let p = norm_cdf(z);
            // Above 0, p = Φ(z) itself carries an absolute rounding error of ~1e-16.
            let tol = 1e-11 + 1e-15 / norm_cdf(-z);
            assert!((norm_ppf(p) - z).abs() < tol, "z {z}: {}", norm_ppf(p));
        }
    }

    #[test]
    fn draws_have_the_truncated_normal_moments() {
        // Mean of N(mu, sd) truncated to [lo, hi]: mu + sd (φ(a) − φ(b)) / (Φ(b) − Φ(a)).
        let phi = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        for &(mu, sd, lo, hi) in &[
            (0.3, 0.2, -0.1, 0.4),
            (1.0, 2.0, -5.0, 1.5),
            (0.0, 1.0, 2.0, 9.0),
        ] {
            let t = TruncNormal::new(mu, sd, lo, hi);
            let (a, b) = ((lo - mu) / sd, (hi - mu) / sd);
            let mean = mu + sd * (phi(a) - phi(b)) / (norm_cdf(b) - norm_cdf(a));
            let n = 20_000;
            let draws: Vec<f64> = (0..n)
                .map(|i| t.quantile((i as f64 + 0.5) / n as f64))
                .collect();
            assert!(draws.iter().all(|v| (lo..=hi).contains(v)));
            let got = draws.iter().sum::<f64>() / n as f64;
            assert!((got - mean).abs() < 1e-4 * sd, "{mu} {sd}: {got} vs {mean}");
        }
        // A degenerate bin returns its only point.
        assert_eq!(TruncNormal::new(2.0, 1e-11, 2.0, 2.0).sample_bits(7), 2.0);
    }
}
