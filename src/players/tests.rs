//! Superpixel players with a mean fill: each row is cut by SLIC once per run, and the fill that
//! reuses the cut gives the same attributions as one that cuts the row again.

use super::*;
use crate::data::image::SLIC_RUNS;
use crate::data::{Background, BackgroundInfo};
use crate::explain::{
    Estimator, Explainer, Explanation, LimeExplainer, LimeParams, ShapExplainer, ShapMethod,
    ShapParams,
};
use crate::model::FnModel;
use crate::request::{ExplainRequest, ImageRequest};
use crate::run::{run_rows, Reference};

const ROWS: usize = 3;
const SIDE: usize = 8;
const M: usize = SIDE * SIDE * 3;

/// SLIC runs on this thread so far.
fn slic_runs() -> usize {
    SLIC_RUNS.with(|r| r.get())
}

/// Images of colour blocks that differ from row to row, so SLIC cuts each its own way.
fn images() -> Array2<f32> {
    Array2::from_shape_fn((ROWS, M), |(r, j)| {
        let (p, c) = (j / 3, j % 3);
        let (y, x) = (p / SIDE, p % SIDE);
        let block = (y / (2 + r) + 2 * (x / 3) + r + c) % 4;
        block as f32 * 0.25 + 0.01 * ((j * 7 + r) % 5) as f32
    })
}

/// Superpixel players filled with each segment's mean, fitted to `x`.
fn mean_players(x: &Array2<f32>, names: &[String]) -> Players {
    let req = ExplainRequest {
        image: ImageRequest {
            shape: Some(ImageShape::hwc(SIDE, SIDE, 3)),
            superpixels: Some(6),
            fill: MaskFill::Mean,
            ..ImageRequest::default()
        },
        ..ExplainRequest::new(
            "model.onnx",
            "data.csv",
            Estimator::Lime(LimeParams::default()),
        )
    };
    let mut players = Players::resolve(&req, names, &[SIDE, SIDE, 3]).unwrap();
    players.fit_rows(x.outer_iter()).unwrap();
    players
}

/// A nonlinear model of two outputs.
fn model() -> FnModel {
    FnModel::new(M, 2, |x| {
        let a: f32 = x.iter().enumerate().map(|(j, v)| v * (j % 7) as f32).sum();
        let b: f32 = x.iter().step_by(5).map(|v| v * v).sum();
        vec![(a / 50.0).tanh(), a * b / 1000.0]
    })
}

/// The same estimator with each row's fill cutting the row again (the path before the reuse).
fn recut(
    estimator: &Estimator,
    model: &FnModel,
    players: &Players,
    bg: &Array2<f32>,
    x: &Array2<f32>,
    names: &[String],
) -> Explanation {
    let own = players.row_players(x.view(), names).unwrap().unwrap();
    let fill = |row: ArrayView1<f32>| players.fill_row(row, None);
    let rows = x.view();
    match estimator {
        Estimator::Shap(p) => ShapExplainer::new(model, bg.view())
            .params(p.clone())
            .row_groups(own.groups)
            .row_hierarchies(own.trees)
            .row_background(&fill)
            .explain(rows),
        Estimator::Lime(p) => LimeExplainer::new(model, bg.view())
            .params(p.clone())
            .row_groups(own.groups)
            .row_background(&fill)
            .explain(rows),
    }
    .unwrap()
}

#[test]
fn a_mean_fill_reuses_each_rows_superpixels_with_the_same_attributions() {
    let x = images();
    let names: Vec<String> = (0..M).map(|j| format!("f{j}")).collect();
    let players = mean_players(&x, &names);
    assert!(players.row_players >= 2, "{}", players.row_players);
    let reference = Reference::Background(Background {
        rows: x.clone(),
        description: BackgroundInfo {
            kind: "file".into(),
            source: "data.csv".into(),
            rows: ROWS,
            seed: None,
        },
    });
    let Reference::Background(bg) = &reference else {
        unreachable!()
    };
    let model = model();
    let estimators = [
        Estimator::Shap(ShapParams {
            method: ShapMethod::Partition,
            samples: Some(40),
            ..ShapParams::default()
        }),
        Estimator::Lime(LimeParams {
            num_samples: 200,
            num_features: usize::MAX,
            ..LimeParams::default()
        }),
    ];
    // One worker thread: every SLIC run of the run happens on the thread that counts them.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| {
        for estimator in &estimators {
            let rows: Vec<usize> = (0..ROWS).collect();
            let start = slic_runs();
            let run = run_rows(
                estimator, &model, &names, &players, &reference, &x, &rows, None,
            )
            .unwrap();
            assert_eq!(slic_runs() - start, ROWS, "SLIC once per row");
            let start = slic_runs();
            let again = recut(estimator, &model, &players, &bg.rows, &x, &names);
            assert!(
                slic_runs() - start > ROWS,
                "the hook counts the fills' cuts"
            );
            assert_eq!(run.values, again.values);
            assert_eq!(run.base_values, again.base_values);
            assert!(run.values.iter().any(|&v| v != 0.0));
        }
    });
}

#[test]
fn a_given_cut_fills_as_a_fresh_one() {
    let x = images();
    let names: Vec<String> = (0..M).map(|j| format!("f{j}")).collect();
    let players = mean_players(&x, &names);
    let own = players.row_players(x.view(), &names).unwrap().unwrap();
    for (i, row) in x.outer_iter().enumerate() {
        let given = players.fill_row(row, Some(&own.segments[i])).unwrap();
        assert_eq!(given, players.fill_row(row, None).unwrap());
        // Not the whole image's mean: the segments matter.
        assert!(given.iter().any(|&v| v != given[[0, 0]]));
    }
}
