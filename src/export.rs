//! Pictures of a run, made from its trace: a Chrome trace for Perfetto.

pub mod chrome;
