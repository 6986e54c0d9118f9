//! Rows as images: their shape, segmentations into players (patch grids, SLIC superpixels, a
//! coarse-to-fine hierarchy), and the fills a hidden segment takes (blur, mean, zero).

mod blur;
mod fill;
mod hierarchy;
mod segments;
mod shape;
mod slic;

pub use blur::blur;
pub use fill::{default_blur_kernel, MaskFill};
pub use hierarchy::{Hierarchy, Node};
pub use segments::Segments;
pub use shape::ImageShape;
#[cfg(test)]
pub(crate) use slic::RUNS as SLIC_RUNS;
pub use slic::{slic, SlicParams};
