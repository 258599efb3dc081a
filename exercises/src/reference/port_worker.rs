//! Reference solution of `port-worker`.

use crate::NotWritten;
use crate::port_worker::{CHUNK, Call, FILES, Outcome, PortWorker};

/// The worker loop: prime one read per file, then for each packet issue that file's next
/// read before processing the data.
#[derive(Debug, Clone, Default)]
pub struct Worker {
    /// Files whose first read is issued.
    primed: usize,
    /// Each file's next offset to read, in the order of `FILES`.
    next_offset: [u64; FILES.len()],
    /// Reads issued whose packet has not come.
    in_flight: u32,
    /// The bytes of the packet to process next.
    to_process: Option<u32>,
}

impl Worker {
    /// The next read of the file with completion key `key`, if it has more to read.
    fn next_read(&mut self, key: u64) -> Option<Call> {
        let i = FILES.iter().position(|f| f.key == key)?;
        let offset = self.next_offset[i];
        if offset >= FILES[i].len {
            return None;
        }
        self.next_offset[i] += u64::from(CHUNK);
        Some(Call::Read { key, offset })
    }
}

impl PortWorker for Worker {
    fn next(&mut self, last: &Outcome) -> Result<Call, NotWritten> {
        match *last {
            Outcome::Start | Outcome::Refused | Outcome::Processed => {}
            Outcome::Issued => self.in_flight += 1,
            Outcome::Packet { key, bytes, .. } => {
                self.in_flight -= 1;
                self.to_process = Some(bytes);
                if let Some(read) = self.next_read(key) {
                    return Ok(read);
                }
            }
        }
        if let Some(file) = FILES.get(self.primed) {
            self.primed += 1;
            if let Some(read) = self.next_read(file.key) {
                return Ok(read);
            }
        }
        if let Some(bytes) = self.to_process.take() {
            return Ok(Call::Process { bytes });
        }
        Ok(if self.in_flight > 0 {
            Call::GetPacket
        } else {
            Call::Exit
        })
    }
}
