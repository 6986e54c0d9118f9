//! Calls into tract guarded so that a panic inside it becomes a one-line [`Error`] naming the file.
//!
//! A malformed model can make tract panic (index out of bounds, missing map key...). Each guarded
//! call runs under `catch_unwind`; a panic hook, installed once, stays silent while the current
//! thread is inside a guarded call (no message, no backtrace on the terminal) and records where the
//! panic happened, and otherwise delegates to the hook that was there before.

use crate::error::{Error, Result};
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;

thread_local! {
    /// Whether this thread is inside a guarded call.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    /// `file:line` of the last panic caught on this thread.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs the silent-while-guarded panic hook in front of the current one (once per process).
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if GUARDED.with(Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", crate_relative(l.file()), l.line()));
                LOCATION.with(|slot| *slot.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// `tract-hir-0.23.9/src/ops/x.rs` from a path inside the cargo registry; other paths unchanged.
fn crate_relative(file: &str) -> &str {
    match file.find("/registry/src/") {
        Some(i) => {
            let rest = &file[i + "/registry/src/".len()..];
            rest.split_once('/')
                .map_or(rest, |(_, after_index)| after_index)
        }
        None => file,
    }
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-text panic payload".to_string()
    }
}

/// Runs `f`, a call into tract on the model at `path`; a panic inside becomes
/// `Error::model(path, "tract panicked while {what}: {message} (at {file:line})")`.
pub(crate) fn tract<T>(path: &Path, what: &str, f: impl FnOnce() -> T) -> Result<T> {
    install_hook();
    let outer = GUARDED.with(|g| g.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(outer));
    result.map_err(|payload| {
        let msg = payload_text(payload.as_ref());
        let msg = msg.split_whitespace().collect::<Vec<_>>().join(" ");
        let at = LOCATION
            .with(|slot| slot.borrow_mut().take())
            .map_or_else(String::new, |l| format!(" (at {l})"));
        Error::model(path, format!("tract panicked while {what}: {msg}{at}"))
    })
}

/// [`tract`] for a call returning tract's own result, whose error also becomes `Error::model`.
pub(crate) fn tract_result<T>(
    path: &Path,
    what: &str,
    f: impl FnOnce() -> tract_onnx::prelude::TractResult<T>,
) -> Result<T> {
    tract(path, what, f)?.map_err(|e| Error::model_caused(path, what, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_becomes_one_line_error_naming_the_file() {
        let err = tract(Path::new("m.onnx"), "loading", || -> u8 {
            panic!("index out of bounds:\nthe len is 3 but the index is 5")
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with(
                "m.onnx: tract panicked while loading: index out of bounds: the len is 3 but the index is 5 (at "
            ),
            "{err}"
        );
        assert!(err.contains("guard.rs:"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn values_pass_through_and_nesting_restores_the_flag() {
        let v = tract(Path::new("m.onnx"), "outer", || {
            let inner = tract(Path::new("m.onnx"), "inner", || -> u8 { panic!("boom") });
            assert!(inner.is_err());
            assert!(GUARDED.with(Cell::get), "still inside the outer guard");
            7
        });
        assert_eq!(v.unwrap(), 7);
        assert!(!GUARDED.with(Cell::get));
    }

    #[test]
    fn registry_paths_are_shortened() {
        assert_eq!(
            crate_relative("/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/tract-hir-0.23.9/src/ops/array/permute_axes.rs"),
            "tract-hir-0.23.9/src/ops/array/permute_axes.rs"
        );
        assert_eq!(crate_relative("src/model/onnx.rs"), "src/model/onnx.rs");
    }
}
