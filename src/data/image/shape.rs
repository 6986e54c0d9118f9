//! The layout of one input row as an image: H×W×C (channels last) or C×H×W (channels first).

use crate::error::{Error, Result};
use std::str::FromStr;

/// Layout of one input row as an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageShape {
    /// Height in pixels.
    pub height: usize,
    /// Width in pixels.
    pub width: usize,
    /// Channels.
    pub channels: usize,
    /// Channels come first (C×H×W) instead of last (H×W×C).
    pub channels_first: bool,
}

impl ImageShape {
    /// An H×W×C (channels last) shape.
    pub fn hwc(height: usize, width: usize, channels: usize) -> ImageShape {
        ImageShape {
            height,
            width,
            channels,
            channels_first: false,
        }
    }

    /// H×W×C (or C×H×W when only the first dimension looks like channels) from a row shape of
    /// rank 3; `None` for other ranks.
    pub fn from_row_shape(shape: &[usize]) -> Option<ImageShape> {
        let is_c = |c: usize| matches!(c, 1 | 3 | 4);
        match *shape {
            [h, w, c] if is_c(c) || !is_c(h) => Some(ImageShape::hwc(h, w, c)),
            [c, h, w] => Some(ImageShape {
                channels_first: true,
                ..ImageShape::hwc(h, w, c)
            }),
            _ => None,
        }
    }

    /// Pixels per channel (H·W).
    pub fn pixels(&self) -> usize {
        self.height * self.width
    }

    /// Values per row (H·W·C).
    pub fn len(&self) -> usize {
        self.pixels() * self.channels
    }

    /// True when the shape holds no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks that the shape covers exactly `features` values.
    pub fn check(&self, features: usize) -> Result<()> {
        let n = self.len();
        if n == 0 || n != features {
            return Err(Error::param(
                "image_shape",
                format!(
                    "image shape {}x{}x{} holds {n} values but rows have {features} features",
                    self.height, self.width, self.channels
                ),
            ));
        }
        Ok(())
    }

    /// Flat index of pixel (`y`, `x`) in channel `c` of a row.
    pub fn index(&self, y: usize, x: usize, c: usize) -> usize {
        if self.channels_first {
            (c * self.height + y) * self.width + x
        } else {
            (y * self.width + x) * self.channels + c
        }
    }
}

impl FromStr for ImageShape {
    type Err = Error;

    /// `HxW` (one channel) or `HxWxC` (channels last).
    fn from_str(s: &str) -> Result<Self> {
        let dims: Vec<usize> = s
            .split(['x', 'X', '×'])
            .map(|d| d.trim().parse::<usize>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| Error::param("image_shape", format!("'{s}' is not HxW or HxWxC")))?;
        let values = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        let bytes = dims.iter().fold(4u128, |a, &d| a.saturating_mul(d as u128));
        if values.is_none_or(|v| v.checked_mul(4).is_none()) {
            return Err(Error::param(
                "image_shape",
                format!(
                    "'{s}' holds more values than any memory can: one row would need {} as \
                     float32; give the shape of the model's rows",
                    crate::error::bytes_text(bytes)
                ),
            ));
        }
        match dims[..] {
            [h, w] if h > 0 && w > 0 => Ok(ImageShape::hwc(h, w, 1)),
            [h, w, c] if h > 0 && w > 0 && c > 0 => Ok(ImageShape::hwc(h, w, c)),
            _ => Err(Error::param(
                "image_shape",
                format!("'{s}' is not HxW or HxWxC with positive sizes"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_parse_and_check() {
        let s: ImageShape = "10x10".parse().unwrap();
        assert_eq!((s.height, s.width, s.channels), (10, 10, 1));
        assert!(s.check(100).is_ok() && s.check(64).is_err());
        assert!("10".parse::<ImageShape>().is_err());
        assert!("0x3".parse::<ImageShape>().is_err());
        let e = "4294967296x4294967296x3".parse::<ImageShape>().unwrap_err();
        assert!(e.to_string().contains("more values than any memory"), "{e}");
        let nhwc = ImageShape::from_row_shape(&[8, 8, 1]).unwrap();
        assert!(!nhwc.channels_first);
        let nchw = ImageShape::from_row_shape(&[3, 32, 32]).unwrap();
        assert!(nchw.channels_first && nchw.channels == 3);
        assert!(ImageShape::from_row_shape(&[100]).is_none());
    }

    #[test]
    fn indices_follow_the_layout() {
        let last = ImageShape::hwc(2, 3, 2);
        assert_eq!(last.index(1, 2, 1), (3 + 2) * 2 + 1);
        let first = ImageShape {
            channels_first: true,
            ..last
        };
        assert_eq!(first.index(1, 2, 1), 6 + 3 + 2);
        assert_eq!(first.len(), 12);
    }
}
