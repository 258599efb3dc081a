//! Spending time: `sleep`, `sleep_ex`, `compute`.

use kernel_sim::Syscall;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use userland::{Step, StepCtx};

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

impl Step for Sleep {
    fn call(&self, _: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::Sleep {
            ns: self.ns,
            alertable: None,
        }
    }
}

impl Step for SleepEx {
    fn call(&self, _: &mut StepCtx<'_, '_>) -> Syscall {
        // SleepEx even when not alertable: the call the program makes is still SleepEx.
        Syscall::Sleep {
            ns: self.ns,
            alertable: Some(self.alertable),
        }
    }
}

impl Step for Compute {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::Compute {
            ns: self.ns,
            pass: cx.pass(),
        }
    }
}
