//! A disk that fails transfers at a rate (media errors drawn from the disk's own random
//! stream): a failed read reaches its caller as ERROR_IO_DEVICE, and the same seed fails
//! the same reads.

use devices::disk::order::Policy;
use devices::disk::{DiskConfig, DiskDriver, DiskHardware};
use kernel_sim::io::Status;
use kernel_sim::{
    Costs, IoMode, Kernel, MachineConfig, ProgramCtx, Syscall, SyscallResult, ThreadProgram,
};
use std::sync::{Arc, Mutex};

/// Opens the file, then reads its first 512 bytes `reads` times, logging each result.
#[derive(Debug, Clone)]
struct Reader {
    reads: u32,
    handle: Option<kernel_sim::Handle>,
    log: Arc<Mutex<Vec<SyscallResult>>>,
}

impl ThreadProgram for Reader {
    fn next(&mut self, cx: &mut ProgramCtx<'_>) -> Syscall {
        match (self.handle, *cx.last) {
            (None, SyscallResult::Handle(h)) => self.handle = Some(h),
            (Some(_), result) => self.log.lock().unwrap().push(result),
            (None, _) => {
                return Syscall::Open {
                    path: "f".into(),
                    overlapped: false,
                };
            }
        }
        if self.reads == 0 {
            return Syscall::Exit;
        }
        self.reads -= 1;
        Syscall::Read {
            handle: self.handle.expect("opened"),
            offset: Some(0),
            len: 512,
            mode: IoMode::Sync,
        }
    }

    fn clone_box(&self) -> Box<dyn ThreadProgram> {
        Box::new(self.clone())
    }
}

/// Each read's status, on a disk failing `ppm` transfers per million, under `seed`.
fn statuses(ppm: u32, reads: u32, seed: u64) -> Vec<Status> {
    let mut k = Kernel::new(MachineConfig {
        cpus: 1,
        costs: Costs::default(),
        seed,
        byte_budget: kernel_sim::costs::DEFAULT_BYTE_BUDGET,
    });
    let disk = DiskHardware::new(DiskConfig {
        media_error_ppm: ppm,
        ..DiskConfig::default()
    });
    let driver = DiskDriver::new(&disk, Policy::Fifo, 4096);
    let device = k.add_device("disk0", Box::new(disk), Box::new(driver));
    k.add_file("f", device, 0, 4096, &[]);
    let p = k.add_process("app", Vec::new());
    let log = Arc::new(Mutex::new(Vec::new()));
    let reader = Reader {
        reads,
        handle: None,
        log: log.clone(),
    };
    k.add_thread(p, "T", 0, Box::new(reader));
    k.run(1_000_000).expect("the run ends");
    log.lock()
        .unwrap()
        .iter()
        .map(|r| match *r {
            SyscallResult::Io { status, .. } => status,
            SyscallResult::Failed(status) => status,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn a_disk_that_always_fails_fails_every_read_with_a_device_error() {
    let got = statuses(1_000_000, 3, 1);
    assert_eq!(got, [Status::DeviceError; 3]);
    assert_eq!(Status::DeviceError.win32_name(), "ERROR_IO_DEVICE");
}

#[test]
fn a_disk_without_errors_never_fails() {
    assert!(statuses(0, 20, 1).iter().all(|&s| s == Status::Success));
}

#[test]
fn the_same_seed_fails_the_same_reads_and_another_seed_others() {
    let a = statuses(300_000, 40, 7);
    assert_eq!(a, statuses(300_000, 40, 7));
    let failed = a.iter().filter(|&&s| s == Status::DeviceError).count();
    // About 30% of 40: the rate is honoured, roughly.
    assert!((4..=24).contains(&failed), "{failed} of 40 failed");
    assert_ne!(a, statuses(300_000, 40, 8), "another seed, other failures");
}
