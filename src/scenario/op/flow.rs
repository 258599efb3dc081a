//! A program's own course: `repeat`, `exit`.

use kernel_sim::Syscall;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use userland::{Step, StepCtx};

use crate::scenario::declare::{Check, Declare, OpAt, OpForm};
use crate::scenario::limits::*;
use crate::scenario::op::Op;

/// Arguments of `repeat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    /// How many times to run `ops`, 1..=10000000.
    #[schemars(range(min = 1, max = MAX_REPEAT))]
    pub times: u64,
    /// The ops to run each time, in order; 1 to 10000 of them. May contain further repeats.
    #[schemars(length(min = 1, max = MAX_OPS))]
    pub ops: Vec<Op>,
}

/// Arguments of `exit`: none, written `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exit {}

impl OpForm for Repeat {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.number(at.key("times"), self.times, 1, MAX_REPEAT)?;
        d.count(at.key("ops"), "ops", self.ops.len(), 1, MAX_OPS)?;
        d.ops(at.key("ops"), &self.ops)
    }
}

impl OpForm for Exit {
    fn declare<'a, D: Declare<'a>>(&'a self, _: OpAt<'_>, _: &mut D) -> Check {
        Ok(())
    }
}

impl Step for Repeat {
    fn call(&self, _: &mut StepCtx<'_, '_>) -> Syscall {
        unreachable!("a program steps into a repeat's ops (Op::repeat); a repeat makes no call")
    }
}

impl Step for Exit {
    fn call(&self, _: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::Exit
    }
}
