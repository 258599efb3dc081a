//! A fixed ring of DMA descriptors shared by a driver and its device, as in a NIC's
//! receive/transmit rings or an AHCI command list.
//!
//! Every slot has exactly one owner at a time, and ownership only moves forward
//! around the ring. Three indices chase each other:
//!
//! ```text
//!            reap          head                tail
//!             v             v                   v
//!   +------+------+------+------+------+------+------+------+
//!   | Free |Driver|Driver|Device|Device|Device| Free | Free |
//!   +------+------+------+------+------+------+------+------+
//!            done, not     posted, the device   empty: the driver
//!            yet reaped    works on `head`      fills `tail` next
//! ```
//!
//! 1. The driver [`post`](DmaRing::post)s a descriptor at `tail`; the slot becomes
//!    [`SlotOwner::Device`].
//! 2. The device reads the descriptor at `head`, moves the bytes, and
//!    [`device_complete`](DmaRing::device_complete)s it; the slot becomes
//!    [`SlotOwner::Driver`] and carries the status.
//! 3. The driver (in its DPC) [`reap`](DmaRing::reap)s the slot at `reap`, completes
//!    the request it belongs to, and the slot becomes [`SlotOwner::Free`] again.
//!
//! When every slot is in use the ring is full: the driver must hold further requests
//! in its own queue (back-pressure) until it reaps something.

use std::fmt;

use serde::Serialize;

/// Who may touch a slot right now. Real hardware keeps this as an "owned by
/// device" bit in each descriptor; neither side touches a slot it does not own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SlotOwner {
    /// Empty; the driver may fill it.
    Free,
    /// Posted by the driver; the device may consume it.
    Device,
    /// The device has finished it; the driver must reap it.
    Driver,
}

/// One scatter/gather element: a piece of the request's buffer. The ring only
/// describes the buffer; the bytes themselves live in the I/O request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Where the piece starts inside the request's buffer.
    pub buf_offset: u32,
    /// Length of the piece in bytes.
    pub len: u32,
}

/// One transfer the device is asked to perform: "move these buffer pieces to (or
/// from) this device address". The device fills in the status fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Descriptor {
    /// The request id the driver uses to find the request again when it reaps.
    pub tag: u64,
    /// `true` moves memory → device (a write); `false` device → memory (a read).
    pub write: bool,
    /// Byte address on the device where the transfer starts.
    pub device_offset: u64,
    /// The buffer pieces, transferred in order as one contiguous device range.
    pub segments: Vec<Segment>,
    /// Set by the device on completion.
    pub status_ok: bool,
    /// Set by the device on completion: how many bytes it actually moved.
    pub done_bytes: u32,
    /// Set by the driver to take the request back: the device skips the descriptor
    /// when it reaches it.
    pub abort: bool,
    /// Set by the device when it skipped the descriptor.
    pub aborted: bool,
}

impl Descriptor {
    /// A descriptor as the driver posts it: status not yet written by the device.
    pub fn new(tag: u64, write: bool, device_offset: u64, segments: Vec<Segment>) -> Self {
        Self {
            tag,
            write,
            device_offset,
            segments,
            status_ok: false,
            done_bytes: 0,
            abort: false,
            aborted: false,
        }
    }

    /// Bytes the descriptor asks for, summed over its segments (u64 so that a long
    /// list cannot overflow).
    pub fn total_len(&self) -> u64 {
        self.segments.iter().map(|s| u64::from(s.len)).sum()
    }
}

/// Splits a buffer of `len` bytes into a scatter/gather list of pieces of at most
/// `max_segment` bytes (typically the page size), since a real DMA engine works on
/// physically contiguous pieces and a buffer is only contiguous page by page.
/// `len == 0` gives an empty list.
pub fn split_into_segments(len: u32, max_segment: u32) -> Vec<Segment> {
    assert!(
        max_segment > 0,
        "scatter/gather segment size must be positive"
    );
    let mut segments = Vec::with_capacity(len.div_ceil(max_segment) as usize);
    let mut buf_offset = 0;
    while buf_offset < len {
        let piece = max_segment.min(len - buf_offset);
        segments.push(Segment {
            buf_offset,
            len: piece,
        });
        buf_offset += piece;
    }
    segments
}

/// The driver tried to post while every slot was in use. Nothing changed; the
/// driver keeps the request queued and retries after it reaps a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingFull;

impl fmt::Display for RingFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dma ring full")
    }
}

impl std::error::Error for RingFull {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Slot {
    owner: SlotOwner,
    /// `Some` exactly when the owner is not `Free`.
    desc: Option<Descriptor>,
}

/// A fixed-size descriptor ring; see the [module docs](self) for the picture.
///
/// Besides the three indices the ring counts slots per owner, because equal indices
/// alone cannot tell "all free" from "all in use".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DmaRing {
    slots: Vec<Slot>,
    /// Next slot the driver fills.
    tail: usize,
    /// Next slot the device consumes.
    head: usize,
    /// Next slot the driver reaps.
    reap: usize,
    /// Slots owned by the device: `head..tail` in ring order.
    device_owned: usize,
    /// Slots owned by the driver, waiting to be reaped: `reap..head` in ring order.
    driver_owned: usize,
}

impl DmaRing {
    /// A ring of `size` free slots, all indices at 0.
    pub fn new(size: usize) -> Self {
        assert!(size >= 1, "a DMA ring needs at least one slot");
        Self {
            slots: vec![
                Slot {
                    owner: SlotOwner::Free,
                    desc: None,
                };
                size
            ],
            tail: 0,
            head: 0,
            reap: 0,
            device_owned: 0,
            driver_owned: 0,
        }
    }

    /// Number of slots, fixed at creation.
    pub fn size(&self) -> usize {
        self.slots.len()
    }

    /// Slots that are not free: posted to the device or waiting to be reaped.
    pub fn in_use(&self) -> usize {
        self.device_owned + self.driver_owned
    }

    /// Slots the driver could still post into.
    pub fn free_slots(&self) -> usize {
        self.size() - self.in_use()
    }

    /// No free slot: the next [`post`](Self::post) would fail.
    pub fn is_full(&self) -> bool {
        self.in_use() == self.size()
    }

    /// Descriptors posted that the device has not finished.
    pub fn device_owned(&self) -> usize {
        self.device_owned
    }

    /// Descriptors the device finished that the driver has not reaped.
    pub fn driver_owned(&self) -> usize {
        self.driver_owned
    }

    /// Next slot the device consumes.
    pub fn head(&self) -> usize {
        self.head
    }

    /// Next slot the driver fills.
    pub fn tail(&self) -> usize {
        self.tail
    }

    /// Next slot the driver reaps.
    pub fn reap_index(&self) -> usize {
        self.reap
    }

    /// Driver side: hands `desc` to the device in the slot at `tail` and returns that
    /// slot's index. Fails without change when the ring is full.
    pub fn post(&mut self, desc: Descriptor) -> Result<usize, RingFull> {
        if self.is_full() {
            return Err(RingFull);
        }
        let index = self.tail;
        let slot = &mut self.slots[index];
        assert_eq!(
            slot.owner,
            SlotOwner::Free,
            "dma ring slot {index} at tail is not free"
        );
        slot.owner = SlotOwner::Device;
        slot.desc = Some(desc);
        self.tail = self.next(index);
        self.device_owned += 1;
        Ok(index)
    }

    /// Device side: the descriptor the device should work on next, if the driver has
    /// posted one.
    pub fn device_peek(&self) -> Option<(usize, &Descriptor)> {
        if self.device_owned == 0 {
            return None;
        }
        let slot = &self.slots[self.head];
        assert_eq!(
            slot.owner,
            SlotOwner::Device,
            "dma ring slot {} at head is not device-owned",
            self.head
        );
        Some((
            self.head,
            slot.desc.as_ref().expect("device slot holds a descriptor"),
        ))
    }

    /// Device side: finishes the descriptor at `head`, writing its status, hands the
    /// slot back to the driver and returns its index.
    ///
    /// The device only completes what it has [peeked](Self::device_peek); calling
    /// this with nothing posted is a bug in the device model and panics.
    pub fn device_complete(&mut self, ok: bool, bytes: u32) -> usize {
        assert!(
            self.device_owned > 0,
            "device completed a descriptor but none was posted"
        );
        let index = self.head;
        let slot = &mut self.slots[index];
        assert_eq!(
            slot.owner,
            SlotOwner::Device,
            "dma ring slot {index} at head is not device-owned"
        );
        let desc = slot.desc.as_mut().expect("device slot holds a descriptor");
        desc.status_ok = ok;
        desc.done_bytes = bytes;
        slot.owner = SlotOwner::Driver;
        self.head = self.next(index);
        self.device_owned -= 1;
        self.driver_owned += 1;
        index
    }

    /// Device side: gives the descriptor at `head` back unprocessed, as aborted (its
    /// driver took the request back). Returns its index.
    pub fn device_skip(&mut self) -> usize {
        let index = self.device_complete(false, 0);
        self.slots[index]
            .desc
            .as_mut()
            .expect("a finished slot holds a descriptor")
            .aborted = true;
        index
    }

    /// Driver side: the posted descriptor carrying `tag` that the device has not
    /// reached, if any (the one at `head` may be under way).
    pub fn posted_mut(&mut self, tag: u64, skip_head: bool) -> Option<&mut Descriptor> {
        let size = self.size();
        let start = if skip_head { 1 } else { 0 };
        (start..self.device_owned)
            .map(|i| (self.head + i) % size)
            .find(|&i| self.slots[i].desc.as_ref().is_some_and(|d| d.tag == tag))
            .and_then(|i| self.slots[i].desc.as_mut())
    }

    /// Driver side: takes the oldest finished descriptor (at `reap`), freeing its
    /// slot. Descriptors come back in the order they were posted.
    pub fn reap(&mut self) -> Option<(usize, Descriptor)> {
        if self.driver_owned == 0 {
            return None;
        }
        let index = self.reap;
        let slot = &mut self.slots[index];
        assert_eq!(
            slot.owner,
            SlotOwner::Driver,
            "dma ring slot {index} at reap is not driver-owned"
        );
        let desc = slot.desc.take().expect("driver slot holds a descriptor");
        slot.owner = SlotOwner::Free;
        self.reap = self.next(index);
        self.driver_owned -= 1;
        Some((index, desc))
    }

    /// Slot `index`'s owner and descriptor, for drawing the ring.
    pub fn slot(&self, index: usize) -> (SlotOwner, Option<&Descriptor>) {
        assert!(
            index < self.size(),
            "dma ring slot {index} out of range (size {})",
            self.size()
        );
        let slot = &self.slots[index];
        (slot.owner, slot.desc.as_ref())
    }

    /// Every slot's owner, slot 0 first, for drawing the ring.
    pub fn owners(&self) -> impl Iterator<Item = SlotOwner> + '_ {
        self.slots.iter().map(|s| s.owner)
    }

    fn next(&self, index: usize) -> usize {
        (index + 1) % self.size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn desc(tag: u64) -> Descriptor {
        Descriptor::new(
            tag,
            tag.is_multiple_of(2),
            tag * 512,
            split_into_segments(512, 4096),
        )
    }

    /// Checks every documented invariant; called after each operation.
    fn assert_invariants(ring: &DmaRing) {
        let size = ring.size();
        assert!(ring.head() < size && ring.tail() < size && ring.reap_index() < size);
        assert!(ring.in_use() <= size);
        let owners: Vec<_> = ring.owners().collect();
        let non_free = owners.iter().filter(|o| **o != SlotOwner::Free).count();
        assert_eq!(ring.in_use(), non_free);
        // Walk the ring from `reap`: driver-owned, then device-owned, then free.
        for step in 0..size {
            let i = (ring.reap_index() + step) % size;
            let expected = if step < ring.driver_owned() {
                SlotOwner::Driver
            } else if step < ring.in_use() {
                SlotOwner::Device
            } else {
                SlotOwner::Free
            };
            assert_eq!(owners[i], expected, "slot {i}, {step} steps after reap");
            assert_eq!(ring.slot(i).1.is_some(), expected != SlotOwner::Free);
        }
        assert_eq!(
            (ring.reap_index() + ring.driver_owned()) % size,
            ring.head()
        );
        assert_eq!((ring.head() + ring.device_owned()) % size, ring.tail());
    }

    #[test]
    fn new_ring_is_empty() {
        let ring = DmaRing::new(4);
        assert_eq!(ring.size(), 4);
        assert_eq!(ring.in_use(), 0);
        assert_eq!(ring.free_slots(), 4);
        assert!(!ring.is_full());
        assert!(ring.device_peek().is_none());
        assert!(ring.owners().all(|o| o == SlotOwner::Free));
        assert_invariants(&ring);
    }

    #[test]
    #[should_panic(expected = "at least one slot")]
    fn zero_sized_ring_panics() {
        DmaRing::new(0);
    }

    #[test]
    fn descriptor_travels_driver_device_driver_free() {
        let mut ring = DmaRing::new(4);
        assert_eq!(ring.post(desc(7)), Ok(0));
        assert_eq!(ring.slot(0).0, SlotOwner::Device);
        assert!(ring.reap().is_none(), "nothing finished yet");

        let (index, seen) = ring.device_peek().expect("posted");
        assert_eq!((index, seen.tag), (0, 7));
        assert_eq!(ring.device_complete(true, 512), 0);
        assert_eq!(ring.slot(0).0, SlotOwner::Driver);
        assert!(ring.device_peek().is_none());

        let (index, done) = ring.reap().expect("finished");
        assert_eq!(index, 0);
        assert_eq!(done.tag, 7);
        assert!(done.status_ok);
        assert_eq!(done.done_bytes, 512);
        assert_eq!(ring.slot(0), (SlotOwner::Free, None));
        assert_eq!((ring.reap_index(), ring.head(), ring.tail()), (1, 1, 1));
        assert_invariants(&ring);
    }

    #[test]
    fn full_ring_refuses_post_until_reaped() {
        let mut ring = DmaRing::new(2);
        ring.post(desc(1)).unwrap();
        ring.post(desc(2)).unwrap();
        assert!(ring.is_full());
        assert_eq!(ring.post(desc(3)), Err(RingFull));
        // Completing alone does not free a slot: the driver still owns it.
        ring.device_complete(true, 512);
        assert_eq!(ring.post(desc(3)), Err(RingFull));
        ring.reap().unwrap();
        assert_eq!(ring.post(desc(3)), Ok(0), "tail wraps to slot 0");
        assert_invariants(&ring);
    }

    #[test]
    fn failed_transfer_status_reaches_driver() {
        let mut ring = DmaRing::new(1);
        ring.post(desc(9)).unwrap();
        ring.device_complete(false, 100);
        let (_, done) = ring.reap().unwrap();
        assert!(!done.status_ok);
        assert_eq!(done.done_bytes, 100);
    }

    #[test]
    #[should_panic(expected = "none was posted")]
    fn completing_with_nothing_posted_panics() {
        DmaRing::new(2).device_complete(true, 0);
    }

    #[test]
    fn segments_split_at_page_size() {
        assert_eq!(
            split_into_segments(10_000, 4096),
            vec![
                Segment {
                    buf_offset: 0,
                    len: 4096
                },
                Segment {
                    buf_offset: 4096,
                    len: 4096
                },
                Segment {
                    buf_offset: 8192,
                    len: 1808
                },
            ]
        );
        assert_eq!(split_into_segments(4096, 4096).len(), 1);
        assert!(split_into_segments(0, 4096).is_empty());
    }

    #[test]
    fn descriptor_total_len_sums_segments() {
        let d = Descriptor::new(1, false, 0, split_into_segments(10_000, 4096));
        assert_eq!(d.total_len(), 10_000);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Post,
        Complete(bool),
        Reap,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            Just(Op::Post),
            any::<bool>().prop_map(Op::Complete),
            Just(Op::Reap),
        ]
    }

    proptest! {
        #[test]
        fn invariants_hold_under_any_sequence(
            size in 1usize..8,
            ops in proptest::collection::vec(op(), 0..200),
        ) {
            let mut ring = DmaRing::new(size);
            let mut next_tag = 0u64;
            let mut reaped = Vec::new();
            for op in ops {
                match op {
                    Op::Post => {
                        let was_full = ring.is_full();
                        let result = ring.post(desc(next_tag));
                        prop_assert_eq!(result.is_err(), was_full);
                        if result.is_ok() {
                            next_tag += 1;
                        }
                    }
                    Op::Complete(ok) => {
                        if ring.device_peek().is_some() {
                            ring.device_complete(ok, 1);
                        }
                    }
                    Op::Reap => {
                        if let Some((_, d)) = ring.reap() {
                            reaped.push(d.tag);
                        }
                    }
                }
                assert_invariants(&ring);
            }
            // Descriptors come back in posting order, none lost or duplicated.
            let expected: Vec<u64> = (0..reaped.len() as u64).collect();
            prop_assert_eq!(&reaped, &expected);
            prop_assert_eq!(reaped.len() + ring.in_use(), next_tag as usize);
        }

        #[test]
        fn segments_cover_the_buffer_exactly(len in 0u32..100_000, max in 1u32..10_000) {
            let segments = split_into_segments(len, max);
            let mut at = 0;
            for s in &segments {
                prop_assert_eq!(s.buf_offset, at);
                prop_assert!(s.len >= 1 && s.len <= max);
                at += s.len;
            }
            prop_assert_eq!(at, len);
        }
    }
}
