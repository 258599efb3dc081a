//! Completion ports: `create_port`, `bind`, `get_queued`, `post`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::scenario::limits::*;

/// Arguments of `create_port`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePort {
    /// Name the process's ops use for the port.
    #[serde(rename = "as")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub port: String,
    /// Most threads the port lets run at once; threads blocked elsewhere do not count.
    /// 0 means the number of CPUs, as on Windows. Default 0.
    #[serde(default)]
    #[schemars(range(max = MAX_CONCURRENCY))]
    pub concurrency: u32,
}

/// Arguments of `bind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bind {
    /// A file handle or a named pipe's end bound in this process (an anonymous pipe does
    /// only synchronous I/O, so it cannot be bound).
    pub file: String,
    /// Port name bound by `create_port ... as` in this process.
    pub port: String,
    /// Completion key carried by every packet from this file. Default 0.
    #[serde(default)]
    pub key: u64,
}

/// Arguments of `get_queued`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetQueued {
    /// Port name bound by `create_port ... as` in this process.
    pub port: String,
    /// Give up after this long, ns. Default: wait forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub timeout_ns: Option<u64>,
}

/// Arguments of `post`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Post {
    /// Port name bound by `create_port ... as` in this process.
    pub port: String,
    /// Completion key of the packet. Default 0.
    #[serde(default)]
    pub key: u64,
    /// Byte count the packet reports. Default 0.
    #[serde(default)]
    pub bytes: u64,
}
