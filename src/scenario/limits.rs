//! Every range and default the scenario format enforces, in one place.
//!
//! The types in [`model`](super::model) use these for their serde defaults and their
//! JSON Schema annotations, and [`validate`](super::validate()) checks them, so the schema an
//! editor shows and the errors a scenario gets can never disagree.
//!
//! A default that is the simulator's own is not written here but taken from where it is
//! defined: the kernel's in `kernel_sim::costs`, the disk's in
//! `devices::disk::geometry::Geometry::DEFAULT` and `devices::disk::DiskConfig`. Only the
//! format's own figures (ranges, and defaults nothing else has, such as a pipe's capacity)
//! are written out.

use devices::disk::DiskConfig;
use devices::disk::geometry::Geometry;

/// Longest span of virtual time any single field may ask for: 10^12 ns, about 16.7 minutes.
/// Anything longer is almost certainly a unit mistake (seconds typed as nanoseconds).
pub const MAX_NS: u64 = 1_000_000_000_000;

/// Largest single read or write: 16 MiB. Bigger transfers teach nothing new and cost memory.
pub const MAX_TRANSFER: u64 = 16 * 1024 * 1024;

/// Most CPUs a machine may have.
pub const MAX_CPUS: u64 = 64;
/// Default CPU count: one CPU makes every interleaving easy to follow.
pub const DEFAULT_CPUS: u32 = 1;

/// Default scheduler timeslice: the kernel's.
pub use kernel_sim::costs::DEFAULT_TIMESLICE_NS;

/// Default cap on trace events: the kernel's.
pub use kernel_sim::costs::DEFAULT_EVENT_LIMIT;
/// Highest event limit a scenario may ask for: 10^9.
pub const MAX_EVENT_LIMIT: u64 = 1_000_000_000;

/// Default byte budget: the data a run may hold at once (file contents and everything
/// written to a disk, the buffers of requests in flight, and the kernel's own records of
/// requests, packets and APCs), the kernel's default. Every course scenario holds well
/// under 1 MiB.
pub use kernel_sim::costs::DEFAULT_BYTE_BUDGET;
/// Smallest byte budget: 1 MiB.
pub const MIN_BYTE_BUDGET: u64 = 1 << 20;
/// Largest byte budget: 16 GiB, two thirds of the 24 GiB machines the project is built on,
/// which leaves room for the walkthrough's checkpoints and the trace.
pub const MAX_BYTE_BUDGET: u64 = 16 << 30;

/// Most filter drivers on one device's stack.
pub const MAX_FILTERS: u64 = 4;

/// Most devices on a machine.
pub const MAX_DEVICES: u64 = 16;
/// Highest interrupt line: 24 lines, 0..=23, as on an I/O APIC.
pub const MAX_IRQ: u64 = 23;

/// Default sector size in bytes: the disk model's.
pub const DEFAULT_SECTOR_SIZE: u32 = Geometry::DEFAULT.sector_size;
/// Smallest sector size in bytes.
pub const MIN_SECTOR_SIZE: u64 = 512;
/// Largest sector size in bytes ("advanced format" disks use 4096).
pub const MAX_SECTOR_SIZE: u64 = 4096;

/// Default sectors per track: the disk model's.
pub const DEFAULT_SECTORS_PER_TRACK: u32 = Geometry::DEFAULT.sectors_per_track;
/// Most sectors per track.
pub const MAX_SECTORS_PER_TRACK: u64 = 4096;

/// Default track count: the disk model's.
pub const DEFAULT_TRACKS: u32 = Geometry::DEFAULT.tracks;
/// Most tracks.
pub const MAX_TRACKS: u64 = 1_000_000;

/// Default spindle speed: the disk model's.
pub const DEFAULT_RPM: u32 = Geometry::DEFAULT.rpm;
/// Fastest spindle speed.
pub const MAX_RPM: u64 = 20_000;

/// Default head settle time for any seek: the disk model's.
pub const DEFAULT_SEEK_SETTLE_NS: u64 = Geometry::DEFAULT.seek_settle_ns;
/// Default seek time per track crossed: the disk model's.
pub const DEFAULT_SEEK_NS_PER_TRACK: u64 = Geometry::DEFAULT.seek_ns_per_track;

/// Default DMA descriptor ring size: the disk's (`devices::disk::DiskConfig::default`),
/// which is not a constant, so it is asked for when a scenario leaves the size out.
pub fn default_ring_size() -> u32 {
    u32::try_from(DiskConfig::default().ring_size).expect("the default ring is small")
}
/// Largest DMA descriptor ring.
pub const MAX_RING_SIZE: u64 = 4096;
/// Packets one GetQueuedCompletionStatusEx may take.
pub const MAX_BATCH: u64 = 1024;
/// A disk's media error rate is in transfers per million: all of them at most.
pub const MAX_MEDIA_ERROR_PPM: u64 = 1_000_000;

/// Default scatter/gather segment size: one 4 KiB page.
pub const DEFAULT_MAX_SEGMENT: u32 = 4096;
/// Smallest scatter/gather segment, bytes.
pub const MIN_SEGMENT: u64 = 512;
/// Largest scatter/gather segment, bytes.
pub const MAX_SEGMENT: u64 = 65_536;

/// Largest initial content of one file: 64 MiB. The bytes are built in memory before the run.
pub const MAX_CONTENT: u64 = 64 * 1024 * 1024;

/// Most files a scenario may declare.
pub const MAX_FILES: u64 = 256;

/// Most processes.
pub const MAX_PROCESSES: u64 = 64;
/// Most threads in one process.
pub const MAX_THREADS: u64 = 256;
/// Most ops in one list (a thread's program or a repeat's body).
pub const MAX_OPS: u64 = 10_000;
/// Most iterations of one repeat: 10^7.
pub const MAX_REPEAT: u64 = 10_000_000;
/// Highest completion port concurrency (0 means "number of CPUs").
pub const MAX_CONCURRENCY: u64 = 256;

/// Most handles one `wait_objects` may name: MAXIMUM_WAIT_OBJECTS, the kernel's own limit.
pub const MAX_WAIT_OBJECTS: u64 = kernel_sim::object::MAX_WAIT_OBJECTS as u64;
/// Largest semaphore count or maximum: 2^31 - 1, as Windows keeps the count in a LONG.
pub const MAX_SEMAPHORE_COUNT: u64 = i32::MAX as u64;

/// Default pipe buffer, bytes: one 4 KiB page. Windows takes the size CreatePipe and
/// CreateNamedPipe are given only as a suggestion (Microsoft Learn: CreatePipe); iosim's
/// pipe holds exactly its capacity.
pub const DEFAULT_PIPE_CAPACITY: u32 = 4096;
/// Largest pipe buffer, bytes: 1 MiB. A pipe holds up to its capacity of bytes written and
/// not yet read, in the pipe driver's memory, and the run's byte budget does not count
/// them: the limit bounds what each pipe can hold, at 256 times the default, far more than
/// a lesson about a full pipe needs.
pub const MAX_PIPE_CAPACITY: u64 = 1 << 20;
/// How every named pipe's name starts: the local machine's pipe namespace.
pub const PIPE_PREFIX: &str = r"\\.\pipe\";
/// Pattern of a named pipe's name: [`PIPE_PREFIX`], then 1 to 64 letters, digits, `_`,
/// `.` and `-` (Windows allows any character but `\`, up to 256 in all; iosim keeps to
/// the characters of its other names, which print safely in a terminal).
pub const PIPE_NAME_PATTERN: &str = r"^\\\\\.\\pipe\\[A-Za-z0-9_.-]{1,64}$";

/// Most expectations a scenario may state: each is checked at every step of the run, so
/// the number bounds what checking costs; a course exercise asks a handful.
pub const MAX_EXPECTATIONS: u64 = 256;
/// Longest order an expectation may state (`order.is`): a run keeps only that many
/// entries (and one more) of what it orders, however long it is.
pub const MAX_ORDER_LEN: u64 = 1024;

/// Longest name of any kind, in characters.
pub const MAX_NAME_LEN: usize = 64;

/// Pattern of a scenario name.
pub const SCENARIO_NAME_PATTERN: &str = "^[a-z0-9-]{1,64}$";
/// Pattern of a device name.
pub const DEVICE_NAME_PATTERN: &str = "^[a-z0-9_-]{1,64}$";
/// Pattern of every other name: files, processes, threads, handles (of every kind), tags,
/// routines.
pub const LABEL_PATTERN: &str = "^[A-Za-z0-9_.-]{1,64}$";

/// Largest scenario file, in bytes: 16 MiB. Scenarios are read whole before anything is
/// checked, and a file that never ends (`/dev/zero`, a pipe) would otherwise be read until
/// memory runs out, so at most this many bytes (and one more, to know) are read.
///
/// The figure fits every scenario an instructor writes with room to spare: the shipped ones
/// are under 5 KB, and 16 MiB holds 250,000 ops written out one by one, or a 4 MiB file
/// content as a `bytes` list; anything longer is generated, and `repeat` says it in a line.
/// Checking a file this size takes under 100 MB: about 5 bytes of memory per byte of text,
/// the text itself included (measured on 15 MB of reads: 73 MB peak).
pub const MAX_SCENARIO_BYTES: u64 = 16 * 1024 * 1024;
