//! One-line error messages for the terminal: library parameters become the flags that set them.

use onnx_inspector::error::report;
use onnx_inspector::Error;

/// The flag that sets a library parameter (`num_features` -> `--num-features`).
fn flag(param: &str) -> String {
    format!("--{}", param.replace('_', "-"))
}

/// The whole error chain on one line, with parameter names given as CLI flags.
pub fn render(e: &anyhow::Error) -> String {
    match e.downcast_ref::<Error>() {
        Some(Error::Param { name, msg }) => format!("{}: {msg}", flag(name)),
        Some(Error::Budget {
            estimator,
            samples,
            features,
            minimum,
            players,
        }) => format!(
            "--samples {samples} is too small for {estimator} on {}: give at least {minimum}",
            players.count(*features)
        ),
        _ => report(e.as_ref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onnx_inspector::explain::PlayerKind;

    #[test]
    fn parameters_are_named_by_their_flags() {
        let e = anyhow::Error::from(Error::param("num_features", "must be at least 1"));
        assert_eq!(render(&e), "--num-features: must be at least 1");
        let e = anyhow::Error::from(Error::Budget {
            estimator: "kernel SHAP",
            samples: 5,
            features: 30,
            minimum: 31,
            players: PlayerKind::Features,
        });
        assert_eq!(
            render(&e),
            "--samples 5 is too small for kernel SHAP on 30 features: give at least 31"
        );
        let e = anyhow::Error::from(Error::Budget {
            estimator: "kernel SHAP",
            samples: 5,
            features: 64,
            minimum: 65,
            players: PlayerKind::Patches,
        });
        assert_eq!(
            render(&e),
            "--samples 5 is too small for kernel SHAP on 64 players (patches): give at least 65"
        );
    }

    #[test]
    fn an_io_cause_is_said_once() {
        let io = std::io::Error::from_raw_os_error(17);
        let e = anyhow::Error::from(Error::io(std::path::Path::new("afile"), io));
        let line = render(&e);
        assert_eq!(line.matches("os error 17").count(), 1, "{line}");
        assert!(line.starts_with("afile: "), "{line}");
    }
}
