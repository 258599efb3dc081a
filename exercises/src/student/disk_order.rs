//! Your disk queue discipline: C-LOOK. Read the exercise in
//! docs/build-it-yourself.md ("disk-order") and the trait in exercises/src/disk_order.rs.
//!
//! C-LOOK, the circular elevator: the head sweeps only upward.
//! 1. Take the request on the lowest track at or above the head (`head.track`).
//! 2. If no request lies at or above the head, take the one on the lowest track of all:
//!    the head jumps back and sweeps up again.
//! 3. Among requests on the same track, take the one that arrived first (the lower
//!    index: `waiting` is in arrival order).
//!
//! Return `Pick { index, direction: Direction::Up }` (import `Direction` from
//! `crate::disk_order`). Grade it with
//! `cargo test -p iosim-exercises --features student`.

use crate::NotWritten;
use crate::disk_order::{DiskOrder, Head, Pick, Request};

/// Your policy.
#[derive(Debug)]
pub struct CLook;

impl DiskOrder for CLook {
    fn pick(&self, _head: Head, _waiting: &[Request]) -> Result<Pick, NotWritten> {
        Err(NotWritten(
            "implement `CLook::pick` in exercises/src/student/disk_order.rs: return the \
             index in `waiting` of the request on the lowest track at or above `head.track`, \
             or, if there is none, of the request on the lowest track of all (the earliest \
             arrival among requests on one track), with `direction: Direction::Up`; see \
             docs/build-it-yourself.md, exercise disk-order",
        ))
    }
}
