//! A segmentation of an image into players: one label per pixel, shared by all channels.

use super::ImageShape;
use crate::error::{Error, Result};

/// One label per pixel (row-major H×W), labels `0..n`, every label used at least once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segments {
    /// Segment of each pixel, row-major (`y * width + x`).
    pub labels: Vec<u32>,
    /// Number of segments.
    pub n: usize,
    /// Image height in pixels.
    pub height: usize,
    /// Image width in pixels.
    pub width: usize,
}

impl Segments {
    /// Checks and wraps `labels` (row-major H×W): every label below `n`, each of `0..n` used.
    pub fn new(labels: Vec<u32>, n: usize, height: usize, width: usize) -> Result<Segments> {
        if height * width == 0 || labels.len() != height * width {
            return Err(Error::param(
                "segments",
                format!(
                    "{} labels do not cover a {height}x{width} image",
                    labels.len()
                ),
            ));
        }
        let mut used = vec![false; n];
        for (p, &l) in labels.iter().enumerate() {
            match used.get_mut(l as usize) {
                Some(u) => *u = true,
                None => {
                    return Err(Error::param(
                        "segments",
                        format!(
                            "pixel (y {}, x {}) has label {l} but there are {n} segments",
                            p / width,
                            p % width
                        ),
                    ))
                }
            }
        }
        if let Some(l) = used.iter().position(|u| !u) {
            return Err(Error::param(
                "segments",
                format!("segment {l} of {n} has no pixel"),
            ));
        }
        Ok(Segments {
            labels,
            n,
            height,
            width,
        })
    }

    /// Squares of `patch`×`patch` pixels, numbered row-major; the last row and column of
    /// patches are smaller when `patch` does not divide the height or width.
    pub fn patch_grid(shape: &ImageShape, patch: usize) -> Result<Segments> {
        if patch == 0 {
            return Err(Error::param(
                "patch",
                "the patch size must be at least 1 pixel",
            ));
        }
        let (h, w) = (shape.height, shape.width);
        let cols = w.div_ceil(patch);
        let labels = (0..h * w)
            .map(|p| ((p / w / patch) * cols + (p % w) / patch) as u32)
            .collect();
        Segments::new(labels, h.div_ceil(patch) * cols, h, w)
    }

    /// Checks that the segmentation fits `shape`'s height and width.
    pub fn check(&self, shape: &ImageShape) -> Result<()> {
        if (self.height, self.width) != (shape.height, shape.width) {
            return Err(Error::param(
                "segments",
                format!(
                    "segments of a {}x{} image do not fit a {}x{} image",
                    self.height, self.width, shape.height, shape.width
                ),
            ));
        }
        Ok(())
    }

    /// Flat feature indices of each segment (every channel of its pixels), ascending.
    pub fn to_groups(&self, shape: &ImageShape) -> Result<Vec<Vec<usize>>> {
        self.check(shape)?;
        let mut groups: Vec<Vec<usize>> = self
            .sizes()
            .iter()
            .map(|&s| Vec::with_capacity(s * shape.channels))
            .collect();
        for (p, &l) in self.labels.iter().enumerate() {
            let g = &mut groups[l as usize];
            g.extend((0..shape.channels).map(|c| shape.index(p / self.width, p % self.width, c)));
        }
        if shape.channels_first {
            groups.iter_mut().for_each(|g| g.sort_unstable());
        }
        Ok(groups)
    }

    /// Pixels in each segment.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.n];
        for &l in &self.labels {
            sizes[l as usize] += 1;
        }
        sizes
    }

    /// Centre of mass (y, x) of each segment, in pixels.
    pub fn centroids(&self) -> Vec<(f64, f64)> {
        let mut sums = vec![(0.0, 0.0, 0usize); self.n];
        for (p, &l) in self.labels.iter().enumerate() {
            let s = &mut sums[l as usize];
            s.0 += (p / self.width) as f64;
            s.1 += (p % self.width) as f64;
            s.2 += 1;
        }
        sums.iter()
            .map(|&(y, x, n)| (y / n as f64, x / n as f64))
            .collect()
    }

    /// For each pixel (row-major), whether the pixel on its right and the one below belong to
    /// another segment: the outlines between segments, as (right edge, lower edge).
    pub fn edges(&self) -> Vec<(bool, bool)> {
        let (h, w) = (self.height, self.width);
        (0..h * w)
            .map(|p| {
                let l = self.labels[p];
                (
                    p % w + 1 < w && self.labels[p + 1] != l,
                    p / w + 1 < h && self.labels[p + w] != l,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_grid_covers_the_image_with_smaller_edge_patches() {
        let shape = ImageShape::hwc(5, 7, 3);
        let s = Segments::patch_grid(&shape, 3).unwrap();
        assert_eq!(s.n, 2 * 3);
        assert_eq!(s.sizes(), vec![9, 9, 3, 6, 6, 2]);
        assert_eq!(s.labels[0..7], [0, 0, 0, 1, 1, 1, 2]);
        assert_eq!(s.labels[4 * 7 + 6], 5);
        let groups = s.to_groups(&shape).unwrap();
        assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), 5 * 7 * 3);
        assert_eq!(groups[2], vec![18, 19, 20, 39, 40, 41, 60, 61, 62]);
        let mut all: Vec<usize> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, (0..105).collect::<Vec<_>>());
        assert!(Segments::patch_grid(&shape, 0).is_err());
        assert_eq!(Segments::patch_grid(&shape, 9).unwrap().n, 1);
    }

    #[test]
    fn groups_follow_channels_first_layout() {
        let shape = ImageShape {
            channels_first: true,
            ..ImageShape::hwc(2, 2, 2)
        };
        let s = Segments::patch_grid(&shape, 1).unwrap();
        assert_eq!(s.to_groups(&shape).unwrap()[3], vec![3, 7]);
        assert!(s.to_groups(&ImageShape::hwc(2, 3, 1)).is_err());
    }

    #[test]
    fn bad_labels_are_refused_with_the_pixel() {
        let e = Segments::new(vec![0, 1, 5, 1], 2, 2, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("(y 1, x 0)") && e.contains("label 5"), "{e}");
        let e = Segments::new(vec![0, 0, 2, 2], 3, 2, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("segment 1"), "{e}");
        assert!(Segments::new(vec![0; 3], 1, 2, 2).is_err());
    }

    #[test]
    fn centroids_and_edges() {
        let s = Segments::patch_grid(&ImageShape::hwc(4, 4, 1), 2).unwrap();
        assert_eq!(s.centroids()[3], (2.5, 2.5));
        let e = s.edges();
        assert_eq!(e.iter().filter(|e| e.0).count(), 4);
        assert_eq!(e.iter().filter(|e| e.1).count(), 4);
        assert_eq!(
            (e[1], e[4], e[5], e[15]),
            ((true, false), (false, true), (true, true), (false, false))
        );
    }
}
