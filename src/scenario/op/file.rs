//! Opening and closing handles: `open`, `close`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::scenario::limits::*;

/// Arguments of `open`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Open {
    /// Name of a file declared in `files`, or of a named pipe (`\\.\pipe\NAME`) that a
    /// `create_named_pipe` in the scenario creates: opening it connects a client.
    pub path: String,
    /// Handle name the process's ops use for the opened file.
    #[serde(rename = "as")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub handle: String,
}

/// Arguments of `close`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Close {
    /// A name bound in this process: a file handle, a completion port, an event, a
    /// semaphore or a thread handle.
    pub handle: String,
}
