//! Pictures of a run, made from its trace: a Chrome trace for Perfetto, and an SVG
//! timeline for slides.

pub mod chrome;
pub mod irps;
pub mod marks;
pub mod svg;
