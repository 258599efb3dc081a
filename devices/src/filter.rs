//! Filter drivers: drivers that attach above a device's function driver and see every
//! IRP on its way down and, through a completion routine, on its way back up, without
//! knowing how the device works.
//!
//! [`ChecksumFilter`] counts the requests and bytes that pass and checksums the data each
//! one moved, the way a driver that verifies or encrypts data would sit on a disk's
//! stack: it passes every IRP down with a completion routine, and the routine reads the
//! buffer once the function driver below has completed the IRP.

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
                ("checksum filter: requests", self.requests),
                ("checksum filter: bytes", self.bytes),
            ],
            ..DeviceView::default()
        }
    }

    fn clone_box(&self) -> Box<dyn Driver> {
        Box::new(self.clone())
    }
}
