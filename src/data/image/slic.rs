//! SLIC superpixels with scikit-image's semantics (`skimage.segmentation.slic`, 0.26):
//! k-means in (y, x, colour) space from a regular grid of seeds, then connectivity enforced.
//!
//! No maintained crate fits: `superpixel` (2018) and `simple_clustering` take 8-bit RGB only
//! and seed, scale and relabel differently, so their labels cannot match scikit-image's or
//! handle grey or 4-channel rows. This follows scikit-image step by step:
//! 1. values rescaled to [0, 1] by the image's min and max (all channels together);
//! 2. 3-channel images converted to CIE Lab (sRGB, D65, 2° observer) unless told otherwise;
//! 3. optional Gaussian smoothing (`sigma` pixels, truncated at 4σ, edges mirrored as scipy's
//!    `reflect`);
//! 4. seeds on `regular_grid((1, H, W), n_segments)` with zero colour; colours scaled by
//!    1 / compactness; distance = spatial² / step² + colour²; each seed searches a window of
//!    ±2 grid steps; `max_num_iter` rounds of assignment and mean update;
//! 5. connectivity: each 4-connected piece becomes a segment (pieces larger than
//!    `max_size_factor` × the mean size are cut), pieces smaller than `min_size_factor` × the
//!    mean size join the last neighbouring segment seen, labels in raster order.

use super::{ImageShape, Segments};
use crate::error::{Error, Result};

/// Settings of [`slic`]; the defaults are scikit-image's.
#[derive(Debug, Clone, PartialEq)]
pub struct SlicParams {
    /// Approximate number of segments.
    pub n_segments: usize,
    /// Weight of space against colour: higher gives squarer segments.
    pub compactness: f64,
    /// Rounds of k-means.
    pub max_num_iter: usize,
    /// Gaussian smoothing width in pixels before clustering (0: none).
    pub sigma: f64,
    /// Convert to Lab first; `None`: when the image has 3 channels.
    pub convert2lab: Option<bool>,
    /// Make every segment one 4-connected piece.
    pub enforce_connectivity: bool,
    /// Pieces smaller than this fraction of the mean segment size are merged into a neighbour.
    pub min_size_factor: f64,
    /// Pieces larger than this multiple of the mean segment size are cut.
    pub max_size_factor: f64,
}

impl Default for SlicParams {
    fn default() -> Self {
        SlicParams {
            n_segments: 100,
            compactness: 10.0,
            max_num_iter: 10,
            sigma: 0.0,
            convert2lab: None,
            enforce_connectivity: true,
            min_size_factor: 0.5,
            max_size_factor: 3.0,
        }
    }
}

impl SlicParams {
    /// Checks the settings for an image of `channels` channels.
    pub fn check(&self, channels: usize) -> Result<()> {
        let bad = |name, msg: String| Err(Error::param(name, msg));
        if self.n_segments == 0 {
            return bad("n_segments", "must be at least 1".into());
        }
        if !(self.compactness.is_finite() && self.compactness > 0.0) {
            return bad(
                "compactness",
                format!("{} is not a positive number", self.compactness),
            );
        }
        if !(self.sigma.is_finite() && self.sigma >= 0.0) {
            return bad("sigma", format!("{} is not a number >= 0", self.sigma));
        }
        if self.convert2lab == Some(true) && channels != 3 {
            return bad(
                "convert2lab",
                format!("Lab conversion needs 3 (RGB) channels, the image has {channels}"),
            );
        }
        if !(self.min_size_factor >= 0.0 && self.max_size_factor > 0.0) {
            return bad(
                "min_size_factor",
                "size factors must be >= 0 (min) and > 0 (max)".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
thread_local! {
    /// SLIC runs on this thread (a test hook: a run cuts each row once).
    pub(crate) static RUNS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// SLIC superpixels of one image row (see the module documentation), labels from 0.
pub fn slic(image: &[f32], shape: &ImageShape, params: &SlicParams) -> Result<Segments> {
    #[cfg(test)]
    RUNS.with(|r| r.set(r.get() + 1));
    shape.check(image.len())?;
    params.check(shape.channels)?;
    if let Some(i) = image.iter().position(|v| !v.is_finite()) {
        return Err(Error::param(
            "image",
            format!("value {i} is {}; SLIC needs finite values", image[i]),
        ));
    }
    let (h, w, c) = (shape.height, shape.width, shape.channels);
    let mut feats: Vec<f64> = (0..h * w)
        .flat_map(|p| (0..c).map(move |ch| (p, ch)))
        .map(|(p, ch)| image[shape.index(p / w, p % w, ch)] as f64)
        .collect();
    rescale(&mut feats);
    if c == 3 && params.convert2lab != Some(false) {
        feats.chunks_exact_mut(3).for_each(rgb_to_lab);
    }
    if params.sigma > 0.0 {
        smooth(&mut feats, h, w, c, params.sigma);
    }
    let ratio = 1.0 / params.compactness;
    feats.iter_mut().for_each(|v| *v *= ratio);
    let grid = regular_grid(h, w, params.n_segments);
    let seeds: Vec<(f64, f64)> = grid
        .ys()
        .flat_map(|y| grid.xs().map(move |x| (y as f64, x as f64)))
        .collect();
    let step = grid.step_y.max(grid.step_x).max(1) as f64;
    let labels = kmeans(&feats, h, w, c, &seeds, step, params.max_num_iter);
    let labels = if params.enforce_connectivity {
        let mean = (h * w) as f64 / seeds.len() as f64;
        let min_size = (params.min_size_factor * mean) as usize;
        let max_size = ((params.max_size_factor * mean) as usize).max(1);
        connect(&labels, h, w, min_size, max_size)
    } else {
        labels
    };
    let (labels, n) = compact(&labels);
    Segments::new(labels, n, h, w)
}

/// Rescales all values to [0, 1] by their min and max (unchanged when constant but shifted).
fn rescale(v: &mut [f64]) {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for x in v.iter_mut() {
        *x -= lo;
        if hi != lo {
            *x /= hi - lo;
        }
    }
}

/// sRGB in [0, 1] to CIE Lab (D65, 2° observer), as scikit-image's `rgb2lab`.
fn rgb_to_lab(px: &mut [f64]) {
    const M: [[f64; 3]; 3] = [
        [0.412453, 0.357580, 0.180423],
        [0.212671, 0.715160, 0.072169],
        [0.019334, 0.119193, 0.950227],
    ];
    const WHITE: [f64; 3] = [0.95047, 1.0, 1.08883];
    let lin = |v: f64| {
        if v > 0.04045 {
            ((v + 0.055) / 1.055).powf(2.4)
        } else {
            v / 12.92
        }
    };
    let rgb = [lin(px[0]), lin(px[1]), lin(px[2])];
    let f = |i: usize| {
        let t = (M[i][0] * rgb[0] + M[i][1] * rgb[1] + M[i][2] * rgb[2]) / WHITE[i];
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    let (x, y, z) = (f(0), f(1), f(2));
    px[0] = 116.0 * y - 16.0;
    px[1] = 500.0 * (x - y);
    px[2] = 200.0 * (y - z);
}

/// Gaussian smoothing along y then x of pixel-major features, as scipy's `gaussian_filter`
/// (`truncate` 4, `mode='reflect'`).
fn smooth(f: &mut [f64], h: usize, w: usize, c: usize, sigma: f64) {
    let r = (4.0 * sigma + 0.5) as isize;
    let mut k: Vec<f64> = (-r..=r)
        .map(|i| (-0.5 / (sigma * sigma) * (i * i) as f64).exp())
        .collect();
    let s: f64 = k.iter().sum();
    k.iter_mut().for_each(|v| *v /= s);
    let reflect = |i: isize, n: usize| {
        let n2 = 2 * n as isize;
        let m = i.rem_euclid(n2);
        (if m >= n as isize { n2 - 1 - m } else { m }) as usize
    };
    let mut out = vec![0.0; f.len()];
    // Along y: w·c lines starting at x·c + channel; along x: h·c lines starting at y·w·c + channel.
    for (len, stride, lines, along_y) in [(h, w * c, w * c, true), (w, c, h * c, false)] {
        for line in 0..lines {
            let base = if along_y {
                line
            } else {
                (line / c) * w * c + line % c
            };
            for i in 0..len {
                out[base + i * stride] = k
                    .iter()
                    .enumerate()
                    .map(|(j, kj)| {
                        kj * f[base + reflect(i as isize + j as isize - r, len) * stride]
                    })
                    .sum();
            }
        }
        f.copy_from_slice(&out);
    }
}

/// Seed rows and columns of scikit-image's `regular_grid((1, H, W), n)`.
struct Grid {
    start_y: usize,
    start_x: usize,
    step_y: usize,
    step_x: usize,
    h: usize,
    w: usize,
}

impl Grid {
    fn ys(&self) -> impl Iterator<Item = usize> {
        (self.start_y..self.h).step_by(self.step_y.max(1))
    }
    fn xs(&self) -> impl Iterator<Item = usize> + 'static {
        (self.start_x..self.w).step_by(self.step_x.max(1))
    }
}

/// `regular_grid((1, h, w), n)`: steps of about sqrt(H·W / n) (the depth axis keeps step 1),
/// or the short side whole when that step would exceed it; starts at half a step (floored),
/// steps rounded half to even, as numpy.
fn regular_grid(h: usize, w: usize, n: usize) -> Grid {
    let dims = [1usize, h, w];
    let size = (h * w) as f64;
    if size <= n as f64 {
        return Grid {
            start_y: 0,
            start_x: 0,
            step_y: 1,
            step_x: 1,
            h,
            w,
        };
    }
    // Axes sorted by length (stable: ties keep their order, as numpy's sort of 3 values).
    let mut order = [0usize, 1, 2];
    order.sort_by_key(|&i| dims[i]);
    let sorted: Vec<f64> = order.iter().map(|&i| dims[i] as f64).collect();
    let mut steps = [(size / n as f64).powf(1.0 / 3.0); 3];
    if sorted.iter().zip(&steps).any(|(d, s)| d < s) {
        for dim in 0..3 {
            steps[dim] = sorted[dim];
            let rest: f64 = sorted[dim + 1..].iter().product();
            let k = (3 - dim - 1) as f64;
            for s in steps.iter_mut().skip(dim + 1) {
                *s = (rest / n as f64).powf(1.0 / k);
            }
            if sorted.iter().zip(&steps).all(|(d, s)| d >= s) {
                break;
            }
        }
    }
    let mut start = [0usize; 3];
    let mut step = [1usize; 3];
    for (j, &axis) in order.iter().enumerate() {
        start[axis] = (steps[j] / 2.0).floor() as usize;
        step[axis] = steps[j].round_ties_even() as usize;
    }
    Grid {
        start_y: start[1],
        start_x: start[2],
        step_y: step[1],
        step_x: step[2],
        h,
        w,
    }
}

/// scikit-image's `_slic_cython` for one 2-D image: labels (seed index) per pixel.
fn kmeans(
    feats: &[f64],
    h: usize,
    w: usize,
    c: usize,
    seeds: &[(f64, f64)],
    step: f64,
    iters: usize,
) -> Vec<u32> {
    let n = seeds.len();
    // The search windows use the grid of the actual seed count, as scikit-image does.
    let g = regular_grid(h, w, n);
    let (wy, wx) = (2.0 * g.step_y.max(1) as f64, 2.0 * g.step_x.max(1) as f64);
    let spatial_weight = 1.0 / (step * step);
    let d = 2 + c;
    let mut centres: Vec<f64> = seeds
        .iter()
        .flat_map(|&(y, x)| [y, x].into_iter().chain(std::iter::repeat_n(0.0, c)))
        .collect();
    let mut alive = vec![true; n];
    let mut labels = vec![0u32; h * w];
    let mut dist = vec![f64::MAX; h * w];
    let mut counts = vec![0usize; n];
    for _ in 0..iters {
        dist.fill(f64::MAX);
        let mut change = false;
        for k in (0..n).filter(|&k| alive[k]) {
            let ctr = &centres[k * d..(k + 1) * d];
            let (cy, cx) = (ctr[0], ctr[1]);
            let y0 = (cy - wy).max(0.0) as usize;
            let y1 = (cy + wy + 1.0).min(h as f64) as usize;
            let x0 = (cx - wx).max(0.0) as usize;
            let x1 = (cx + wx + 1.0).min(w as f64) as usize;
            for y in y0..y1 {
                let dy = (cy - y as f64) * (cy - y as f64);
                for x in x0..x1 {
                    let dx = (cx - x as f64) * (cx - x as f64);
                    let p = y * w + x;
                    let colour: f64 = feats[p * c..(p + 1) * c]
                        .iter()
                        .zip(&ctr[2..])
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum();
                    let dd = (0.0 + dy + dx) * spatial_weight + colour;
                    if dist[p] > dd {
                        labels[p] = k as u32;
                        dist[p] = dd;
                        change = true;
                    }
                }
            }
        }
        if !change {
            break;
        }
        centres.fill(0.0);
        counts.fill(0);
        for (p, &l) in labels.iter().enumerate() {
            let k = l as usize;
            counts[k] += 1;
            let ctr = &mut centres[k * d..(k + 1) * d];
            ctr[0] += (p / w) as f64;
            ctr[1] += (p % w) as f64;
            for (a, b) in ctr[2..].iter_mut().zip(&feats[p * c..(p + 1) * c]) {
                *a += b;
            }
        }
        for k in 0..n {
            // A seed that won no pixel has no mean (NaN in scikit-image): it stays out.
            alive[k] = counts[k] > 0;
            centres[k * d..(k + 1) * d]
                .iter_mut()
                .for_each(|v| *v /= counts[k].max(1) as f64);
        }
    }
    labels
}

/// scikit-image's `_enforce_label_connectivity_cython` for one 2-D image.
fn connect(labels: &[u32], h: usize, w: usize, min_size: usize, max_size: usize) -> Vec<u32> {
    const NONE: i64 = -1;
    let mut out = vec![NONE; h * w];
    let mut queue = vec![0usize; max_size];
    let mut next: i64 = 0;
    for start in 0..h * w {
        if out[start] > NONE {
            continue;
        }
        let label = labels[start];
        let mut adjacent = next;
        out[start] = next;
        queue[0] = start;
        let (mut size, mut visited) = (1, 0);
        while visited < size && size < max_size {
            let p = queue[visited];
            for q in neighbours(p, h, w).into_iter().flatten() {
                if labels[q] == label && out[q] == NONE {
                    out[q] = next;
                    queue[size] = q;
                    size += 1;
                    if size >= max_size {
                        break;
                    }
                } else if out[q] > NONE && out[q] != next {
                    adjacent = out[q];
                }
            }
            visited += 1;
        }
        if size < min_size {
            queue[..size].iter().for_each(|&q| out[q] = adjacent);
        } else {
            next += 1;
        }
    }
    out.into_iter().map(|l| l as u32).collect()
}

/// The 4-neighbours of pixel `p` of an `h`×`w` image in scikit-image's order (x+1, x−1, y+1,
/// y−1), `None` off the edge.
fn neighbours(p: usize, h: usize, w: usize) -> [Option<usize>; 4] {
    let (y, x) = (p / w, p % w);
    [
        (x + 1 < w).then(|| p + 1),
        (x > 0).then(|| p - 1),
        (y + 1 < h).then(|| p + w),
        (y > 0).then(|| p - w),
    ]
}

/// Labels renumbered 0..n in increasing order of the old labels (gaps closed); and n.
fn compact(labels: &[u32]) -> (Vec<u32>, usize) {
    let max = labels.iter().copied().max().unwrap_or(0) as usize;
    let mut map = vec![u32::MAX; max + 1];
    labels.iter().for_each(|&l| map[l as usize] = 0);
    let mut n = 0u32;
    for m in map.iter_mut().filter(|m| **m == 0) {
        *m = n;
        n += 1;
    }
    (
        labels.iter().map(|&l| map[l as usize]).collect(),
        n as usize,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_follow_regular_grid() {
        // regular_grid((1, 36, 54), 40): step sqrt(1944 / 40) = 6.97 -> 7, start 3.
        let g = regular_grid(36, 54, 40);
        assert_eq!((g.start_y, g.step_y, g.start_x, g.step_x), (3, 7, 3, 7));
        assert_eq!((g.ys().count(), g.xs().count()), (5, 8));
        // Fewer pixels than segments: every pixel is a seed.
        let g = regular_grid(2, 3, 10);
        assert_eq!((g.ys().count(), g.xs().count()), (2, 3));
        // A thin strip: the short side is taken whole.
        let g = regular_grid(2, 100, 5);
        assert_eq!((g.step_y, g.step_x, g.start_x), (2, 20, 10));
    }

    #[test]
    fn lab_of_white_and_red() {
        let mut white = [1.0, 1.0, 1.0];
        rgb_to_lab(&mut white);
        assert!(
            (white[0] - 100.0).abs() < 1e-3 && white[1].abs() < 1e-2,
            "{white:?}"
        );
        let mut red = [1.0, 0.0, 0.0];
        rgb_to_lab(&mut red);
        assert!(
            (red[0] - 53.24).abs() < 0.01 && (red[1] - 80.09).abs() < 0.01,
            "{red:?}"
        );
    }

    #[test]
    fn connectivity_splits_pieces_and_merges_small_ones() {
        // Label 0 in two pieces and one lone pixel of label 1 inside the first.
        #[rustfmt::skip]
        let labels = [
            0, 0, 2, 0,
            0, 1, 2, 0,
            0, 0, 2, 0,
        ];
        let out = connect(&labels, 3, 4, 2, 100);
        #[rustfmt::skip]
        assert_eq!(out, vec![
            0, 0, 1, 2,
            0, 0, 1, 2,
            0, 0, 1, 2,
        ]);
        assert_eq!(compact(&[4, 4, 9, 2]), (vec![1, 1, 2, 0], 3));
    }
}

#[cfg(test)]
mod behaviour {
    use super::*;

    /// A 30×40 RGB image: four flat quadrants plus a smooth ramp.
    fn picture() -> (Vec<f32>, ImageShape) {
        let shape = ImageShape::hwc(30, 40, 3);
        let mut v = vec![0.0f32; shape.len()];
        for y in 0..30 {
            for x in 0..40 {
                let q = [(y < 15) as u8 as f32, (x < 20) as u8 as f32, 0.3];
                for c in 0..3 {
                    v[shape.index(y, x, c)] = q[c] * 0.8 + 0.1 * (x as f32 / 40.0);
                }
            }
        }
        (v, shape)
    }

    #[test]
    fn segment_count_is_roughly_honoured_and_pieces_are_connected() {
        let (img, shape) = picture();
        for n in [4, 12, 30, 60] {
            let s = slic(
                &img,
                &shape,
                &SlicParams {
                    n_segments: n,
                    ..SlicParams::default()
                },
            )
            .unwrap();
            assert!(s.n * 2 >= n && s.n <= n * 2, "asked {n}, got {}", s.n);
            assert_eq!(components(&s), s.n, "asked {n}: a segment is in pieces");
            // Flat quadrants are never mixed: no segment crosses the middle lines.
            for (p, &l) in s.labels.iter().enumerate() {
                let (y, x) = (p / 40, p % 40);
                if y == 14 {
                    assert_ne!(l, s.labels[p + 40], "asked {n}: crosses y 15 at x {x}");
                }
            }
        }
    }

    #[test]
    fn deterministic_and_checked() {
        let (img, shape) = picture();
        let p = SlicParams::default();
        assert_eq!(
            slic(&img, &shape, &p).unwrap(),
            slic(&img, &shape, &p).unwrap()
        );
        let grey = ImageShape::hwc(30, 40, 1);
        let lab = SlicParams {
            convert2lab: Some(true),
            ..SlicParams::default()
        };
        let e = slic(&img[..1200], &grey, &lab).unwrap_err().to_string();
        assert!(e.starts_with("convert2lab:"), "{e}");
        let mut nan = img.clone();
        nan[7] = f32::NAN;
        assert!(slic(&nan, &shape, &p)
            .unwrap_err()
            .to_string()
            .contains("value 7"));
        let zero = SlicParams {
            n_segments: 0,
            ..SlicParams::default()
        };
        assert!(slic(&img, &shape, &zero).is_err());
        // A constant image still segments (spatially), a 1×1 image is one segment.
        let flat = slic(&vec![0.5; 1200], &grey, &SlicParams::default()).unwrap();
        assert!(flat.n > 50);
        assert_eq!(slic(&[1.0], &ImageShape::hwc(1, 1, 1), &p).unwrap().n, 1);
    }

    /// Number of 4-connected pieces of equal labels.
    fn components(s: &Segments) -> usize {
        let (h, w) = (s.height, s.width);
        let mut seen = vec![false; h * w];
        let mut count = 0;
        for start in 0..h * w {
            if seen[start] {
                continue;
            }
            count += 1;
            let mut stack = vec![start];
            seen[start] = true;
            while let Some(p) = stack.pop() {
                for q in neighbours(p, h, w).into_iter().flatten() {
                    if !seen[q] && s.labels[q] == s.labels[p] {
                        seen[q] = true;
                        stack.push(q);
                    }
                }
            }
        }
        count
    }
}

#[cfg(test)]
mod layouts {
    use super::*;
    use crate::data::image::blur;

    /// The same image as H×W×C and as C×H×W.
    fn both() -> (Vec<f32>, ImageShape, Vec<f32>, ImageShape) {
        let last = ImageShape::hwc(12, 17, 3);
        let first = ImageShape {
            channels_first: true,
            ..last
        };
        let hwc: Vec<f32> = (0..last.len())
            .map(|i| ((i * 7919) % 101) as f32 / 100.0)
            .collect();
        let mut chw = vec![0.0; hwc.len()];
        for y in 0..12 {
            for x in 0..17 {
                for c in 0..3 {
                    chw[first.index(y, x, c)] = hwc[last.index(y, x, c)];
                }
            }
        }
        (hwc, last, chw, first)
    }

    #[test]
    fn channels_first_rows_segment_and_blur_alike() {
        let (hwc, last, chw, first) = both();
        let p = SlicParams {
            n_segments: 20,
            ..SlicParams::default()
        };
        assert_eq!(
            slic(&hwc, &last, &p).unwrap(),
            slic(&chw, &first, &p).unwrap()
        );
        let (a, b) = (
            blur(&hwc, &last, 3, 5).unwrap(),
            blur(&chw, &first, 3, 5).unwrap(),
        );
        for y in 0..12 {
            for x in 0..17 {
                for c in 0..3 {
                    assert_eq!(a[last.index(y, x, c)], b[first.index(y, x, c)]);
                }
            }
        }
    }
}
