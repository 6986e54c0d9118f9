//! Hooks a long run reports to and is stopped by.

use std::sync::atomic::{AtomicBool, Ordering};

/// Hooks a long run reports to and is stopped by.
pub struct Progress<'a> {
    /// Called once with the number of rows to explain.
    pub total: &'a (dyn Fn(usize) + Sync),
    /// Called once per finished row.
    pub row_done: &'a (dyn Fn() + Sync),
    /// Set to stop between rows.
    pub cancel: &'a AtomicBool,
}

impl Progress<'_> {
    /// Whether the run was asked to stop.
    pub(crate) fn cancelled(progress: Option<&Progress>) -> bool {
        progress.is_some_and(|p| p.cancel.load(Ordering::Relaxed))
    }
}
