//! The reference solutions, one per exercise. The pinned snapshots are their runs, and
//! `cargo test --workspace` (default features) runs them, so every exercise is shown
//! solvable. A student does not need to read them; an instructor may keep them out of
//! the copy students get (docs/build-it-yourself.md).

pub mod disk_dpc;
pub mod disk_order;
pub mod port_worker;
