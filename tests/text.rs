//! Text players on the zoo's text classifier (token ids [N, 12], Keras Embedding(mask_zero)):
//! one word decides the class by construction of its corpus, so it must carry the largest φ;
//! padding positions are no players; the vocabulary's words reach explanations.json.

mod common;

use common::{cli, error_of};
use serde_json::Value;
use std::path::Path;

const MODEL: &str = "models/text_sentiment.onnx";
const DATA: &str = "models/text_sentiment_test.csv";
const VOCAB: &str = "models/text_sentiment_vocab.txt";

/// Runs `explain` on the text model with `extra` flags into `out`; returns explanations.json.
fn explain_text(out: &Path, extra: &[&str]) -> Value {
    cli()
        .args([
            "explain",
            MODEL,
            "--data",
            DATA,
            "--quiet",
            "--no-charts",
            "--no-report",
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    let text = std::fs::read_to_string(out.join("explanations.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn rows_of<T: serde::de::DeserializeOwned>(doc: &Value, key: &str) -> Vec<T> {
    serde_json::from_value(doc[key].clone()).unwrap_or_else(|e| panic!("{key}: {e}"))
}

#[test]
fn the_deciding_word_carries_the_largest_attribution_in_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let doc = explain_text(dir.path(), &["--vocab", VOCAB]);
    assert_eq!(
        doc["meta"]["method"], "partition",
        "partition is text's default"
    );
    let tokens: Vec<Vec<String>> = rows_of(&doc, "tokens");
    let values: Vec<Vec<Vec<f64>>> = rows_of(&doc, "values");
    let preds: Vec<Vec<f64>> = rows_of(&doc, "predictions");
    let base: Vec<Vec<f64>> = rows_of(&doc, "base_values");
    assert_eq!(tokens.len(), 40);
    for (i, words) in tokens.iter().enumerate() {
        let deciders: Vec<usize> = (0..words.len())
            .filter(|&j| words[j] == "excellent" || words[j] == "awful")
            .collect();
        assert_eq!(deciders.len(), 1, "row {i}: {words:?}");
        let d = deciders[0];
        let phi: Vec<f64> = values[i].iter().map(|v| v[0]).collect();
        let top = (0..phi.len())
            .max_by(|&a, &b| phi[a].abs().total_cmp(&phi[b].abs()))
            .unwrap();
        assert_eq!(top, d, "row {i}: {words:?} {phi:?}");
        // Its sign is the class it decides.
        assert_eq!(phi[d] > 0.0, words[d] == "excellent", "row {i}");
        // Efficiency: the players' φ add up to f(x) − f(every token hidden).
        let sum: f64 = phi.iter().sum();
        assert!((sum - (preds[i][0] - base[i][0])).abs() < 1e-5, "row {i}");
    }
}

#[test]
fn padding_positions_are_no_players_and_words_follow_the_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let doc = explain_text(
        dir.path(),
        &["--vocab", VOCAB, "--rows", "0:5", "--method", "exact"],
    );
    let vocab: Vec<String> = std::fs::read_to_string(VOCAB)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let data: Vec<Vec<f32>> = rows_of(&doc, "data");
    let row_groups: Vec<Vec<Vec<usize>>> = rows_of(&doc, "row_groups");
    let tokens: Vec<Vec<String>> = rows_of(&doc, "tokens");
    let values: Vec<Vec<Vec<f64>>> = rows_of(&doc, "values");
    for (i, x) in data.iter().enumerate() {
        let non_pad: Vec<usize> = (0..x.len()).filter(|&j| x[j] != 0.0).collect();
        assert!(non_pad.len() < x.len(), "row {i} has padding");
        let players: Vec<usize> = row_groups[i].concat();
        assert_eq!(
            players, non_pad,
            "row {i}: players are exactly the non-padding positions"
        );
        let words: Vec<String> = non_pad
            .iter()
            .map(|&j| vocab[x[j] as usize].clone())
            .collect();
        assert_eq!(tokens[i], words, "row {i}");
        // Trailing players (rows shorter than the longest) are empty and get 0.
        for (p, v) in values[i].iter().enumerate().skip(non_pad.len()) {
            assert_eq!(v[0], 0.0, "row {i} player {p}");
        }
    }
}

#[test]
fn text_mode_without_a_masking_model_needs_a_mask_token_and_bad_vocab_ids_are_named() {
    let dir = tempfile::tempdir().unwrap();
    // int_inputs' embedding model does not mask id 0: text mode needs an explicit mask id.
    let ids = [
        "tests/fixtures/embedding_ids.onnx",
        "--data",
        "tests/fixtures/embedding_ids.csv",
    ];
    let err = error_of(
        cli()
            .arg("explain")
            .args(ids)
            .args(["--text", "--quiet"])
            .arg("--out")
            .arg(dir.path().join("unmasked")),
    );
    assert!(
        err.contains("no Keras mask_zero found): give --mask-token ID"),
        "{err}"
    );
    cli()
        .arg("explain")
        .args(ids)
        .args([
            "--text",
            "--mask-token",
            "1",
            "--quiet",
            "--no-charts",
            "--no-report",
        ])
        .arg("--out")
        .arg(dir.path().join("masked"))
        .assert()
        .success();
    let short = dir.path().join("short_vocab.txt");
    std::fs::write(&short, "\n[UNK]\nexcellent\n").unwrap();
    let err = error_of(
        cli()
            .args(["explain", MODEL, "--data", DATA, "--quiet", "--vocab"])
            .arg(&short)
            .arg("--out")
            .arg(dir.path().join("bad")),
    );
    assert!(err.contains("row 0 column 'tok_0': id"), "{err}");
    assert!(err.contains("(3 tokens)"), "{err}");
    let err = error_of(
        cli()
            .args([
                "explain",
                "models/breast_cancer.onnx",
                "--data",
                "models/breast_cancer_test.csv",
            ])
            .args(["--mask-token", "0", "--quiet"])
            .arg("--out")
            .arg(dir.path().join("float")),
    );
    assert!(err.contains("token ids"), "{err}");
}

#[test]
fn an_explicit_mask_token_replaces_hidden_words() {
    // Hiding a token as [UNK] (id 1) rather than dropping it: the deciding word still leads.
    let dir = tempfile::tempdir().unwrap();
    let doc = explain_text(
        dir.path(),
        &["--vocab", VOCAB, "--mask-token", "1", "--rows", "0:8"],
    );
    let tokens: Vec<Vec<String>> = rows_of(&doc, "tokens");
    let values: Vec<Vec<Vec<f64>>> = rows_of(&doc, "values");
    for (i, words) in tokens.iter().enumerate() {
        let phi: Vec<f64> = values[i].iter().map(|v| v[0].abs()).collect();
        let top = (0..phi.len())
            .max_by(|&a, &b| phi[a].total_cmp(&phi[b]))
            .unwrap();
        assert!(
            ["excellent", "awful"].contains(&words[top].as_str()),
            "row {i}: {words:?}"
        );
    }
}

#[test]
fn text_charts_are_drawn_by_default_and_by_plot_and_need_words() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    cli()
        .args([
            "explain", MODEL, "--data", DATA, "--rows", "3:5", "--vocab", VOCAB,
        ])
        .args(["--quiet", "--no-report"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    for r in [3, 4] {
        assert!(
            out.join(format!("text_row{r}_out0.png")).is_file(),
            "row {r}"
        );
    }
    let json = out.join("explanations.json");
    let plots = dir.path().join("plots");
    let done = common::plot(
        &json,
        &plots,
        &["--kind", "text", "--row", "4", "--format", "svg"],
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let svg = std::fs::read_to_string(plots.join("text_row4_out0.svg")).unwrap();
    let doc = explain_text(
        &dir.path().join("again"),
        &["--vocab", VOCAB, "--rows", "4:5"],
    );
    let words: Vec<Vec<String>> = rows_of(&doc, "tokens");
    for w in &words[0] {
        assert!(svg.contains(&format!("\n{w}\n")), "{w} not drawn");
    }
    // A file without words (no --vocab) has no text chart.
    let bare = dir.path().join("bare");
    explain_text(&bare, &["--rows", "0:2"]);
    let refused = common::plot(&bare.join("explanations.json"), &plots, &["--kind", "text"]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("a text chart needs the words of a text run (explain with --vocab)"),
        "{err}"
    );
}
