//! The disk's actual bytes, so data written by a program really comes back on read.
//!
//! Storage is sparse: only 4 KiB chunks that have been written take memory, and an
//! unwritten byte reads as its [`Fill`]. A 32 MiB disk therefore costs nothing until
//! used, and a cloned checkpoint of it (for stepping backward) stays cheap.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// Granularity of the sparse map: a write allocates whole chunks of this size.
pub const CHUNK_SIZE: u64 = 4096;

/// What an unwritten byte reads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Fill {
    /// A freshly zeroed disk.
    Zero,
    /// Every byte is a fixed function of its absolute offset (see
    /// [`Fill::byte_at`]), so a read of pre-existing data can be checked without
    /// having written it first, and a read from the wrong offset shows.
    OffsetPattern,
}

impl Fill {
    /// The byte an unwritten disk holds at `offset`. The pattern mixes in higher
    /// bits so that it does not simply repeat every 256 bytes.
    pub fn byte_at(self, offset: u64) -> u8 {
        match self {
            Self::Zero => 0,
            Self::OffsetPattern => (offset ^ (offset >> 8) ^ (offset >> 16)) as u8,
        }
    }

    /// Fills `buf` as if it had been read unwritten from `offset` onwards.
    pub fn fill(self, offset: u64, buf: &mut [u8]) {
        match self {
            Self::Zero => buf.fill(0),
            Self::OffsetPattern => {
                // Within one aligned 256-byte run only the low byte of the offset changes,
                // so the rest of the pattern is one constant per run (and this loop is
                // simple enough to vectorise).
                let mut at = offset;
                let mut rest = buf;
                while !rest.is_empty() {
                    let run = ((256 - (at % 256)) as usize).min(rest.len());
                    let (now, later) = rest.split_at_mut(run);
                    let high = ((at >> 8) ^ (at >> 16)) as u8;
                    for (i, byte) in now.iter_mut().enumerate() {
                        *byte = (at as u8).wrapping_add(i as u8) ^ high;
                    }
                    at += run as u64;
                    rest = later;
                }
            }
        }
    }
}

/// A disk's contents: `capacity` bytes, of which only written chunks are stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Storage {
    capacity: u64,
    fill: Fill,
    /// Chunk index (offset / [`CHUNK_SIZE`]) → that chunk's bytes. A `BTreeMap` so
    /// that iteration, and so anything derived from it, is ordered.
    chunks: BTreeMap<u64, Box<[u8]>>,
}

impl fmt::Debug for Storage {
    /// Summarises instead of dumping every chunk.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("capacity", &self.capacity)
            .field("fill", &self.fill)
            .field("chunks_written", &self.chunks.len())
            .finish()
    }
}

impl Storage {
    pub fn new(capacity: u64, fill: Fill) -> Self {
        Self {
            capacity,
            fill,
            chunks: BTreeMap::new(),
        }
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    pub fn fill_kind(&self) -> Fill {
        self.fill
    }

    /// How many chunks hold written data: the memory the disk really uses.
    pub fn chunks_written(&self) -> usize {
        self.chunks.len()
    }

    /// Copies `buf.len()` bytes starting at `offset` into `buf`. The range must lie
    /// within the disk; the driver checks requests before they get here.
    pub fn read(&self, offset: u64, buf: &mut [u8]) {
        self.check_range(offset, buf.len());
        let mut done = 0;
        while done < buf.len() {
            let at = offset + done as u64;
            let (index, within, n) = Self::piece(at, buf.len() - done);
            let out = &mut buf[done..done + n];
            match self.chunks.get(&index) {
                Some(chunk) => out.copy_from_slice(&chunk[within..within + n]),
                None => self.fill.fill(at, out),
            }
            done += n;
        }
    }

    /// Stores `data` starting at `offset`. The range must lie within the disk.
    pub fn write(&mut self, offset: u64, data: &[u8]) {
        self.check_range(offset, data.len());
        let mut done = 0;
        while done < data.len() {
            let at = offset + done as u64;
            let (index, within, n) = Self::piece(at, data.len() - done);
            let fill = self.fill;
            let chunk = self.chunks.entry(index).or_insert_with(|| {
                // A new chunk starts as what it read as before: the fill.
                let mut fresh = vec![0; CHUNK_SIZE as usize].into_boxed_slice();
                fill.fill(index * CHUNK_SIZE, &mut fresh);
                fresh
            });
            chunk[within..within + n].copy_from_slice(&data[done..done + n]);
            done += n;
        }
    }

    /// The chunk holding `at`, the position of `at` inside it, and how many of the
    /// `remaining` bytes fit before the chunk ends.
    fn piece(at: u64, remaining: usize) -> (u64, usize, usize) {
        let index = at / CHUNK_SIZE;
        let within = (at % CHUNK_SIZE) as usize;
        let n = remaining.min(CHUNK_SIZE as usize - within);
        (index, within, n)
    }

    fn check_range(&self, offset: u64, len: usize) {
        let end = offset.checked_add(len as u64);
        assert!(
            end.is_some_and(|end| end <= self.capacity),
            "storage access {offset}+{len} past capacity {}",
            self.capacity
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_vec(storage: &Storage, offset: u64, len: usize) -> Vec<u8> {
        let mut buf = vec![0xAA; len];
        storage.read(offset, &mut buf);
        buf
    }

    #[test]
    fn written_bytes_read_back() {
        let mut s = Storage::new(1 << 20, Fill::Zero);
        s.write(1000, b"hello, disk");
        assert_eq!(read_vec(&s, 1000, 11), b"hello, disk");
        assert_eq!(s.chunks_written(), 1);
    }

    #[test]
    fn unwritten_reads_give_the_fill() {
        let zero = Storage::new(1 << 20, Fill::Zero);
        assert_eq!(read_vec(&zero, 12_345, 64), vec![0; 64]);

        let pattern = Storage::new(1 << 20, Fill::OffsetPattern);
        let got = read_vec(&pattern, 70_000, 600);
        let want: Vec<u8> = (70_000..70_600)
            .map(|o| Fill::OffsetPattern.byte_at(o))
            .collect();
        assert_eq!(got, want);
        assert_eq!(pattern.chunks_written(), 0, "reads never allocate");
    }

    #[test]
    fn offset_pattern_does_not_repeat_every_256_bytes() {
        let f = Fill::OffsetPattern;
        assert_ne!(f.byte_at(0), f.byte_at(256));
        assert_ne!(f.byte_at(0), f.byte_at(65_536));
    }

    #[test]
    fn partial_write_keeps_the_fill_around_it() {
        let mut s = Storage::new(1 << 20, Fill::OffsetPattern);
        s.write(4100, &[0xFF; 4]);
        let got = read_vec(&s, 4096, 12);
        let f = Fill::OffsetPattern;
        let mut want: Vec<u8> = (4096..4108).map(|o| f.byte_at(o)).collect();
        want[4..8].fill(0xFF);
        assert_eq!(got, want);
    }

    #[test]
    fn write_spanning_chunk_boundaries_reads_back() {
        let mut s = Storage::new(1 << 20, Fill::Zero);
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
        s.write(CHUNK_SIZE - 3, &data);
        assert_eq!(s.chunks_written(), 4);
        assert_eq!(read_vec(&s, CHUNK_SIZE - 3, data.len()), data);
        // A read straddling written and unwritten chunks.
        let tail = read_vec(&s, CHUNK_SIZE - 3 + 9_990, 20);
        assert_eq!(&tail[..10], &data[9_990..]);
        assert_eq!(&tail[10..], &[0; 10]);
    }

    #[test]
    fn last_byte_is_reachable() {
        let mut s = Storage::new(10_000, Fill::Zero);
        s.write(9_999, &[42]);
        assert_eq!(read_vec(&s, 9_999, 1), vec![42]);
        assert_eq!(read_vec(&s, 10_000, 0), Vec::<u8>::new());
    }

    #[test]
    #[should_panic(expected = "past capacity")]
    fn write_past_capacity_panics() {
        Storage::new(10_000, Fill::Zero).write(9_999, &[1, 2]);
    }

    #[test]
    #[should_panic(expected = "past capacity")]
    fn read_past_capacity_panics() {
        Storage::new(10_000, Fill::Zero).read(u64::MAX, &mut [0]);
    }

    const MODEL_CAPACITY: u64 = 5 * CHUNK_SIZE + 123;

    fn write_op() -> impl Strategy<Value = (u64, Vec<u8>)> {
        (0..MODEL_CAPACITY).prop_flat_map(|offset| {
            let room = (MODEL_CAPACITY - offset).min(3 * CHUNK_SIZE) as usize;
            (
                Just(offset),
                proptest::collection::vec(any::<u8>(), 0..=room),
            )
        })
    }

    proptest! {
        #[test]
        fn behaves_like_a_plain_vec(
            pattern in any::<bool>(),
            writes in proptest::collection::vec(write_op(), 0..20),
            read_at in 0..MODEL_CAPACITY,
        ) {
            let fill = if pattern { Fill::OffsetPattern } else { Fill::Zero };
            let mut model = vec![0; MODEL_CAPACITY as usize];
            fill.fill(0, &mut model);
            let mut s = Storage::new(MODEL_CAPACITY, fill);
            for (offset, data) in &writes {
                s.write(*offset, data);
                model[*offset as usize..*offset as usize + data.len()].copy_from_slice(data);
            }
            prop_assert_eq!(read_vec(&s, 0, model.len()), model.clone());
            let len = (MODEL_CAPACITY - read_at) as usize;
            prop_assert_eq!(read_vec(&s, read_at, len), &model[read_at as usize..]);
        }
    }
}
