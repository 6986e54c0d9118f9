//! Partition (Owen) SHAP against oracles: efficiency at any budget, closed forms of additive
//! models, exact Shapley for two players, a brute-force Owen value over hierarchy-consistent
//! orders, equal shares for unexpanded nodes, and determinism across threads.

mod common;

use common::*;
use ndarray::{Array3, ArrayView2, Axis};
use onnx_inspector::explain::{
    Explainer, Explanation, FeatureGroups, Hierarchy, ShapExplainer, ShapMethod,
    DEFAULT_PARTITION_EVALS,
};
use onnx_inspector::model::{FnModel, Model};

/// A model with pairwise and triple interactions, two outputs.
fn interacting(m: usize) -> FnModel {
    FnModel::new(m, 2, move |x| {
        let mut a = 0.0f32;
        for j in 0..m {
            a += (j as f32 * 0.7 + 0.3).sin() * x[j] + 0.4 * x[j] * x[(j + 1) % m];
        }
        let b = x[0] * x[1] * x[m - 1] + x[2].tanh() - 0.5 * a;
        vec![a, b]
    })
}

fn partition(
    model: &dyn Model,
    x: ArrayView2<f32>,
    bg: ArrayView2<f32>,
    samples: usize,
    tree: Option<Hierarchy>,
) -> Explanation {
    let mut e = ShapExplainer::new(model, bg)
        .method(ShapMethod::Partition)
        .samples(samples);
    if let Some(t) = tree {
        e = e.hierarchy(t);
    }
    e.explain(x).unwrap()
}

/// v(S): the mean model output over background rows with the features in S taken from x.
fn value(model: &dyn Model, x: &[f32], bg: ArrayView2<f32>, s: &[bool]) -> Vec<f64> {
    let mut rows = bg.to_owned();
    for mut r in rows.outer_iter_mut() {
        for (j, v) in r.iter_mut().enumerate() {
            if s[j] {
                *v = x[j];
            }
        }
    }
    let p = model.predict(rows.view()).unwrap().mapv(f64::from);
    p.mean_axis(Axis(0)).unwrap().to_vec()
}

/// All orders of 0..m.
fn permutations(m: usize) -> Vec<Vec<usize>> {
    if m == 0 {
        return vec![vec![]];
    }
    let mut out = vec![];
    for p in permutations(m - 1) {
        for at in 0..=p.len() {
            let mut q = p.clone();
            q.insert(at, m - 1);
            out.push(q);
        }
    }
    out
}

/// Owen's definition: the mean marginal contribution over the orders in which the players of
/// every node of the tree (given as its nodes' player sets) come one after another.
fn brute_force_owen(
    model: &dyn Model,
    x: ArrayView2<f32>,
    bg: ArrayView2<f32>,
    nodes: &[Vec<usize>],
) -> Array3<f64> {
    let m = x.ncols();
    let k = model.n_outputs();
    let consistent: Vec<Vec<usize>> = permutations(m)
        .into_iter()
        .filter(|order| {
            nodes.iter().all(|node| {
                let pos: Vec<usize> = node
                    .iter()
                    .map(|&p| order.iter().position(|&q| q == p).unwrap())
                    .collect();
                pos.iter().max().unwrap() - pos.iter().min().unwrap() + 1 == node.len()
            })
        })
        .collect();
    let mut out = Array3::zeros((x.nrows(), m, k));
    for (r, row) in x.outer_iter().enumerate() {
        let row = row.to_vec();
        for order in &consistent {
            let mut s = vec![false; m];
            let mut before = value(model, &row, bg, &s);
            for &p in order {
                s[p] = true;
                let after = value(model, &row, bg, &s);
                for o in 0..k {
                    out[[r, p, o]] += (after[o] - before[o]) / consistent.len() as f64;
                }
                before = after;
            }
        }
    }
    out
}

#[test]
fn efficiency_is_exact_at_every_budget() {
    let model = interacting(12);
    let (x, bg) = (grid(4, 12, 1), grid(6, 12, 2));
    for samples in [4, 7, 30, 100, DEFAULT_PARTITION_EVALS, 5000] {
        let e = partition(&model, x.view(), bg.view(), samples, None);
        assert!(
            efficiency_gap(&e) < 1e-9,
            "samples {samples}: {}",
            efficiency_gap(&e)
        );
        assert!(e.stderr.is_none());
    }
}

#[test]
fn additive_model_gives_the_closed_form_on_any_tree() {
    let m = 7;
    let model = FnModel::new(m, 1, move |x| {
        vec![(0..m)
            .map(|j| (x[j] * (j as f32 + 1.0)).sin() + x[j] * x[j])
            .sum()]
    });
    let g = |j: usize, v: f32| ((v * (j as f32 + 1.0)).sin() + v * v) as f64;
    let (x, bg) = (grid(3, m, 3), grid(5, m, 4));
    let truth = Array3::from_shape_fn((3, m, 1), |(r, j, _)| {
        g(j, x[[r, j]]) - bg.column(j).iter().map(|&b| g(j, b)).sum::<f64>() / 5.0
    });
    let lopsided =
        Hierarchy::from_merges(m, &[[6, 0], [7, 5], [8, 1], [2, 3], [10, 4], [9, 11]]).unwrap();
    for tree in [None, Some(lopsided)] {
        let e = partition(&model, x.view(), bg.view(), 10_000, tree);
        assert!(max_abs_diff(&e.values, &truth) < 1e-5);
    }
}

#[test]
fn two_players_under_one_root_give_exact_shapley() {
    let model = FnModel::new(2, 2, |x| {
        vec![x[0] * x[1] + x[0].exp(), (x[0] - x[1]).tanh()]
    });
    let (x, bg) = (grid(5, 2, 5), grid(4, 2, 6));
    let exact = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    let tree = Hierarchy::from_merges(2, &[[1, 0]]).unwrap();
    let e = partition(&model, x.view(), bg.view(), 4, Some(tree));
    assert!(max_abs_diff(&e.values, &exact.values) < 1e-9);
}

#[test]
fn full_budget_equals_brute_force_owen() {
    let m = 6;
    let model = interacting(m);
    let (x, bg) = (grid(2, m, 7), grid(3, m, 8));
    // Halving: {0,1,2} = {0,1} + {2}, {3,4,5} = {3,4} + {5}.
    let halving = vec![vec![0, 1], vec![0, 1, 2], vec![3, 4], vec![3, 4, 5]];
    let e = partition(&model, x.view(), bg.view(), 10_000, None);
    let owen = brute_force_owen(&model, x.view(), bg.view(), &halving);
    assert!(max_abs_diff(&e.values, &owen) < 1e-9, "halving");
    // ((5, 1), ((0, 3), (2, 4))): merges 6 = {5,1}, 7 = {0,3}, 8 = {2,4}, 9 = 7+8, root 6+9.
    let tree = Hierarchy::from_merges(m, &[[5, 1], [0, 3], [2, 4], [7, 8], [6, 9]]).unwrap();
    let nodes = vec![vec![1, 5], vec![0, 3], vec![2, 4], vec![0, 2, 3, 4]];
    let e = partition(&model, x.view(), bg.view(), 10_000, Some(tree));
    let owen = brute_force_owen(&model, x.view(), bg.view(), &nodes);
    assert!(max_abs_diff(&e.values, &owen) < 1e-9, "custom tree");
    // Owen is not Shapley here: the oracle does tell the trees apart.
    let shapley = literal_shapley(&model, x.view(), bg.view());
    assert!(max_abs_diff(&owen, &shapley) > 1e-3);
}

#[test]
fn one_split_shares_each_half_equally() {
    // Budget 4 = v(∅), v(all), v(left), v(right): each half's two-player Shapley value is
    // shared equally by its players.
    let m = 8;
    let model = interacting(m);
    let (x, bg) = (grid(2, m, 9), grid(4, m, 10));
    let e = partition(&model, x.view(), bg.view(), 4, None);
    for r in 0..2 {
        let row = x.row(r).to_vec();
        let half = |lo: usize| -> Vec<bool> { (0..m).map(|j| (lo..lo + 4).contains(&j)).collect() };
        let v0 = value(&model, &row, bg.view(), &[false; 8]);
        let v1 = value(&model, &row, bg.view(), &[true; 8]);
        let (vl, vr) = (
            value(&model, &row, bg.view(), &half(0)),
            value(&model, &row, bg.view(), &half(4)),
        );
        for o in 0..2 {
            let left = 0.5 * ((vl[o] - v0[o]) + (v1[o] - vr[o]));
            for j in 0..m {
                let want = if j < 4 { left } else { v1[o] - v0[o] - left } / 4.0;
                assert!(
                    (e.values[[r, j, o]] - want).abs() < 1e-9,
                    "row {r} player {j}"
                );
            }
        }
    }
}

#[test]
fn constant_features_are_left_out_of_the_tree() {
    // Feature 2 equals every background value: φ = 0 and the tree over the others still gives
    // the brute-force Owen value of the restricted tree ((0,1),(3)).
    let model = interacting(4);
    let mut x = grid(2, 4, 11);
    let mut bg = grid(3, 4, 12);
    x.column_mut(2).fill(0.25);
    bg.column_mut(2).fill(0.25);
    let tree = Hierarchy::from_merges(4, &[[0, 1], [2, 3], [4, 5]]).unwrap();
    let e = partition(&model, x.view(), bg.view(), 10_000, Some(tree));
    let owen = brute_force_owen(&model, x.view(), bg.view(), &[vec![0, 1], vec![2, 3]]);
    assert!(max_abs_diff(&e.values, &owen) < 1e-9);
    assert!(e.values.index_axis(Axis(1), 2).iter().all(|&v| v == 0.0));
}

#[test]
fn same_result_for_one_and_two_threads() {
    let model = interacting(30);
    let (x, bg) = (grid(6, 30, 13), grid(5, 30, 14));
    let run = |t| {
        in_pool(t, || {
            partition(&model, x.view(), bg.view(), 200, None).values
        })
    };
    let (a, b): (Array3<f64>, Array3<f64>) = (run(1), run(2));
    assert_eq!(a, b);
}

#[test]
fn wrong_sized_tree_and_tiny_budget_are_refused() {
    let model = interacting(5);
    let (x, bg) = (grid(1, 5, 15), grid(2, 5, 16));
    let err = ShapExplainer::new(&model, bg.view())
        .method(ShapMethod::Partition)
        .hierarchy(Hierarchy::halving(4))
        .explain(x.view())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("hierarchy") && err.contains("4 players"),
        "{err}"
    );
    let err = ShapExplainer::new(&model, bg.view())
        .method(ShapMethod::Partition)
        .samples(3)
        .explain(x.view())
        .unwrap_err()
        .to_string();
    assert!(err.contains("partition"), "{err}");
}

#[test]
fn image_models_default_to_shaps_image_tree() {
    use ndarray::s;
    use onnx_inspector::data::Dataset;
    use onnx_inspector::model::OnnxModel;
    let model = OnnxModel::load("models/cnn_digits8.onnx").unwrap();
    assert_eq!(model.row_shape(), vec![8, 8, 1]);
    let data = Dataset::load("models/digits8_test.csv").unwrap();
    let (x, bg) = (
        data.values.slice(s![0..1, ..]),
        data.values.slice(s![1..4, ..]),
    );
    let run = |tree: Option<Hierarchy>| partition(&model, x, bg, 120, tree).values;
    let default = run(None);
    assert_eq!(default, run(Some(Hierarchy::grid([8, 8, 1]))));
    assert_ne!(default, run(Some(Hierarchy::halving(64))));
}

#[test]
fn cli_explains_images_with_partition_within_shaps_budget() {
    let out = tempfile::tempdir().unwrap();
    assert_cmd::Command::cargo_bin("onnx-inspector")
        .unwrap()
        .args([
            "explain",
            "models/cnn_digits8.onnx",
            "--data",
            "models/digits8_test.csv",
            "--rows",
            "0:3",
            "--method",
            "partition",
            "--no-charts",
            "--quiet",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(out.path().join("explanations.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let meta = &json["meta"];
    assert_eq!(meta["method"], "partition");
    assert_eq!(meta["budget"], DEFAULT_PARTITION_EVALS);
    for e in meta["evaluations_per_row"].as_array().unwrap() {
        // v(∅) and v(all) are part of shap's max_evals.
        let e = e.as_u64().unwrap() as usize;
        assert!(
            e + 2 <= DEFAULT_PARTITION_EVALS && e + 12 > DEFAULT_PARTITION_EVALS,
            "{e}"
        );
    }
    assert!(json["stderr"].is_null());
}

#[test]
fn groups_are_players_of_the_tree() {
    // Players {0,1,2}, {3}, {4,5}: a model additive over them gives each group its closed form
    // h_g(x) − mean_b h_g(b), over the default halving tree and over a caller's tree of 3 players.
    let names: Vec<String> = (0..6).map(|j| format!("f{j}")).collect();
    let groups = FeatureGroups::new(
        vec![("a".into(), vec![0, 1, 2]), ("b".into(), vec![4, 5])],
        &names,
    )
    .unwrap();
    let h = |p: usize, x: &[f32]| -> f64 {
        let x: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        match p {
            0 => x[0] * x[1] + x[2].tanh(),
            1 => 0.7 * x[3],
            _ => (x[4] - x[5]).powi(2),
        }
    };
    let model = FnModel::new(6, 1, move |x| {
        let x = x.to_vec();
        vec![(0..3).map(|p| h(p, &x)).sum::<f64>() as f32]
    });
    let (x, bg) = (grid(3, 6, 17), grid(4, 6, 18));
    let truth = Array3::from_shape_fn((3, 3, 1), |(r, p, _)| {
        let mean = bg
            .outer_iter()
            .map(|b| h(p, b.as_slice().unwrap()))
            .sum::<f64>()
            / 4.0;
        h(p, x.row(r).as_slice().unwrap()) - mean
    });
    for tree in [
        None,
        Some(Hierarchy::from_merges(3, &[[2, 0], [3, 1]]).unwrap()),
    ] {
        let mut e = ShapExplainer::new(&model, bg.view())
            .method(ShapMethod::Partition)
            .samples(1000)
            .groups(groups.clone());
        if let Some(t) = tree {
            e = e.hierarchy(t);
        }
        let e = e.explain(x.view()).unwrap();
        assert_eq!(e.values.shape(), [3, 3, 1]);
        assert!(max_abs_diff(&e.values, &truth) < 1e-5);
    }
    let err = ShapExplainer::new(&model, bg.view())
        .method(ShapMethod::Partition)
        .groups(groups)
        .hierarchy(Hierarchy::halving(6))
        .explain(x.view())
        .unwrap_err()
        .to_string();
    assert!(err.contains("6 players; there are 3"), "{err}");
}

/// φ of the CLI's `--method partition` on 2 digits of the 8x8 CNN with extra flags.
fn cli_partition(extra: &[&str]) -> Vec<f64> {
    let out = tempfile::tempdir().unwrap();
    assert_cmd::Command::cargo_bin("onnx-inspector")
        .unwrap()
        .args([
            "explain",
            "models/cnn_digits8.onnx",
            "--data",
            "models/digits8_test.csv",
        ])
        .args(["--rows", "0:2", "--method", "partition", "--samples", "200"])
        .args(extra)
        .args(["--no-charts", "--quiet", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(out.path().join("explanations.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut values = vec![];
    for row in json["values"].as_array().unwrap() {
        for player in row.as_array().unwrap() {
            values.extend(
                player
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap()),
            );
        }
    }
    values
}

#[test]
fn cli_patches_recurse_over_the_segments_tree() {
    // One-pixel patches hidden by zeros play the same game as pixels against a background row of
    // zeros; the same φ at a partial budget means the patches use the segments' bisection tree,
    // which on pixels is shap's image tree (the pixels' default), not halving over players.
    let dir = tempfile::tempdir().unwrap();
    let header = std::fs::read_to_string("models/digits8_test.csv").unwrap();
    let header = header.lines().next().unwrap();
    let zeros = dir.path().join("zeros.csv");
    std::fs::write(&zeros, format!("{header}\n{}\n", vec!["0"; 64].join(","))).unwrap();
    let patches = cli_partition(&["--patch", "1", "--mask", "zero"]);
    let pixels = cli_partition(&["--background", zeros.to_str().unwrap()]);
    assert_eq!(patches.len(), pixels.len());
    let gap = patches
        .iter()
        .zip(&pixels)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(gap < 1e-6, "{gap}");
}
