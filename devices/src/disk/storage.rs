//! The disk's actual bytes, so data written by a program really comes back on read.
//!
//! Storage is sparse: only 4 KiB chunks that have been written take memory, and an
//! unwritten byte reads as its [`Fill`]. A 32 MiB disk therefore costs nothing until
//! used.
//!
//! It is also cheap to copy, because the walkthrough keeps a checkpoint of the whole
//! machine every few hundred steps and a disk holding a 64 MiB file must not be copied
//! into each one. The chunks hang off a small radix tree, the way a CPU's page tables
//! map pages:
//!
//! ```text
//!   root ──► [64 pointers] ──► [64 pointers] ──► [64 pointers] ──► 4 KiB chunk
//!            bits 17..12        bits 11..6         bits 5..0       of the chunk index
//! ```
//!
//! Every node and chunk is reference-counted and shared between copies. A clone copies
//! the root pointer, O(1). A write copies only what it touches that is still shared:
//! the nodes on the way down to its chunk (64 pointers each) and the chunk itself. The
//! tree has as many levels as the disk's chunk count needs (3 for the default 32 MiB
//! disk, 6 for the largest a scenario allows). A hand-written tree rather than a
//! persistent-collections crate: this is all the sharing the disk needs.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// Granularity of the storage: a write allocates whole chunks of this size.
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
#[derive(Clone)]
pub struct Storage {
    capacity: u64,
    fill: Fill,
    /// Inner levels between the root and the chunks; 0 when one chunk holds the disk.
    levels: u32,
    /// `None` until something is written.
    root: Option<Node>,
    /// Chunks holding written data.
    chunks_written: usize,
}

/// One chunk's bytes.
type Chunk = [u8; CHUNK];
const CHUNK: usize = CHUNK_SIZE as usize;

/// Chunk-index bits each inner level decides.
const FANOUT_BITS: u32 = 6;
/// Children of an inner node.
const FANOUT: usize = 1 << FANOUT_BITS;

/// A node of the tree: inner nodes above level 0, chunks at level 0.
#[derive(Clone)]
enum Node {
    Inner(Arc<[Option<Node>; FANOUT]>),
    Chunk(Arc<Chunk>),
}

/// Which child of a node at `level` (1 = just above the chunks) leads to chunk `index`.
fn child_slot(index: u64, level: u32) -> usize {
    ((index >> (FANOUT_BITS * (level - 1))) as usize) & (FANOUT - 1)
}

impl fmt::Debug for Storage {
    /// Summarises instead of dumping every chunk, with a digest of what is written (each
    /// chunk's index and bytes), so two storages that hold different bytes never print
    /// alike: comparing two kernels' `Debug` compares their disks' contents too.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digest = self.written().fold(0u64, |h, (index, chunk)| {
            let h = (h ^ index).wrapping_mul(0x0000_0100_0000_01b3);
            (h ^ kernel_sim::io::irp::checksum(chunk)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        f.debug_struct("Storage")
            .field("capacity", &self.capacity)
            .field("fill", &self.fill)
            .field("chunks_written", &self.chunks_written)
            .field("digest", &format_args!("{digest:016x}"))
            .finish()
    }
}

impl PartialEq for Storage {
    /// The same capacity and fill, and the same chunks written with the same bytes.
    fn eq(&self, other: &Self) -> bool {
        self.capacity == other.capacity
            && self.fill == other.fill
            && self.chunks_written == other.chunks_written
            && self.written().eq(other.written())
    }
}

impl Eq for Storage {}

impl Storage {
    pub fn new(capacity: u64, fill: Fill) -> Self {
        let chunks = capacity.div_ceil(CHUNK_SIZE).max(1);
        // Enough levels of FANOUT_BITS bits for the highest chunk index.
        let index_bits = u64::BITS - (chunks - 1).leading_zeros();
        Self {
            capacity,
            fill,
            levels: index_bits.div_ceil(FANOUT_BITS),
            root: None,
            chunks_written: 0,
        }
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    pub fn fill_kind(&self) -> Fill {
        self.fill
    }

    /// How many chunks hold written data: the memory the disk's data really uses
    /// (shared with every copy until one of them writes).
    pub fn chunks_written(&self) -> usize {
        self.chunks_written
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
            match self.chunk(index) {
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
            self.chunk_mut(index)[within..within + n].copy_from_slice(&data[done..done + n]);
            done += n;
        }
    }

    /// The written chunk `index`, if there is one.
    fn chunk(&self, index: u64) -> Option<&Chunk> {
        let mut node = self.root.as_ref()?;
        for level in (1..=self.levels).rev() {
            let Node::Inner(children) = node else {
                unreachable!("a chunk above level 0");
            };
            node = children[child_slot(index, level)].as_ref()?;
        }
        let Node::Chunk(chunk) = node else {
            unreachable!("an inner node at level 0");
        };
        Some(chunk)
    }

    /// Chunk `index`, ready to write: created from the fill if it was never written, and
    /// copied first, with the nodes above it, where another copy of the storage shares it.
    fn chunk_mut(&mut self, index: u64) -> &mut Chunk {
        let Self {
            root,
            levels,
            fill,
            chunks_written,
            ..
        } = self;
        let mut slot = root;
        for level in (1..=*levels).rev() {
            let node = slot.get_or_insert_with(|| Node::Inner(Arc::new([const { None }; FANOUT])));
            let Node::Inner(children) = node else {
                unreachable!("a chunk above level 0");
            };
            slot = &mut Arc::make_mut(children)[child_slot(index, level)];
        }
        let node = slot.get_or_insert_with(|| {
            // A new chunk starts as what it read as before: the fill.
            *chunks_written += 1;
            let mut fresh = [0; CHUNK];
            fill.fill(index * CHUNK_SIZE, &mut fresh);
            Node::Chunk(Arc::new(fresh))
        });
        let Node::Chunk(chunk) = node else {
            unreachable!("an inner node at level 0");
        };
        Arc::make_mut(chunk)
    }

    /// The written chunks in index order, with their indices.
    fn written(&self) -> impl Iterator<Item = (u64, &Chunk)> {
        // Depth-first, children in order: a stack of nodes with their index so far.
        let mut stack: Vec<(&Node, u64)> = self.root.iter().map(|root| (root, 0)).collect();
        std::iter::from_fn(move || {
            while let Some((node, index)) = stack.pop() {
                match node {
                    Node::Chunk(chunk) => return Some((index, &**chunk)),
                    Node::Inner(children) => {
                        for (slot, child) in children.iter().enumerate().rev() {
                            if let Some(child) = child {
                                stack.push((child, (index << FANOUT_BITS) | slot as u64));
                            }
                        }
                    }
                }
            }
            None
        })
    }

    /// The chunk holding `at`, the position of `at` inside it, and how many of the
    /// `remaining` bytes fit before the chunk ends.
    fn piece(at: u64, remaining: usize) -> (u64, usize, usize) {
        let index = at / CHUNK_SIZE;
        let within = (at % CHUNK_SIZE) as usize;
        let n = remaining.min(CHUNK - within);
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
    fn debug_output_tells_different_contents_apart() {
        let mut a = Storage::new(1 << 20, Fill::Zero);
        let mut b = a.clone();
        a.write(100, b"one");
        b.write(100, b"two");
        assert_eq!(a.chunks_written(), b.chunks_written());
        assert_ne!(format!("{a:?}"), format!("{b:?}"));
        b.write(100, b"one");
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
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

    #[test]
    fn a_storage_has_the_levels_its_chunk_count_needs() {
        assert_eq!(Storage::new(CHUNK_SIZE, Fill::Zero).levels, 0);
        assert_eq!(Storage::new(64 * CHUNK_SIZE, Fill::Zero).levels, 1);
        assert_eq!(Storage::new(64 * CHUNK_SIZE + 1, Fill::Zero).levels, 2);
        // The default 32 MiB disk: 8192 chunks, 13 bits, 3 levels.
        assert_eq!(Storage::new(32 << 20, Fill::Zero).levels, 3);
        assert_eq!(Storage::new(u64::MAX, Fill::Zero).levels, 9);
        // The last byte of the largest storage is reachable.
        let mut s = Storage::new(u64::MAX, Fill::Zero);
        s.write(u64::MAX - 1, &[7]);
        assert_eq!(read_vec(&s, u64::MAX - 1, 1), [7]);
    }

    #[test]
    fn clones_share_every_chunk_until_one_writes() {
        // 64 MiB written, then copied a thousand times, as the walkthrough's checkpoints
        // copy the disk.
        const MIB_64: usize = 64 << 20;
        let mut original = Storage::new(2 * MIB_64 as u64, Fill::OffsetPattern);
        original.write(0, &vec![b'x'; MIB_64]);
        let chunks = MIB_64 / CHUNK;
        assert_eq!(original.chunks_written(), chunks);
        let mut copies: Vec<Storage> = (0..1000).map(|_| original.clone()).collect();
        // No chunk was copied: across all the copies there are still only the original's
        // chunks in memory.
        let address = |s: &Storage, i: usize| s.chunk(i as u64).map(|c| c as *const Chunk);
        let mut distinct = std::collections::BTreeSet::new();
        for copy in &copies {
            for i in (0..chunks).step_by(97) {
                distinct.insert(address(copy, i).expect("written"));
            }
        }
        assert_eq!(distinct.len(), chunks.div_ceil(97));
        for i in 0..chunks {
            assert_eq!(address(&copies[999], i), address(&original, i));
        }
        // A write copies only the chunk it touches; the others stay shared, and no
        // other copy sees it.
        copies[500].write(4096 * 7 + 3, b"new");
        for i in 0..chunks {
            let shared = address(&copies[500], i) == address(&original, i);
            assert_eq!(shared, i != 7, "chunk {i}");
        }
        assert_eq!(read_vec(&copies[500], 4096 * 7 + 3, 3), b"new");
        assert_eq!(read_vec(&original, 4096 * 7 + 3, 3), b"xxx");
        assert_eq!(read_vec(&copies[501], 4096 * 7 + 3, 3), b"xxx");
        assert_ne!(copies[500], original);
        assert_eq!(copies[501], original);
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
            // A copy taken now keeps these bytes whatever the original does next.
            let copy = s.clone();
            s.write(0, &vec![0x5A; MODEL_CAPACITY as usize]);
            prop_assert_eq!(read_vec(&copy, 0, model.len()), model.clone());
            let s = copy;
            let len = (MODEL_CAPACITY - read_at) as usize;
            prop_assert_eq!(read_vec(&s, read_at, len), &model[read_at as usize..]);
        }
    }
}
