//! Filter drivers: drivers that attach above a device's function driver and see every
//! IRP on its way down and, through a completion routine, on its way back up, without
//! knowing how the device works.
//!
//! [`ChecksumFilter`] counts the requests and bytes that pass and checksums the data each
//! one moved, the way a driver that verifies or encrypts data would sit on a disk's
//! stack: it passes every IRP down with a completion routine, and the routine reads the
//! buffer once the function driver below has completed the IRP.
//!
//! [`AuditFilter`] writes a record of every completed request. Its completion routine may
//! run at DISPATCH_LEVEL (in the disk's DPC), where a driver must not wait, and writing a
//! record to a log must run at PASSIVE_LEVEL; so the routine holds the IRP
//! (STATUS_MORE_PROCESSING_REQUIRED) and queues a work item, and the system worker thread
//! writes the record and completes the IRP again, which resumes completion above.

use kernel_sim::io::Major;
use kernel_sim::io::irp::checksum;
use kernel_sim::trace::count;
use kernel_sim::{
    AfterCompletion, DeviceEvent, DeviceEventKind, DeviceView, Dispatch, Driver, DriverCtx, IrpId,
    Lane,
};

/// The filter checked the data a completed IRP moved.
pub static CHECKED: DeviceEventKind = DeviceEventKind {
    name: "FilterChecked",
    small: "",
    values: ["irp", "bytes", "checksum", "seen"],
    irp: Some(0),
    lane: Lane::Same,
    ring_delta: 0,
    explain: |e, names| {
        let device = names.device;
        format!(
            "{device}'s checksum filter reads the {} bytes {} moved and checksums them \
             ({:016x}); it has now seen {}.",
            e.values[1],
            IrpId(e.values[0]),
            e.values[2],
            count(e.values[3] as u32, "request")
        )
    },
    hint: Some(
        "Drivers: the filter saw the IRP twice, on its way down and in its completion routine on the way up; the function driver below never knew.",
    ),
};

/// A filter driver that counts and checksums the data of every request it passes down.
#[derive(Debug, Clone, Default)]
pub struct ChecksumFilter {
    requests: u64,
    bytes: u64,
    /// The checksums of every request's data, folded together in completion order.
    digest: u64,
}

impl Driver for ChecksumFilter {
    fn name(&self) -> &'static str {
        "checksum filter"
    }

    fn dispatch(&mut self, _io: &mut DriverCtx<'_>, _irp: IrpId) -> Dispatch {
        // The data is not there yet for a read: look at it on the way back up.
        Dispatch::PassDown { completion: true }
    }

    fn completion(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> AfterCompletion {
        let request = io.irp(irp);
        let bytes = request.information;
        let sum = checksum(&request.buffer[..bytes as usize]);
        // Reading the buffer costs what copying it would.
        let cost = io.costs().copy_ns(u64::from(bytes));
        io.charge(cost);
        self.requests += 1;
        self.bytes += u64::from(bytes);
        self.digest = (self.digest ^ sum).rotate_left(7);
        io.trace_event(DeviceEvent {
            kind: &CHECKED,
            small: 0,
            values: [irp.0, u64::from(bytes), sum, self.requests],
        });
        AfterCompletion::Continue
    }

    fn stats(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("filter_requests", self.requests),
            ("filter_bytes", self.bytes),
            ("filter_digest", self.digest),
        ]
    }

    fn view(&self) -> DeviceView {
        DeviceView {
            counters: vec![
                ("checksum filter: requests", self.requests.to_string()),
                ("checksum filter: bytes", self.bytes.to_string()),
            ],
            ..DeviceView::default()
        }
    }

    fn clone_box(&self) -> Box<dyn Driver> {
        Box::new(self.clone())
    }
}

/// The audit filter wrote a request's record in its work routine.
pub static RECORDED: DeviceEventKind = DeviceEventKind {
    name: "FilterRecorded",
    small: "",
    values: ["irp", "bytes", "records", "write"],
    irp: Some(0),
    lane: Lane::Same,
    ring_delta: 0,
    // ZwWriteFile: "Callers of ZwWriteFile must be running at IRQL = PASSIVE_LEVEL"
    // (Microsoft Learn: ZwWriteFile function).
    explain: |e, names| {
        let device = names.device;
        let what = if e.values[3] == 1 { "write" } else { "read" };
        let sentence = format!(
            "{device}'s audit filter writes record {} for {} (a {what} of {} bytes) and \
             completes the IRP again.",
            e.values[2],
            IrpId(e.values[0]),
            e.values[1],
        );
        // Said once, at the first record.
        if e.values[2] == 1 {
            format!(
                "{sentence} Simplification: iosim keeps the audit log in memory; a real \
                 filter would write it to a file, with calls such as ZwWriteFile that must be \
                 made at PASSIVE_LEVEL, which is why it waits for its work item."
            )
        } else {
            sentence
        }
    },
    hint: Some(
        "Drivers: the audit filter held the IRP; it completes it again now, and completion resumes above it.",
    ),
};

/// CPU time the audit filter's work routine takes to format and append one record
/// (iosim's figure).
pub const RECORD_NS: u64 = 2_000;

/// A filter driver that writes an audit record of every request at PASSIVE_LEVEL: its
/// completion routine holds the IRP and queues a work item; the work routine writes the
/// record and completes the IRP again.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    records: u64,
    /// Work items queued whose record is not written yet.
    to_write: u64,
}

impl Driver for AuditFilter {
    fn name(&self) -> &'static str {
        "audit filter"
    }

    fn dispatch(&mut self, _io: &mut DriverCtx<'_>, _irp: IrpId) -> Dispatch {
        Dispatch::PassDown { completion: true }
    }

    fn completion(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> AfterCompletion {
        self.to_write += 1;
        io.queue_work_item(irp);
        AfterCompletion::MoreProcessingRequired
    }

    fn uses_work_items(&self) -> bool {
        true
    }

    fn work_item(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) {
        let request = io.irp(irp);
        let (status, bytes) = (request.status, request.information);
        let write = u64::from(request.major == Major::Write);
        io.charge(RECORD_NS);
        self.to_write -= 1;
        self.records += 1;
        io.trace_event(DeviceEvent {
            kind: &RECORDED,
            small: 0,
            values: [irp.0, u64::from(bytes), self.records, write],
        });
        io.complete_irp(irp, status, bytes);
    }

    fn stats(&self) -> Vec<(&'static str, u64)> {
        vec![("audit_records", self.records)]
    }

    fn view(&self) -> DeviceView {
        DeviceView {
            counters: vec![
                ("audit filter: records", self.records.to_string()),
                ("audit filter: records to write", self.to_write.to_string()),
            ],
            ..DeviceView::default()
        }
    }

    fn clone_box(&self) -> Box<dyn Driver> {
        Box::new(self.clone())
    }
}
