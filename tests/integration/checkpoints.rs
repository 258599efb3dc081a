//! Stepping back is exact: restoring a checkpoint and replaying reaches the very state
//! and trace that stepping forward did.

use crate::load;
use kernel_sim::Kernel;

/// Everything a checkpoint restores, as text, to compare two kernels field by field:
/// the kernel's own state, every driver and its device (rings, queues, stored bytes),
/// and every thread's program.
fn state(k: &Kernel) -> String {
    format!("{k:?}")
}

#[test]
fn replay_from_a_checkpoint_matches_the_forward_run() {
    for name in [
        "tour",
        "iocp-thread-pool",
        "apc-completion-routines",
        "disk-elevator",
    ] {
        let loaded = load(&format!("scenarios/{name}.json"), &[]);
        let mut forward = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
        let mut checkpoints = vec![forward.checkpoint()];
        let mut states = vec![state(&forward)];
        while forward.step() {
            if forward.core().steps.is_multiple_of(16) {
                checkpoints.push(forward.checkpoint());
            }
            states.push(state(&forward));
        }
        let total = states.len() as u64 - 1;
        // Go back to every step from the end, as a student pressing ← would.
        let mut trace = forward.into_trace();
        for target in (0..=total).rev().step_by(7) {
            let cp = checkpoints
                .iter()
                .rev()
                .find(|c| c.steps() <= target)
                .unwrap();
            let mut k = Kernel::restore(cp, trace);
            while k.core().steps < target {
                assert!(k.step());
            }
            assert_eq!(state(&k), states[target as usize], "{name}: step {target}");
            // Forward again to the end, so the next restore starts from a full trace.
            while k.step() {}
            trace = k.into_trace();
        }
    }
}
