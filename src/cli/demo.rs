//! `demo`: the whole story on the bundled reference network, with no arguments needed.

use clap::Args;
use onnx_inspector::demo::run_demo;
use onnx_inspector::report::summary::summary_table;
use std::path::PathBuf;

#[derive(Args)]
pub struct DemoArgs {
    /// Output folder.
    #[arg(long, default_value = "demo")]
    out: PathBuf,
    /// Test digits to explain.
    #[arg(long, default_value = "0:8")]
    rows: String,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

pub fn run(a: DemoArgs) -> anyhow::Result<()> {
    println!(
        "explaining test digits {} of the bundled Dense(64)-Dense(10) network...",
        a.rows
    );
    let out = run_demo(&a.out, &a.rows, a.threads, None)?;
    for (name, r) in [("kernel SHAP", &out.shap), ("LIME", &out.lime)] {
        println!(
            "\n{name}: {} rows in {:.2}s ({} evaluations per row, {} threads)",
            r.values.len(),
            r.meta.timings.total_seconds,
            r.meta.budget,
            r.meta.timings.threads
        );
        print!("{}", summary_table(&r.summary, &r.feature_names, 4));
    }
    println!();
    for f in &out.files {
        println!("wrote {}", f.display());
    }
    Ok(())
}
