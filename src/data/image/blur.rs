//! A box blur matching OpenCV's `cv2.blur` (normalised box filter, `BORDER_REFLECT_101`), the
//! fill of shap's `maskers.Image("blur(kw,kh)")`.

use super::ImageShape;
use crate::error::{Error, Result};

/// Position `p` of a line of `len` values reflected into range as OpenCV's `BORDER_REFLECT_101`
/// (`dcb|abcd|cba`), repeatedly for windows wider than the line.
fn reflect_101(mut p: isize, len: usize) -> usize {
    let len = len as isize;
    if len == 1 {
        return 0;
    }
    while p < 0 || p >= len {
        p = if p < 0 { -p } else { 2 * len - p - 2 };
    }
    p as usize
}

/// For each position of a line of `len` values, the `k` source positions of its window,
/// anchored at the centre (`k / 2` before it), as OpenCV's default anchor.
fn windows(len: usize, k: usize) -> Vec<usize> {
    let before = (k / 2) as isize;
    (0..len as isize)
        .flat_map(|i| (0..k as isize).map(move |j| reflect_101(i - before + j, len)))
        .collect()
}

/// Each channel of `image` averaged over a `kh`×`kw` window (height × width) around every
/// pixel, with borders reflected as `BORDER_REFLECT_101`: `cv2.blur(img, ksize=(kw, kh))`.
pub fn blur(image: &[f32], shape: &ImageShape, kh: usize, kw: usize) -> Result<Vec<f32>> {
    shape.check(image.len())?;
    if kh == 0 || kw == 0 {
        return Err(Error::param(
            "mask",
            format!("blur kernel {kh}x{kw} is empty: give positive sizes"),
        ));
    }
    let (h, w) = (shape.height, shape.width);
    let (rows, cols) = (windows(h, kh), windows(w, kw));
    let mut out = vec![0.0f32; image.len()];
    let mut line = vec![0.0f64; h * w];
    let scale = 1.0 / (kh * kw) as f64;
    for c in 0..shape.channels {
        // Horizontal sums, then vertical sums of those, as the separable filter does.
        for y in 0..h {
            for x in 0..w {
                line[y * w + x] = cols[x * kw..(x + 1) * kw]
                    .iter()
                    .map(|&sx| image[shape.index(y, sx, c)] as f64)
                    .sum();
            }
        }
        for y in 0..h {
            for x in 0..w {
                let s: f64 = rows[y * kh..(y + 1) * kh]
                    .iter()
                    .map(|&sy| line[sy * w + x])
                    .sum();
                out[shape.index(y, x, c)] = (s * scale) as f32;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflection_skips_the_edge_pixel() {
        let r: Vec<usize> = (-3..7).map(|p| reflect_101(p, 4)).collect();
        assert_eq!(r, vec![3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
        assert_eq!(reflect_101(-5, 1), 0);
        assert_eq!(reflect_101(-9, 3), 1);
    }

    #[test]
    fn blur_keeps_constants_and_averages_a_line() {
        let shape = ImageShape::hwc(3, 4, 2);
        let flat = vec![0.25f32; 24];
        assert!(blur(&flat, &shape, 3, 5)
            .unwrap()
            .iter()
            .all(|v| (v - 0.25).abs() < 1e-7));
        let line = [0.0f32, 1.0, 2.0, 3.0];
        let b = blur(&line, &ImageShape::hwc(1, 4, 1), 1, 3).unwrap();
        assert_eq!(
            b,
            vec![(1.0 + 0.0 + 1.0) / 3.0, 1.0, 2.0, (2.0 + 3.0 + 2.0) / 3.0]
        );
        assert_eq!(blur(&line, &ImageShape::hwc(1, 4, 1), 1, 1).unwrap(), line);
        assert!(blur(&line, &ImageShape::hwc(1, 4, 1), 0, 1).is_err());
        assert!(blur(&line, &ImageShape::hwc(2, 4, 1), 1, 1).is_err());
    }
}
