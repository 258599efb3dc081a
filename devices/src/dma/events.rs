//! The trace events of a DMA ring, for any device that uses one: the driver posts a
//! descriptor and reaps it, the device consumes it. Each names its slot (the small value)
//! and its IRP.

use kernel_sim::trace::count;
use kernel_sim::{DeviceEvent, DeviceEventKind, IrpId, Lane};

/// The driver wrote a descriptor and gave its slot to the device.
pub static POSTED: DeviceEventKind = DeviceEventKind {
    name: "DmaDescriptorPosted",
    small: "slot",
    values: ["irp", "segments", "bytes", ""],
    irp: Some(0),
    lane: Lane::Same,
    ring_delta: 1,
    explain: |e, names| {
        let device = names.device;
        format!(
            "The driver writes DMA descriptor {} for {} ({} bytes in {}) and gives the slot to \
             {device}; its doorbell write tells the device once the descriptors are written.",
            e.small,
            IrpId(e.values[0]),
            e.values[2],
            count(e.values[1] as u32, "scatter/gather segment"),
        )
    },
    hint: Some(
        "DMA ring: the slot marked d belongs to the device now; once the doorbell reaches it, the device works without the CPU.",
    ),
};

/// The device moved a descriptor's bytes and gave its slot back to the driver.
pub static CONSUMED: DeviceEventKind = DeviceEventKind {
    name: "DmaDescriptorConsumed",
    small: "slot",
    values: ["irp", "bytes", "", ""],
    irp: Some(0),
    lane: Lane::EndTransfer,
    ring_delta: 0,
    explain: |e, names| {
        let device = names.device;
        format!(
            "{device} has moved {} bytes for {} by DMA and gives descriptor {} back to the driver.",
            e.values[1],
            IrpId(e.values[0]),
            e.small
        )
    },
    hint: Some(
        "DMA ring: R marks a finished slot, data already in memory; the driver reaps it in its DPC.",
    ),
};

/// The device skipped a descriptor its driver took back (a cancelled request).
pub static SKIPPED: DeviceEventKind = DeviceEventKind {
    name: "DmaDescriptorSkipped",
    small: "slot",
    values: ["irp", "", "", ""],
    irp: Some(0),
    lane: Lane::Same,
    ring_delta: 0,
    explain: |e, names| {
        let device = names.device;
        format!(
            "{device} reaches descriptor {} and skips it: the driver took {} back. No data \
             moves; the slot goes back to the driver.",
            e.small,
            IrpId(e.values[0])
        )
    },
    hint: Some("DMA ring: a cancelled request's slot comes back without moving data."),
};

/// The driver's DPC took a finished (or skipped) descriptor back.
pub static REAPED: DeviceEventKind = DeviceEventKind {
    name: "DmaDescriptorReaped",
    small: "slot",
    values: ["irp", "skipped", "failed", ""],
    irp: Some(0),
    lane: Lane::Same,
    ring_delta: -1,
    explain: |e, names| {
        let device = names.device;
        if e.values[2] != 0 {
            format!(
                "The DPC reaps descriptor {} of {device}, which reports a failure: {}'s \
                 transfer did not happen.",
                e.small,
                IrpId(e.values[0])
            )
        } else if e.values[1] != 0 {
            format!(
                "The DPC reaps descriptor {} of {device}, which the device skipped: {} was taken \
                 back.",
                e.small,
                IrpId(e.values[0])
            )
        } else {
            format!(
                "The DPC reaps descriptor {} of {device}: {}'s transfer is done.",
                e.small,
                IrpId(e.values[0])
            )
        }
    },
    hint: Some(
        "DMA ring: the slot is free again, so the driver can start another IRP from its queue.",
    ),
};

/// An event of `kind` about `slot` and `irp`, with up to three more values.
pub fn event(
    kind: &'static DeviceEventKind,
    slot: usize,
    irp: IrpId,
    more: [u64; 3],
) -> DeviceEvent {
    DeviceEvent {
        kind,
        small: slot as u16,
        values: [irp.0, more[0], more[1], more[2]],
    }
}
