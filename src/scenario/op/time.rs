//! Spending time: `sleep`, `sleep_ex`, `compute`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::scenario::declare::{Check, Declare, OpAt, OpForm};
use crate::scenario::limits::*;

/// Arguments of `sleep`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sleep {
    /// How long to sleep, ns.
    #[schemars(range(max = MAX_NS))]
    pub ns: u64,
}

/// Arguments of `sleep_ex`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SleepEx {
    /// How long to sleep, ns.
    #[schemars(range(max = MAX_NS))]
    pub ns: u64,
    /// Whether queued APCs may run during the sleep (and end it early). Default false.
    #[serde(default)]
    pub alertable: bool,
}

/// Arguments of `compute`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Compute {
    /// CPU time to use, ns. Other threads may run in between when the timeslice ends.
    #[schemars(range(max = MAX_NS))]
    pub ns: u64,
}

impl OpForm for Sleep {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.number(at.key("ns"), self.ns, 0, MAX_NS)
    }
}

impl OpForm for SleepEx {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.number(at.key("ns"), self.ns, 0, MAX_NS)
    }
}

impl OpForm for Compute {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.number(at.key("ns"), self.ns, 0, MAX_NS)
    }
}
