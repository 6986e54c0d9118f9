//! What a hidden segment of an image becomes (`mask`): background rows, the mean, zero, or a
//! blurred copy of the image (shap's image default, lime's `hide_color` choice).

use super::{blur, ImageShape, Segments};
use crate::error::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// The fill of hidden image segments, parsed from `background|mean|zero|blur|blur(kw,kh)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MaskFill {
    /// Values of background rows (interventional SHAP; no fill image).
    #[default]
    Background,
    /// Each segment's mean per channel (lime_image's `hide_color=None`); the image's mean per
    /// channel when there are no segments.
    Mean,
    /// Zero (lime_image's `hide_color=0`).
    Zero,
    /// A box-blurred copy of the image; the kernel as (height, width) pixels, or `None` for
    /// [`default_blur_kernel`].
    Blur(Option<(usize, usize)>),
}

/// The blur kernel (height, width) used when `blur` names none: about half of each side, odd so
/// the window is centred on its pixel, at least 3. Half the side is what shap's own image
/// examples use (`blur(128,128)` on 224×224 images): wide enough that a hidden patch loses its
/// detail, yet it keeps the coarse colours, so a masked image stays in the model's domain.
pub fn default_blur_kernel(shape: &ImageShape) -> (usize, usize) {
    let k = |side: usize| ((side / 2) | 1).max(3);
    (k(shape.height), k(shape.width))
}

impl MaskFill {
    /// The replacement image (same layout as `image`): hidden features take its values.
    /// `None` for [`MaskFill::Background`], whose values come from background rows.
    pub fn fill(
        &self,
        image: &[f32],
        shape: &ImageShape,
        segments: Option<&Segments>,
    ) -> Result<Option<Vec<f32>>> {
        shape.check(image.len())?;
        Ok(match *self {
            MaskFill::Background => None,
            MaskFill::Zero => Some(vec![0.0; image.len()]),
            MaskFill::Blur(k) => {
                let (kh, kw) = k.unwrap_or_else(|| default_blur_kernel(shape));
                Some(blur(image, shape, kh, kw)?)
            }
            MaskFill::Mean => Some(mean_fill(image, shape, segments)?),
        })
    }
}

/// Every value replaced by the mean of its channel over its segment (or the whole image).
fn mean_fill(image: &[f32], shape: &ImageShape, segments: Option<&Segments>) -> Result<Vec<f32>> {
    let whole;
    let seg = match segments {
        Some(s) => {
            s.check(shape)?;
            s
        }
        None => {
            whole = Segments::new(vec![0; shape.pixels()], 1, shape.height, shape.width)?;
            &whole
        }
    };
    let c = shape.channels;
    let mut sums = vec![0.0f64; seg.n * c];
    let counts = seg.sizes();
    for (p, &l) in seg.labels.iter().enumerate() {
        for ch in 0..c {
            sums[l as usize * c + ch] +=
                image[shape.index(p / shape.width, p % shape.width, ch)] as f64;
        }
    }
    let mut out = vec![0.0f32; image.len()];
    for (p, &l) in seg.labels.iter().enumerate() {
        let l = l as usize;
        for ch in 0..c {
            out[shape.index(p / shape.width, p % shape.width, ch)] =
                (sums[l * c + ch] / counts[l] as f64) as f32;
        }
    }
    Ok(out)
}

impl FromStr for MaskFill {
    type Err = Error;

    /// `background`, `mean`, `zero`, `blur`, or `blur(kw,kh)` with shap's argument order
    /// (OpenCV's `ksize`: width first, then height).
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "background" => return Ok(MaskFill::Background),
            "mean" => return Ok(MaskFill::Mean),
            "zero" => return Ok(MaskFill::Zero),
            "blur" => return Ok(MaskFill::Blur(None)),
            _ => {}
        }
        let bad = || {
            Error::param(
                "mask",
                format!(
                    "'{s}' is not background, mean, zero, blur or blur(kw,kh) with positive sizes"
                ),
            )
        };
        let args = t
            .strip_prefix("blur(")
            .and_then(|r| r.strip_suffix(')'))
            .ok_or_else(bad)?;
        let k: Vec<usize> = args
            .split(',')
            .map(|a| a.trim().parse::<usize>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| bad())?;
        match k[..] {
            [kw, kh] if kw > 0 && kh > 0 => Ok(MaskFill::Blur(Some((kh, kw)))),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for MaskFill {
    /// The spec that parses back to this fill.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaskFill::Background => f.write_str("background"),
            MaskFill::Mean => f.write_str("mean"),
            MaskFill::Zero => f.write_str("zero"),
            MaskFill::Blur(None) => f.write_str("blur"),
            MaskFill::Blur(Some((kh, kw))) => write!(f, "blur({kw},{kh})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_with_shaps_argument_order() {
        for s in ["background", "mean", "zero", "blur", "blur(5,3)"] {
            assert_eq!(s.parse::<MaskFill>().unwrap().to_string(), s);
        }
        assert_eq!(
            " Blur( 7 , 3 )".parse::<MaskFill>().unwrap(),
            MaskFill::Blur(Some((3, 7)))
        );
        for bad in ["blur(0,3)", "blur(3)", "blur(3,3", "noise", "blur(a,b)"] {
            let e = bad.parse::<MaskFill>().unwrap_err().to_string();
            assert!(e.starts_with("mask: ") && e.contains(bad), "{e}");
        }
    }

    #[test]
    fn default_kernels_are_odd_halves() {
        assert_eq!(default_blur_kernel(&ImageShape::hwc(8, 8, 1)), (5, 5));
        assert_eq!(default_blur_kernel(&ImageShape::hwc(224, 32, 3)), (113, 17));
        assert_eq!(default_blur_kernel(&ImageShape::hwc(2, 1, 1)), (3, 3));
    }

    #[test]
    fn fills_replace_with_means_zero_or_nothing() {
        let shape = ImageShape::hwc(2, 2, 2);
        let img: Vec<f32> = (0..8).map(|v| v as f32).collect();
        assert_eq!(MaskFill::Background.fill(&img, &shape, None).unwrap(), None);
        assert_eq!(
            MaskFill::Zero.fill(&img, &shape, None).unwrap(),
            Some(vec![0.0; 8])
        );
        let whole = MaskFill::Mean.fill(&img, &shape, None).unwrap().unwrap();
        assert_eq!(whole, vec![3.0, 4.0, 3.0, 4.0, 3.0, 4.0, 3.0, 4.0]);
        let cols = Segments::new(vec![0, 1, 0, 1], 2, 2, 2).unwrap();
        let m = MaskFill::Mean
            .fill(&img, &shape, Some(&cols))
            .unwrap()
            .unwrap();
        assert_eq!(m, vec![2.0, 3.0, 4.0, 5.0, 2.0, 3.0, 4.0, 5.0]);
        let b = MaskFill::Blur(None)
            .fill(&img, &shape, None)
            .unwrap()
            .unwrap();
        assert_eq!(b.len(), 8);
        assert!(MaskFill::Zero.fill(&img[..4], &shape, None).is_err());
    }
}
