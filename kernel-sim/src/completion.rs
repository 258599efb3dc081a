//! How a finished request reaches its program, besides a plain wait: user APCs queued to
//! the issuing thread ([`apc`]), and completion ports ([`port`]).

pub mod apc;
pub mod port;

pub use port::{CompletionPort, Packet};
