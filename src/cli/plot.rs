//! `plot`: charts of an `explanations.json` (waterfall, bar, global bar, beeswarm, image,
//! overlay, dependence scatter, heatmap, cohorts, force).

use clap::{Args, ValueEnum};
use onnx_inspector::report::charts::{
    self, ChartOptions, CohortSplit, Format, ImageShape, RowChart, RowOrder, DEFAULT_TOP_BAR,
    DEFAULT_TOP_GLOBAL, DEFAULT_TOP_SCATTER, DEFAULT_TOP_WATERFALL, MAX_IMAGE_ROWS,
};
use onnx_inspector::report::ExplanationFile;
use onnx_inspector::Error;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    /// The standard set (waterfalls, global bar, beeswarms of up to 10 outputs, image heatmaps).
    All,
    Waterfall,
    Bar,
    GlobalBar,
    /// One per output, up to 10 (those with the largest mean |φ|), or the --output given.
    Beeswarm,
    Image,
    Overlay,
    /// Dependence scatter (feature value vs φ): the --feature given, else the top features
    /// (--top, default 4) of the --output given, else of the output with the largest mean |φ|.
    Scatter,
    /// Interaction heatmaps (files explained with --interactions): the run's mean |Φ_ij| and
    /// the --row's Φ, for the --output (default: the row's predicted output), top 12 features.
    Interactions,
    /// Rows × features coloured by φ, f(x) above (--order similarity or prediction).
    Heatmap,
    /// Mean |φ| of two cohorts with 95% intervals (--cohort, default prediction ≥ its median).
    Cohorts,
    /// One row's force view (--row, --output).
    Force,
    /// Sequence rows [T, F] explained cell by cell: the --row's time × feature heatmap of φ.
    TimeHeatmap,
    /// Sequence rows: the --row's φ per time step in time order (time or window players, or
    /// each step's cells summed).
    Steps,
    /// Text runs with --vocab: the --row's words coloured by φ (as shap.plots.text).
    Text,
}

#[derive(Clone, Copy, ValueEnum)]
enum OrderArg {
    Similarity,
    Prediction,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Png,
    Svg,
}

#[derive(Args)]
pub struct PlotArgs {
    /// The explanations.json written by `explain`.
    file: PathBuf,
    /// Chart kind.
    #[arg(long, value_enum, default_value = "all")]
    kind: KindArg,
    /// Row for waterfall, bar and overlay (first row of image): its index in the data file, as
    /// in chart names and titles (`--rows 10:15` explains rows 10 to 14); default: the first.
    #[arg(long)]
    row: Option<usize>,
    /// Output index or name (default: the row's predicted output; all stacked for global-bar).
    #[arg(long)]
    output: Option<String>,
    /// Features shown individually; the rest are summed (default 12 waterfall, 15 bar, 20 others).
    #[arg(long)]
    top: Option<usize>,
    /// Feature (index or name) of a scatter.
    #[arg(long)]
    feature: Option<String>,
    /// Feature (index or name) whose value colours a scatter's dots (default: the feature it
    /// interacts with most when the file has interaction values, else the feature itself).
    #[arg(long)]
    color_by: Option<String>,
    /// Column order of a heatmap.
    #[arg(long, value_enum, default_value = "similarity")]
    order: OrderArg,
    /// Cohort A of a cohorts chart: NAME>=VALUE or NAME<VALUE, NAME a feature or `prediction`
    /// (default: prediction at least its median).
    #[arg(long)]
    cohort: Option<String>,
    /// Image shape HxW (or HxWxC) for flat rows, e.g. 10x10.
    #[arg(long)]
    image_shape: Option<String>,
    /// File format.
    #[arg(long, value_enum, default_value = "png")]
    format: FormatArg,
    /// Output folder.
    #[arg(long, default_value = "out")]
    out: PathBuf,
}

/// Names the JSON file in errors about its content or about the options applied to it.
fn in_file(file: &Path, e: Error) -> anyhow::Error {
    match e {
        Error::Chart(msg) => anyhow::anyhow!("{}: {msg}", file.display()),
        e @ Error::Param { .. } => {
            anyhow::anyhow!("{}: {}", file.display(), super::errors::render(&e.into()))
        }
        other => other.into(),
    }
}

pub fn run(a: PlotArgs) -> anyhow::Result<()> {
    let format = match a.format {
        FormatArg::Png => Format::Png,
        FormatArg::Svg => Format::Svg,
    };
    let ext = format.extension();
    let image_shape = match &a.image_shape {
        Some(s) => Some(s.parse::<ImageShape>()?),
        None => None,
    };
    if a.top == Some(0) {
        anyhow::bail!("--top must be at least 1");
    }
    let file = ExplanationFile::read(&a.file)?;
    let err = |e| in_file(&a.file, e);
    charts::check_file(&file).map_err(err)?;
    // Positions in the file from here on; names carry the data-file index (`data_row`).
    let row = match a.row {
        Some(r) => charts::row_position(&file, r).map_err(err)?,
        None => 0,
    };
    let name_row = charts::data_row(&file, row);
    let output = match &a.output {
        Some(s) => Some(charts::resolve_output(&file, s).map_err(err)?),
        None => None,
    };
    let row_output = output.unwrap_or_else(|| charts::predicted_output(&file, row));
    let written: Vec<PathBuf> = match a.kind {
        KindArg::All => {
            let opts = ChartOptions {
                format,
                top: a.top,
                image_shape,
            };
            charts::write_default_charts_with(&file, &a.out, &opts).map_err(err)?
        }
        KindArg::Waterfall => {
            let path = a
                .out
                .join(format!("waterfall_row{name_row}_out{row_output}.{ext}"));
            let top = a.top.unwrap_or(DEFAULT_TOP_WATERFALL);
            charts::write_waterfall(&file, row, row_output, top, &path, format).map_err(err)?;
            vec![path]
        }
        KindArg::Bar => {
            let path = a
                .out
                .join(format!("bar_row{name_row}_out{row_output}.{ext}"));
            let top = a.top.unwrap_or(DEFAULT_TOP_BAR);
            charts::write_bar(&file, row, row_output, top, &path, format).map_err(err)?;
            vec![path]
        }
        KindArg::GlobalBar => {
            let name = match output {
                Some(k) => format!("global_bar_out{k}.{ext}"),
                None => format!("global_bar.{ext}"),
            };
            let path = a.out.join(name);
            let top = a.top.unwrap_or(DEFAULT_TOP_GLOBAL);
            charts::write_global_bar(&file, output, top, &path, format).map_err(err)?;
            vec![path]
        }
        KindArg::Beeswarm => {
            let top = a.top.unwrap_or(DEFAULT_TOP_GLOBAL);
            let outputs = match output {
                Some(k) => vec![k],
                None => charts::beeswarm_outputs(&file),
            };
            let mut paths = Vec::new();
            for k in outputs {
                let path = a.out.join(format!("beeswarm_out{k}.{ext}"));
                charts::write_beeswarm(&file, k, top, &path, format).map_err(err)?;
                paths.push(path);
            }
            paths
        }
        KindArg::Image => {
            let n = file.values.len();
            let rows: Vec<usize> = (row..n).take(MAX_IMAGE_ROWS).collect();
            let path = a.out.join(format!("image_out{row_output}.{ext}"));
            charts::write_image(&file, &rows, row_output, image_shape, &path, format)
                .map_err(err)?;
            vec![path]
        }
        KindArg::Overlay => {
            let path = a
                .out
                .join(format!("overlay_row{name_row}_out{row_output}.{ext}"));
            charts::write_overlay(&file, row, row_output, image_shape, None, &path, format)
                .map_err(err)?;
            vec![path]
        }
        KindArg::Scatter => {
            let k = output.unwrap_or_else(|| charts::main_output(&file));
            let color_by = match &a.color_by {
                Some(s) => Some(charts::resolve_feature(&file, s).map_err(err)?),
                None => None,
            };
            let features = match &a.feature {
                Some(s) => vec![charts::resolve_feature(&file, s).map_err(err)?],
                None => charts::scatter_features(&file, k, a.top.unwrap_or(DEFAULT_TOP_SCATTER)),
            };
            if features.is_empty() {
                return Err(err(Error::Chart(
                    "no feature stands for one input, so none has a value to plot".into(),
                )));
            }
            let mut paths = Vec::new();
            for j in features {
                let path = a.out.join(format!("scatter_feat{j}_out{k}.{ext}"));
                let color_by = color_by.or_else(|| charts::most_interacting(&file, j, k));
                charts::write_scatter(&file, j, k, color_by, &path, format).map_err(err)?;
                paths.push(path);
            }
            paths
        }
        KindArg::Interactions => {
            let top = a.top.unwrap_or(charts::DEFAULT_TOP_INTERACTIONS);
            let global = a.out.join(format!("interactions_out{row_output}.{ext}"));
            let one = a
                .out
                .join(format!("interactions_row{name_row}_out{row_output}.{ext}"));
            for (path, r) in [(&global, None), (&one, Some(row))] {
                charts::write_interaction_heatmap(&file, r, row_output, top, path, format)
                    .map_err(err)?;
            }
            vec![global, one]
        }
        KindArg::Heatmap => {
            let k = output.unwrap_or_else(|| charts::main_output(&file));
            let path = a.out.join(format!("heatmap_out{k}.{ext}"));
            let order = match a.order {
                OrderArg::Similarity => RowOrder::Similarity,
                OrderArg::Prediction => RowOrder::Prediction,
            };
            let top = a.top.unwrap_or(DEFAULT_TOP_GLOBAL);
            charts::write_heatmap(&file, k, top, order, &path, format).map_err(err)?;
            vec![path]
        }
        KindArg::Cohorts => {
            let k = output.unwrap_or_else(|| charts::main_output(&file));
            let split = match &a.cohort {
                Some(s) => CohortSplit::parse(&file, s).map_err(err)?,
                None => CohortSplit::median_prediction(&file, k),
            };
            let path = a.out.join(format!("cohorts_out{k}.{ext}"));
            let top = a.top.unwrap_or(DEFAULT_TOP_BAR);
            charts::write_cohorts(&file, k, top, &split, &path, format).map_err(err)?;
            vec![path]
        }
        KindArg::TimeHeatmap | KindArg::Steps | KindArg::Text => {
            let kind = match a.kind {
                KindArg::TimeHeatmap => RowChart::TimeHeatmap,
                KindArg::Steps => RowChart::Steps,
                _ => RowChart::Text,
            };
            let path = a
                .out
                .join(charts::row_chart_name(&file, kind, row, row_output, ext));
            charts::write_row_chart(&file, kind, row, row_output, &path, format).map_err(err)?;
            vec![path]
        }
        KindArg::Force => {
            let path = a
                .out
                .join(format!("force_row{name_row}_out{row_output}.{ext}"));
            charts::write_force(&file, row, row_output, &path, format).map_err(err)?;
            vec![path]
        }
    };
    for p in &written {
        println!("wrote {}", p.display());
    }
    Ok(())
}
