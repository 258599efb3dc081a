//! `tui`: the ratatui walkthrough of a run, where a student steps forward and back and
//! reads why each step happened.
//!
//! This crate is reserved in the workspace so the dependency arrows are in place from the
//! start (`tui` depends on `kernel-sim`, and only the root crate wires it in); the
//! walkthrough itself is the next piece of work and lands here.
