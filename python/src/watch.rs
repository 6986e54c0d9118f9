//! Runs library work off the interpreter: the GIL is released, the calling thread wakes every
//! 100 ms to honour Ctrl-C (`KeyboardInterrupt`, through the library's cancel flag) and to report
//! progress, and a panic in the work comes back as a `RuntimeError`.

use crate::errors::{panicked, to_py};
use onnx_inspector::explain::Progress;
use onnx_inspector::Result;
use pyo3::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How often the caller checks for Ctrl-C and reports progress.
const TICK: Duration = Duration::from_millis(100);

/// Runs `work` on another thread with progress hooks; `progress(done, total)` is called from the
/// calling thread (holding the GIL) while it runs and once at the end.
pub fn watched<T: Send>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&Progress) -> Result<T> + Send,
) -> PyResult<T> {
    let cancel = AtomicBool::new(false);
    let total = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let set_total = |n: usize| total.store(n, Ordering::Relaxed);
    let tick = || {
        done.fetch_add(1, Ordering::Relaxed);
    };
    let hooks = Progress {
        total: &set_total,
        row_done: &tick,
        cancel: &cancel,
    };
    let report = || -> PyResult<()> {
        if let Some(f) = progress {
            f.call1((done.load(Ordering::Relaxed), total.load(Ordering::Relaxed)))?;
        }
        Ok(())
    };
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel();
        // Behind a lock so that a shared reference crosses into `detach` (a receiver is not Sync).
        let rx = std::sync::Mutex::new(rx);
        let hooks = &hooks;
        s.spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| work(hooks)));
            let _ = tx.send(outcome);
        });
        let mut stop: Option<PyErr> = None;
        loop {
            let next = py.detach(|| match rx.lock() {
                Ok(rx) => rx.recv_timeout(TICK),
                Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
            });
            match next {
                Ok(outcome) => {
                    if let Some(e) = stop {
                        return Err(e);
                    }
                    report()?;
                    return match outcome {
                        Ok(result) => result.map_err(to_py),
                        Err(payload) => Err(panicked(payload)),
                    };
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(stop.unwrap_or_else(|| {
                        pyo3::exceptions::PyRuntimeError::new_err("the worker thread vanished")
                    }))
                }
                Err(mpsc::RecvTimeoutError::Timeout) if stop.is_none() => {
                    // Ctrl-C, or an exception from the progress callback: stop between rows.
                    if let Err(e) = py.check_signals().and_then(|_| report()) {
                        cancel.store(true, Ordering::Relaxed);
                        stop = Some(e);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
    })
}
