//! Which inference engine runs a model: tract, the dense or conv fast path, or onnxruntime.

use serde::{Deserialize, Serialize};

/// An inference engine, as asked for (`Auto`) or as chosen at load time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// The fastest engine that loads and matches tract on probe rows: onnxruntime (when built
    /// with the `ort` feature and its library is found), else the dense fast path for dense
    /// chains, else the conv fast path for CNNs, else tract.
    #[default]
    Auto,
    /// tract alone.
    Tract,
    /// The dense-chain fast path (sgemm); an error for graphs that are not dense chains.
    Dense,
    /// The CNN fast path (channels-last images: a sequential chain, or a graph with depthwise,
    /// residual, concat and squeeze-excite blocks); an error for graphs it cannot run.
    Conv,
    /// onnxruntime (cargo feature `ort`); an error when unavailable or not matching tract.
    Ort,
}

impl Engine {
    /// Lowercase name as used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Auto => "auto",
            Engine::Tract => "tract",
            Engine::Dense => "dense",
            Engine::Conv => "conv",
            Engine::Ort => "ort",
        }
    }

    /// Whether this binary was built with the onnxruntime engine (cargo feature `ort`).
    pub fn ort_compiled() -> bool {
        cfg!(feature = "ort")
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
