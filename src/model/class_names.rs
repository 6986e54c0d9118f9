//! Class names for classifier outputs. A Keras export names only its output tensor
//! (`Identity:0`, `dense_1`); when that single output is a Softmax or a Sigmoid (possibly behind
//! Identity nodes) its columns are classes, called `class 0` … `class K-1` (one sigmoid column is
//! the probability of the positive class: `class 1`). `info` says where the names came from.

use tract_onnx::pb;

/// The note `info` shows when outputs keep the file's tensor names.
pub const TENSOR_NAMES_NOTE: &str =
    "named after the model's output tensors; --output-names a,b,... gives your own";

/// Output column names derived from a classifier head, and the note saying so.
pub(crate) struct ClassNames {
    /// `class 0` … `class K-1` (or `class 1` for one sigmoid column).
    pub names: Vec<String>,
    /// Where the names come from, for `info`.
    pub note: String,
}

/// Class names for a graph whose one output, `width` columns wide, is a Softmax or Sigmoid.
pub(crate) fn class_names(proto: &pb::ModelProto, widths: &[usize]) -> Option<ClassNames> {
    let graph = proto.graph.as_ref()?;
    let ([output], &[k]) = (graph.output.as_slice(), widths) else {
        return None;
    };
    let op = producer_op(graph, &output.name)?;
    let names: Vec<String> = match (op, k) {
        ("Softmax", 2..) | ("Sigmoid", 2..) => (0..k).map(|c| format!("class {c}")).collect(),
        ("Sigmoid", 1) => vec!["class 1".into()],
        _ => return None,
    };
    let what = if k == 1 {
        "the probability of class 1".to_string()
    } else {
        format!("{k} classes")
    };
    Some(ClassNames {
        note: format!(
            "{what}: the file names only the {op} output '{}'; --output-names a,b,... gives \
             your own",
            output.name
        ),
        names,
    })
}

/// The op type of the node computing `tensor`, looking through Identity nodes.
fn producer_op<'g>(graph: &'g pb::GraphProto, tensor: &str) -> Option<&'g str> {
    let mut tensor = tensor;
    // At most one step per node: a malformed cycle of Identities ends the search.
    for _ in 0..=graph.node.len() {
        let node = graph
            .node
            .iter()
            .find(|n| n.output.iter().any(|o| o == tensor))?;
        match node.op_type.as_str() {
            "Identity" => tensor = node.input.first()?,
            op => return Some(op),
        }
    }
    None
}

/// Whether `names` are the class names a softmax or sigmoid head gets (`class 0`, `class 1`...).
pub fn are_class_names(names: &[String]) -> bool {
    !names.is_empty()
        && names.iter().all(|n| {
            n.strip_prefix("class ")
                .is_some_and(|c| c.parse::<usize>().is_ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(op: &str, input: &str, output: &str) -> pb::NodeProto {
        pb::NodeProto {
            op_type: op.into(),
            input: vec![input.into()],
            output: vec![output.into()],
            ..Default::default()
        }
    }

    fn graph(nodes: Vec<pb::NodeProto>, outputs: &[&str]) -> pb::ModelProto {
        pb::ModelProto {
            graph: Some(pb::GraphProto {
                node: nodes,
                output: outputs
                    .iter()
                    .map(|o| pb::ValueInfoProto {
                        name: o.to_string(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn softmax_and_sigmoid_heads_name_classes() {
        let keras3 = graph(
            vec![
                node("MatMul", "x", "logits"),
                node("Softmax", "logits", "p"),
                node("Identity", "p", "Identity:0"),
            ],
            &["Identity:0"],
        );
        let c = class_names(&keras3, &[3]).unwrap();
        assert_eq!(c.names, ["class 0", "class 1", "class 2"]);
        assert!(c.note.contains("Softmax output 'Identity:0'"), "{}", c.note);
        assert!(c.note.contains("--output-names"), "{}", c.note);
        assert!(are_class_names(&c.names));

        let binary = graph(vec![node("Sigmoid", "z", "dense_1")], &["dense_1"]);
        let c = class_names(&binary, &[1]).unwrap();
        assert_eq!(c.names, ["class 1"]);
        assert!(
            c.note.starts_with("the probability of class 1"),
            "{}",
            c.note
        );
    }

    #[test]
    fn other_heads_keep_their_tensor_names() {
        let regression = graph(vec![node("Add", "z", "y")], &["y"]);
        assert!(class_names(&regression, &[1]).is_none());
        let softmax = graph(vec![node("Softmax", "z", "p")], &["p"]);
        assert!(
            class_names(&softmax, &[1]).is_none(),
            "a 1-column softmax is not a classifier"
        );
        let two = graph(
            vec![node("Softmax", "z", "p"), node("Softmax", "z", "q")],
            &["p", "q"],
        );
        assert!(class_names(&two, &[2, 2]).is_none());
        let cycle = graph(
            vec![node("Identity", "b", "a"), node("Identity", "a", "b")],
            &["a"],
        );
        assert!(class_names(&cycle, &[3]).is_none());
        assert!(!are_class_names(&["dense_1".to_string()]));
    }
}
