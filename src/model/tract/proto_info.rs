//! What an ONNX file declares: inputs, outputs, ops, parameters, producer and opset.

use serde::Serialize;
use std::collections::BTreeMap;
use tract_onnx::pb;
use tract_onnx::pb::tensor_shape_proto::dimension::Value as DimValue;

/// One declared graph input or output.
#[derive(Debug, Clone, Serialize)]
pub struct TensorInfo {
    /// Tensor name as in the file.
    pub name: String,
    /// Element type name (`float`, `int64`...).
    pub elem_type: String,
    /// Dimensions: a number, a symbol name, or `?` when unnamed.
    pub dims: Vec<String>,
}

/// Static description of an ONNX model file.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    /// Path of the file.
    pub path: String,
    /// Exporter name and version (e.g. `tf2onnx 1.16.1`).
    pub producer: String,
    /// ONNX IR version.
    pub ir_version: i64,
    /// Opset of the default domain.
    pub opset: i64,
    /// Graph inputs (initializers excluded).
    pub inputs: Vec<TensorInfo>,
    /// Graph outputs.
    pub outputs: Vec<TensorInfo>,
    /// Number of nodes per op type.
    pub ops: BTreeMap<String, usize>,
    /// Number of nodes.
    pub n_nodes: usize,
    /// Number of trainable-looking parameters (elements of all initializers).
    pub n_parameters: u64,
    /// Metadata properties stored in the file.
    pub metadata: BTreeMap<String, String>,
    /// How batches are run (filled by the loader).
    pub batch_mode: String,
    /// Width of one flattened input row (filled by the loader).
    pub n_features: usize,
    /// Each graph input's place in a data row, e.g. `cat: int32 [N,1] -> column 9` (filled by
    /// the loader).
    pub input_columns: Vec<String>,
    /// Output column names (filled by the loader).
    pub output_columns: Vec<String>,
    /// Where the output names come from when the user gave none: class names derived from a
    /// Softmax/Sigmoid head, or the file's tensor names (filled by the loader).
    pub output_naming: Option<String>,
    /// Inference engine used (filled by the loader).
    pub engine: String,
    /// tract optimiser pipeline used, full or reduced (filled by the loader).
    pub optimiser: String,
}

/// The ONNX element type name of a `TensorProto.DataType` code.
pub fn elem_type_name(code: i32) -> String {
    pb::tensor_proto::DataType::try_from(code)
        .map(|t| t.as_str_name().to_lowercase())
        .unwrap_or_else(|_| format!("type#{code}"))
}

/// Dimensions of a declared value, as strings.
pub(crate) fn value_dims(v: &pb::ValueInfoProto) -> Option<Vec<String>> {
    let pb::type_proto::Value::TensorType(t) = v.r#type.as_ref()?.value.as_ref()?;
    let shape = t.shape.as_ref()?;
    Some(
        shape
            .dim
            .iter()
            .map(|d| match &d.value {
                Some(DimValue::DimValue(n)) => n.to_string(),
                Some(DimValue::DimParam(s)) if !s.is_empty() => s.clone(),
                _ => "?".to_string(),
            })
            .collect(),
    )
}

fn value_elem_type(v: &pb::ValueInfoProto) -> i32 {
    match v.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(pb::type_proto::Value::TensorType(t)) => t.elem_type,
        None => 0,
    }
}

fn tensor_info(v: &pb::ValueInfoProto) -> TensorInfo {
    TensorInfo {
        name: v.name.clone(),
        elem_type: elem_type_name(value_elem_type(v)),
        dims: value_dims(v).unwrap_or_default(),
    }
}

impl ModelInfo {
    /// Reads the declarations of a parsed protobuf.
    pub fn from_proto(path: &str, proto: &pb::ModelProto) -> ModelInfo {
        let empty = pb::GraphProto::default();
        let graph = proto.graph.as_ref().unwrap_or(&empty);
        let init_names: std::collections::HashSet<&str> =
            graph.initializer.iter().map(|t| t.name.as_str()).collect();
        let mut ops = BTreeMap::new();
        for n in &graph.node {
            *ops.entry(n.op_type.clone()).or_insert(0) += 1;
        }
        let n_parameters = graph
            .initializer
            .iter()
            .map(|t| t.dims.iter().map(|&d| d.max(0) as u64).product::<u64>())
            .sum();
        ModelInfo {
            path: path.to_string(),
            producer: format!("{} {}", proto.producer_name, proto.producer_version)
                .trim()
                .to_string(),
            ir_version: proto.ir_version,
            opset: proto
                .opset_import
                .iter()
                .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
                .map(|o| o.version)
                .unwrap_or(0),
            inputs: graph
                .input
                .iter()
                .filter(|i| !init_names.contains(i.name.as_str()))
                .map(tensor_info)
                .collect(),
            outputs: graph.output.iter().map(tensor_info).collect(),
            ops,
            n_nodes: graph.node.len(),
            n_parameters,
            metadata: proto
                .metadata_props
                .iter()
                .map(|p| (p.key.clone(), p.value.clone()))
                .collect(),
            batch_mode: String::new(),
            n_features: 0,
            input_columns: vec![],
            output_columns: vec![],
            output_naming: None,
            engine: String::new(),
            optimiser: String::new(),
        }
    }

    /// Human-readable multi-line summary (what `info` prints).
    pub fn to_text(&self) -> String {
        let shape = |t: &TensorInfo| format!("{} {} [{}]", t.name, t.elem_type, t.dims.join(", "));
        let mut s = String::new();
        s += &format!("model:      {}\n", self.path);
        s += &format!("producer:   {}\n", self.producer);
        s += &format!("opset:      {} (ir {})\n", self.opset, self.ir_version);
        for i in &self.inputs {
            s += &format!("input:      {}\n", shape(i));
        }
        for o in &self.outputs {
            s += &format!("output:     {}\n", shape(o));
        }
        s += &format!("features:   {} per row\n", self.n_features);
        for c in &self.input_columns {
            s += &format!("columns:    {c}\n");
        }
        s += &format!(
            "outputs:    {} ({})\n",
            self.output_columns.len(),
            abbreviate(&self.output_columns, 6)
        );
        if let Some(note) = &self.output_naming {
            s += &format!("            {note}\n");
        }
        s += &format!("batching:   {}\n", self.batch_mode);
        s += &format!("engine:     {}\n", self.engine);
        s += &format!("optimiser:  {}\n", self.optimiser);
        s += &format!(
            "nodes:      {} ({})\n",
            self.n_nodes,
            self.ops
                .iter()
                .map(|(k, v)| format!("{k} x{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        s += &format!("parameters: {}\n", self.n_parameters);
        for (k, v) in &self.metadata {
            s += &format!("metadata:   {k} = {v}\n");
        }
        s
    }
}

fn abbreviate(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!(
            "{}, ... {}",
            items[..max - 1].join(", "),
            items[items.len() - 1]
        )
    }
}
