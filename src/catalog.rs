//! The scenarios built into the binary, so `iosim run tour` and the walkthrough work from
//! any directory. A name that is not built in is read as a file path.

/// A built-in scenario: its file name (without `.json`) and its JSON text.
pub struct Builtin {
    pub name: &'static str,
    pub source: &'static str,
}

/// Every built-in scenario, the guided tour first.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "tour",
        source: include_str!("../scenarios/tour.json"),
    },
    Builtin {
        name: "apc-completion-routines",
        source: include_str!("../scenarios/apc-completion-routines.json"),
    },
    Builtin {
        name: "iocp-thread-pool",
        source: include_str!("../scenarios/iocp-thread-pool.json"),
    },
    Builtin {
        name: "disk-elevator",
        source: include_str!("../scenarios/disk-elevator.json"),
    },
    Builtin {
        name: "filter-driver",
        source: include_str!("../scenarios/filter-driver.json"),
    },
    Builtin {
        name: "filter-work-item",
        source: include_str!("../scenarios/filter-work-item.json"),
    },
    Builtin {
        name: "events-and-waits",
        source: include_str!("../scenarios/events-and-waits.json"),
    },
    Builtin {
        name: "media-errors",
        source: include_str!("../scenarios/media-errors.json"),
    },
    Builtin {
        name: "cancel-io",
        source: include_str!("../scenarios/cancel-io.json"),
    },
    Builtin {
        name: "pipe-basics",
        source: include_str!("../scenarios/pipe-basics.json"),
    },
    Builtin {
        name: "pipe-completions",
        source: include_str!("../scenarios/pipe-completions.json"),
    },
];

/// The built-in scenario called `name`, if any.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}
