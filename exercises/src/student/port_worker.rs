//! Your completion-port worker loop. Read the exercise in docs/build-it-yourself.md
//! ("port-worker") and the vocabulary in exercises/src/port_worker.rs.
//!
//! Before your first call, the worker has created a port, opened `a.log` (key 1) and
//! `b.log` (key 2) for overlapped I/O and bound both to the port. `next` is called with
//! `Outcome::Start`, then with what each of your calls gave. Your loop:
//! 1. Issue the first read of each file, in the order of `FILES`:
//!    `Call::Read { key, offset: 0 }`.
//! 2. Then `Call::GetPacket`. For each `Outcome::Packet { key, bytes, .. }`: first issue
//!    the next read of that key's file (offsets go up by `CHUNK`), unless the file has
//!    been read to its end (`File::len`); then `Call::Process { bytes }`.
//! 3. `Call::Exit` once no read is in flight and nothing is left to process.
//!
//! Keep what you need to remember in `Worker`'s fields. Grade it with
//! `cargo test -p iosim-exercises --features student`.

use crate::NotWritten;
use crate::port_worker::{Call, Outcome, PortWorker};

/// Your worker: add the fields your loop needs.
#[derive(Debug, Clone, Default)]
pub struct Worker {}

impl PortWorker for Worker {
    fn next(&mut self, _last: &Outcome) -> Result<Call, NotWritten> {
        Err(NotWritten(
            "implement `Worker::next` in exercises/src/student/port_worker.rs: on \
             Outcome::Start issue the first read of each file (Call::Read), then loop on \
             Call::GetPacket, issuing each packet's file's next read before \
             Call::Process, and Call::Exit when no read is in flight; see \
             docs/build-it-yourself.md, exercise port-worker",
        ))
    }
}
