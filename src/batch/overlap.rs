//! A run's parts read, explained and written at the same time: a reader thread parses the next
//! chunk and a writer thread encodes and writes the previous part while the estimator works on
//! this one, each at most one part ahead (memory: a few chunks). Results do not depend on it:
//! every part is explained exactly as it would be alone.

use crate::error::Result;
use ndarray::Array2;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

/// Rows of one part, read and ready to explain.
pub(crate) struct Chunk {
    /// Part number.
    pub part: usize,
    /// Position of its first row among the run's selected rows.
    pub first: usize,
    /// Data-file indices of its rows.
    pub indices: Vec<usize>,
    /// The rows.
    pub x: Array2<f32>,
}

/// Seconds each stage was busy.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Busy {
    /// In `explain`.
    pub explain: f64,
    /// In `write`.
    pub write: f64,
}

/// Runs `explain` over the chunks `read` yields (`None`: no more) while `read` parses the next
/// and `write` writes the previous part on threads of their own. The first error stops the run:
/// parts explained before it are still written; a writer's error wins over the one it causes.
pub(crate) fn overlapped<P: Send>(
    mut read: impl FnMut() -> Result<Option<Chunk>> + Send,
    mut explain: impl FnMut(Chunk) -> Result<P>,
    mut write: impl FnMut(P) -> Result<()> + Send,
) -> Result<Busy> {
    std::thread::scope(|s| {
        let (chunk_tx, chunk_rx) = sync_channel::<Result<Chunk>>(1);
        let (part_tx, part_rx) = sync_channel::<P>(1);
        let reader = s.spawn(move || {
            while let Some(next) = read().transpose() {
                let failed = next.is_err();
                // A closed channel: the run stopped, nothing more to read.
                if chunk_tx.send(next).is_err() || failed {
                    return;
                }
            }
        });
        let writer = s.spawn(move || -> Result<f64> {
            let mut busy = 0.0;
            for part in part_rx {
                let t = Instant::now();
                write(part)?;
                busy += t.elapsed().as_secs_f64();
            }
            Ok(busy)
        });
        let mut busy = Busy::default();
        let mut outcome = Ok(());
        for chunk in chunk_rx.iter() {
            let t = Instant::now();
            let part = chunk.and_then(&mut explain);
            busy.explain += t.elapsed().as_secs_f64();
            match part {
                Ok(p) => {
                    // A closed channel: the writer failed; its error is returned below.
                    if part_tx.send(p).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        drop(part_tx);
        drop(chunk_rx);
        let written = writer
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        busy.write = written?;
        outcome.map(|()| busy)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use std::sync::Mutex;

    fn chunks(n: usize) -> impl FnMut() -> Result<Option<Chunk>> + Send {
        let mut part = 0;
        move || {
            part += 1;
            Ok((part <= n).then(|| Chunk {
                part: part - 1,
                first: (part - 1) * 2,
                indices: vec![part - 1],
                x: Array2::zeros((1, 1)),
            }))
        }
    }

    #[test]
    fn every_part_is_written_in_order() {
        let written = Mutex::new(vec![]);
        overlapped(
            chunks(7),
            |c| Ok(c.part * 10),
            |p| {
                written.lock().unwrap().push(p);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(*written.lock().unwrap(), [0, 10, 20, 30, 40, 50, 60]);
    }

    #[test]
    fn an_estimator_error_stops_the_run_after_writing_what_was_explained() {
        let written = Mutex::new(vec![]);
        let err = overlapped(
            chunks(7),
            |c| match c.part {
                3 => Err(Error::Interrupted),
                p => Ok(p),
            },
            |p| {
                written.lock().unwrap().push(p);
                Ok(())
            },
        )
        .unwrap_err();
        assert!(matches!(err, Error::Interrupted), "{err}");
        assert_eq!(*written.lock().unwrap(), [0, 1, 2]);
    }

    #[test]
    fn a_writer_or_reader_error_is_the_one_returned() {
        let err = overlapped(chunks(50), Ok, |c: Chunk| match c.part {
            2 => Err(Error::Mismatch("disk full".into())),
            _ => Ok(()),
        })
        .unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        let mut n = 0;
        let failing_read = move || {
            n += 1;
            match n {
                4 => Err(Error::Mismatch("line 9: not a number".into())),
                _ => Ok(Some(Chunk {
                    part: n,
                    first: n,
                    indices: vec![],
                    x: Array2::zeros((0, 1)),
                })),
            }
        };
        let err = overlapped(failing_read, Ok, |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("line 9"), "{err}");
    }
}
