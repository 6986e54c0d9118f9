//! ONNX `BatchNormalization` whose statistics the graph computes, as tf2onnx writes Keras'
//! `LayerNormalization` (each row reshaped to `[1, rows, width, 1]` and normalised as one
//! "channel"); tract's own translator accepts only constant statistics ("Params are not const").
//! Constant statistics still fold into one multiply-add per value, exactly as tract does.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;
use tract_onnx::tract_hir::ops::expandable::expand;
use tract_onnx::tract_hir::ops::math;

/// Makes `BatchNormalization` nodes parse as [`BatchNorm`].
pub(crate) fn register(ops: &mut OnnxOpRegister) {
    ops.insert("BatchNormalization", parse);
}

fn parse(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let epsilon = node.get_attr_opt("epsilon")?.unwrap_or(1e-5f32);
    let spatial = node.get_attr_opt("spatial")?.unwrap_or(1i64);
    ensure!(
        spatial == 1,
        "BatchNormalization: attribute 'spatial' is not supported (deprecated by ONNX opset 9)"
    );
    Ok((expand(BatchNorm { epsilon }), vec![]))
}

/// y = (x − mean) / √(var + ε) · scale + bias, the parameters indexed by axis 1 of x (NCHW).
#[derive(Debug, Clone)]
struct BatchNorm {
    epsilon: f32,
}

impl Expansion for BatchNorm {
    fn name(&self) -> StaticName {
        "BatchNorm".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 5)?;
        check_output_arity(outputs, 1)?;
        s.equals_all((0..5).map(|i| (&inputs[i].datum_type).bex()).collect())?;
        s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
        s.equals(&inputs[0].shape, &outputs[0].shape)?;
        s.equals_all((1..5).map(|i| (&inputs[i].shape).bex()).collect())?;
        s.equals(&inputs[1].rank, 1)?;
        s.given(&inputs[0].shape, move |s, shape| {
            if let Some(c) = shape.get(1) {
                s.equals(&inputs[1].shape[0], c.clone())?;
            }
            Ok(())
        })
    }

    fn wire(
        &self,
        prefix: &str,
        target: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let x = target.outlet_fact(inputs[0])?.clone();
        let rank = x.rank();
        ensure!(
            rank >= 2,
            "BatchNormalization needs an input of rank 2 or more"
        );
        let konsts: Option<TVec<Arc<Tensor>>> = inputs[1..5]
            .iter()
            .map(|&i| target.outlet_fact(i).ok().and_then(|f| f.konst.clone()))
            .collect();
        match konsts {
            Some(k) if x.datum_type == f32::datum_type() => {
                self.wire_constant(prefix, target, inputs[0], rank, &k)
            }
            _ => self.wire_computed(prefix, target, inputs, rank, x.datum_type),
        }
    }
}

impl BatchNorm {
    /// y = slope · x + intercept with slope = scale / √(var + ε) and intercept = bias − mean ·
    /// slope, as tract's translator builds it.
    fn wire_constant(
        &self,
        prefix: &str,
        target: &mut TypedModel,
        x: OutletId,
        rank: usize,
        k: &[Arc<Tensor>],
    ) -> TractResult<TVec<OutletId>> {
        let p = |i: usize| -> TractResult<Vec<f32>> {
            Ok(k[i]
                .cast_to::<f32>()?
                .to_plain_array_view::<f32>()?
                .iter()
                .copied()
                .collect())
        };
        let (scale, bias, mean, var) = (p(0)?, p(1)?, p(2)?, p(3)?);
        let c = scale.len();
        let denominator: Vec<f32> = var.iter().map(|v| (v + self.epsilon).sqrt()).collect();
        let slope: Vec<f32> = scale.iter().zip(&denominator).map(|(s, d)| s / d).collect();
        let intercept: Vec<f32> = (0..c)
            .map(|i| bias[i] - (mean[i] * scale[i]) / denominator[i])
            .collect();
        let mut shape = tvec![1; rank];
        shape[1] = c;
        let slope = target.add_const(
            format!("{prefix}.slope"),
            tensor1(&slope).into_shape(&shape)?,
        )?;
        let intercept = target.add_const(
            format!("{prefix}.inter"),
            tensor1(&intercept).into_shape(&shape)?,
        )?;
        let scaled = target.wire_node(format!("{prefix}.mul"), math::mul(), &[slope, x])?;
        target.wire_node(prefix, math::add(), &[intercept, scaled[0]])
    }

    /// The same formula on statistics computed by the graph, each parameter reshaped to
    /// `[1, C, 1, ...]` against x.
    fn wire_computed(
        &self,
        prefix: &str,
        target: &mut TypedModel,
        inputs: &[OutletId],
        rank: usize,
        dt: DatumType,
    ) -> TractResult<TVec<OutletId>> {
        let mut p = tvec![];
        for (k, &input) in inputs[1..5].iter().enumerate() {
            let mut w =
                target.wire_node(format!("{prefix}.p{k}.axis0"), AxisOp::Add(0), &[input])?[0];
            for axis in 2..rank {
                w = target.wire_node(
                    format!("{prefix}.p{k}.axis{axis}"),
                    AxisOp::Add(axis),
                    &[w],
                )?[0];
            }
            p.push(w);
        }
        let (scale, bias, mean, var) = (p[0], p[1], p[2], p[3]);
        let eps = tensor0(self.epsilon)
            .cast_to_dt(dt)?
            .into_owned()
            .broadcast_into_rank(rank)?;
        let eps = target.add_const(format!("{prefix}.eps"), eps)?;
        let mut op =
            |name: &str, op: Box<dyn TypedOp>, ins: &[OutletId]| -> TractResult<OutletId> {
                Ok(target.wire_node(format!("{prefix}.{name}"), op, ins)?[0])
            };
        let shifted = op("sub", Box::new(math::sub()), &[inputs[0], mean])?;
        let var_eps = op("var_eps", Box::new(math::add()), &[var, eps])?;
        let deviation = op("sqrt", Box::new(math::sqrt()), &[var_eps])?;
        let normal = op("div", Box::new(math::div()), &[shifted, deviation])?;
        let scaled = op("scale", Box::new(math::mul()), &[normal, scale])?;
        Ok(tvec![op("bias", Box::new(math::add()), &[scaled, bias])?])
    }
}
