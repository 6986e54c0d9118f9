//! Standard input copied to a hidden file in the output folder (`.stdin…csv`), with an
//! interrupt honoured while waiting for input: a thread reads, this one writes and checks
//! the cancel flag between blocks. The copy is removed when the run ends; a killed run's copy
//! is removed by the next run into the folder ([`super::folder`]).

use super::folder::STDIN_PREFIX;
use crate::error::{Error, Result};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::time::Duration;
use tempfile::NamedTempFile;

/// How standard input is named in messages.
pub const STDIN_LABEL: &str = "- (standard input)";

/// How often the cancel flag is looked at while standard input is silent.
const POLL: Duration = Duration::from_millis(50);

/// Copies `input` into a new hidden file in `dir`; `cancel` stops the copy with
/// [`Error::Interrupted`] even while the reader waits.
pub fn spool(
    input: impl Read + Send + 'static,
    dir: &Path,
    cancel: Option<&AtomicBool>,
) -> Result<NamedTempFile> {
    let mut tmp = tempfile::Builder::new()
        .prefix(STDIN_PREFIX)
        .suffix(".csv")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    let (send, blocks) = sync_channel::<std::io::Result<Vec<u8>>>(4);
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut input = input;
            loop {
                let mut buf = vec![0u8; 1 << 16];
                let block = match input.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        buf.truncate(n);
                        Ok(buf)
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => Err(e),
                };
                let failed = block.is_err();
                if send.send(block).is_err() || failed {
                    return;
                }
            }
        })
        .map_err(|e| Error::io(Path::new(STDIN_LABEL), e))?;
    let stdin_err = |e| Error::io(Path::new(STDIN_LABEL), e);
    loop {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(Error::Interrupted);
        }
        match blocks.recv_timeout(POLL) {
            Ok(block) => {
                let block = block.map_err(stdin_err)?;
                tmp.write_all(&block)
                    .map_err(|e| Error::io(tmp.path(), e))?;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    // Ctrl-C in a pipeline also ends the writer: the input's end does not undo the interrupt.
    if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
        return Err(Error::Interrupted);
    }
    tmp.flush().map_err(|e| Error::io(tmp.path(), e))?;
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Input that never ends (a terminal nobody types into).
    struct Silent;
    impl Read for Silent {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_secs(3600));
            Ok(0)
        }
    }

    #[test]
    fn the_copy_equals_the_input_and_an_interrupt_stops_a_silent_input() {
        let dir = tempfile::tempdir().unwrap();
        let text: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let copy = spool(std::io::Cursor::new(text.clone()), dir.path(), None).unwrap();
        assert!(copy
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".stdin"));
        assert_eq!(std::fs::read(copy.path()).unwrap(), text);
        drop(copy);
        let cancel = AtomicBool::new(true);
        let e = spool(Silent, dir.path(), Some(&cancel)).unwrap_err();
        assert!(matches!(e, Error::Interrupted));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
