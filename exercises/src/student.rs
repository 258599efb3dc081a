//! The student's files: one per exercise. Each starts as a stub that compiles and returns
//! [`NotWritten`](crate::NotWritten) with what to do next; the student replaces the stub's
//! body. `cargo test -p iosim-exercises --features student` grades them.

pub mod disk_dpc;
pub mod disk_order;
pub mod port_worker;
