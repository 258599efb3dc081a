//! Invariants checked after every step (filled in below).
