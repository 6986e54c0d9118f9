//! Rewrites of a concrete-batch tract graph that let tract pick its fast kernels.
//!
//! tract 0.23 runs `x[N,C,H,W] * c[1,C,1,1]` (a BatchNormalization after a ReLU, or any
//! per-channel constant) through generic broadcasting, ~20x slower than its by-scalar kernel,
//! which needs the constant's leading dims to equal x's. Tiling such constants to the batch
//! (`c[N,C,1,1]`, N*C floats) makes the by-scalar kernel apply; every output value is the same
//! single operation as before, so results are unchanged bit for bit.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;

/// Tiles per-channel constants of binary ops to the concrete `batch` where that enables tract's
/// by-scalar kernel; returns how many operands were tiled.
pub fn tile_batch_constants(model: &mut TypedModel, batch: usize) -> TractResult<usize> {
    if batch < 2 {
        return Ok(0);
    }
    let mut tiled = 0;
    for id in 0..model.nodes().len() {
        let node = &model.nodes()[id];
        let Some(op) = node.op_as::<TypedBinOp>().cloned() else {
            continue;
        };
        let facts: Vec<TypedFact> = model.node_input_facts(id)?.into_iter().cloned().collect();
        if facts.len() != 2 {
            continue;
        }
        for (c, x) in [(1usize, 0usize), (0, 1)] {
            let (cf, xf) = (&facts[c], &facts[x]);
            let Some(konst) = cf.konst.clone() else {
                continue;
            };
            let (Some(xs), Some(cs)) = (xf.shape.as_concrete(), cf.shape.as_concrete()) else {
                continue;
            };
            if !needs_tiling(xs, cs, batch) {
                continue;
            }
            let mut shape = cs.to_vec();
            shape[0] = batch;
            let big = konst.broadcast_to_shape(&shape)?;
            let mut patch = TypedModelPatch::default();
            let mut wires = [
                patch.tap_model(model, node.inputs[0])?,
                patch.tap_model(model, node.inputs[1])?,
            ];
            wires[c] = patch.add_const(format!("{}.batch_tiled", node.name), big)?;
            let out = patch.wire_node(&node.name, op.clone(), &wires)?;
            patch.shunt_outside(model, id.into(), out[0])?;
            patch.apply(model)?;
            tiled += 1;
            break;
        }
    }
    Ok(tiled)
}

/// Whether `c` broadcasts over a leading batch axis of `x` and, tiled to it, becomes a by-scalar
/// operand (equal leading dims, then only 1s) without being one already.
fn needs_tiling(x: &[usize], c: &[usize], batch: usize) -> bool {
    if x.len() != c.len() || x.len() < 2 || x[0] != batch || c[0] != 1 {
        return false;
    }
    let rest = x[1..].iter().zip(&c[1..]);
    let by_scalar_after = rest
        .clone()
        .skip_while(|(a, b)| a == b)
        .all(|(_, b)| *b == 1);
    let all_ones = c[1..].iter().all(|&d| d == 1);
    by_scalar_after && !all_ones
}

#[cfg(test)]
mod tests {
    use super::needs_tiling;

    #[test]
    fn only_per_channel_constants_over_a_batch_are_tiled() {
        assert!(needs_tiling(&[1024, 8, 8, 8], &[1, 8, 1, 1], 1024));
        assert!(
            !needs_tiling(&[1024, 8, 8, 8], &[1, 1, 1, 1], 1024),
            "a scalar is already by-scalar"
        );
        assert!(
            !needs_tiling(&[1024, 8, 8, 8], &[1, 1, 1, 8], 1024),
            "last-axis constants are unicast"
        );
        assert!(
            !needs_tiling(&[1, 8, 8, 8], &[1, 8, 1, 1], 1024),
            "no batch axis"
        );
        assert!(!needs_tiling(&[1024, 8], &[1, 8, 1], 1024), "ranks differ");
    }
}
