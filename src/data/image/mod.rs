//! Rows as images: their shape, segmentations into players (patch grids, SLIC superpixels, a
//! coarse-to-fine hierarchy), and the fills a hidden segment takes (blur, mean, zero).

mod hierarchy;
mod segments;
mod shape;

pub use hierarchy::{Hierarchy, Node};
pub use segments::Segments;
pub use shape::ImageShape;
