//! Reference solution of `disk-order`: C-LOOK.

use crate::NotWritten;
use crate::disk_order::{Direction, DiskOrder, Head, Pick, Request};

/// C-LOOK: the lowest track at or above the head, else the lowest track of all; the
/// earliest arrival on a track.
#[derive(Debug)]
pub struct CLook;

impl DiskOrder for CLook {
    fn pick(&self, head: Head, waiting: &[Request]) -> Result<Pick, NotWritten> {
        // `min_by_key` keeps the first of equal keys: the earliest arrival on a track.
        let lowest = |ahead: bool| {
            waiting
                .iter()
                .enumerate()
                .filter(|(_, r)| !ahead || r.track >= head.track)
                .min_by_key(|(_, r)| r.track)
                .map(|(index, _)| index)
        };
        let index = lowest(true)
            .or_else(|| lowest(false))
            .expect("the driver never asks with an empty queue");
        Ok(Pick {
            index,
            direction: Direction::Up,
        })
    }
}
