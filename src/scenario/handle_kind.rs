//! What a name bound in a process stands for, and what each op needs it to be.
//!
//! The ops that return a handle bind a name to it with `as`: `open` a file handle (or, on
//! a name `\\.\pipe\...`, an end of a named pipe), `create_port` a completion port,
//! `create_event` an event, `create_semaphore` a semaphore, `open_thread` a thread handle,
//! `create_named_pipe` the server's end of a named pipe, and `duplicate_handle` a second
//! handle of the same kind as the first; `create_pipe` binds two names, an anonymous
//! pipe's read end (`read_as`) and its write end (`write_as`). Each op that takes a handle
//! wants some of these kinds ([`Wanted`]); validation compares the two, and messages say
//! both in words.
//!
//! Pipe ends are files to Windows (ReadFile, WriteFile, CancelIo and CloseHandle take
//! them), but they have kinds of their own here because what a scenario may do with them
//! differs: an anonymous pipe is one-way and synchronous only, and no pipe has offsets.

/// The kind of object a bound name's handle refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HandleKind {
    /// A file handle, bound by `open`.
    File,
    /// A completion port, bound by `create_port`.
    Port,
    /// An event, bound by `create_event`.
    Event,
    /// A semaphore, bound by `create_semaphore`.
    Semaphore,
    /// A thread handle, bound by `open_thread`.
    Thread,
    /// An anonymous pipe's read end, bound by `create_pipe ... read_as`: it only reads.
    PipeRead,
    /// An anonymous pipe's write end, bound by `create_pipe ... write_as`: it only writes.
    PipeWrite,
    /// An end of a named pipe: the server's, bound by `create_named_pipe`, or a client's,
    /// bound by `open` on the pipe's name. It reads and writes.
    NamedPipe,
}

impl HandleKind {
    /// The kind in words, with its article: "a file handle", "an event".
    pub fn words(self) -> &'static str {
        match self {
            HandleKind::File => "a file handle",
            HandleKind::Port => "a completion port",
            HandleKind::Event => "an event",
            HandleKind::Semaphore => "a semaphore",
            HandleKind::Thread => "a thread handle",
            HandleKind::PipeRead => "an anonymous pipe's read end",
            HandleKind::PipeWrite => "an anonymous pipe's write end",
            HandleKind::NamedPipe => "a named pipe's end",
        }
    }

    /// True for the ends of pipes, anonymous or named.
    pub fn is_pipe(self) -> bool {
        matches!(
            self,
            HandleKind::PipeRead | HandleKind::PipeWrite | HandleKind::NamedPipe
        )
    }

    /// True for the ends of anonymous pipes, which only do synchronous I/O.
    pub fn is_anonymous_pipe(self) -> bool {
        matches!(self, HandleKind::PipeRead | HandleKind::PipeWrite)
    }

    /// What a message about its characters calls a name bound to this kind: `port`,
    /// `event`, `semaphore`, and `handle` for the rest.
    pub fn name_word(self) -> &'static str {
        match self {
            HandleKind::Port => "port",
            HandleKind::Event => "event",
            HandleKind::Semaphore => "semaphore",
            _ => "handle",
        }
    }

    /// The kind in words, without an article: "file handle", "event".
    pub fn noun(self) -> &'static str {
        let words = self.words();
        words.split_once(' ').map_or(words, |(_, noun)| noun)
    }

    /// The op and member that bind a name of this kind directly: "`open ... as`".
    fn binder(self) -> &'static str {
        match self {
            HandleKind::File => "`open ... as`",
            HandleKind::Port => "`create_port ... as`",
            HandleKind::Event => "`create_event ... as`",
            HandleKind::Semaphore => "`create_semaphore ... as`",
            HandleKind::Thread => "`open_thread ... as`",
            HandleKind::PipeRead => "`create_pipe ... read_as`",
            HandleKind::PipeWrite => "`create_pipe ... write_as`",
            HandleKind::NamedPipe => "`create_named_pipe ... as` or `open` on its name",
        }
    }
}

/// The kinds of handle an op takes at one of its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// Exactly this kind.
    Kind(HandleKind),
    /// What reads, writes, cancels and `bind` take: a file handle or an end of a pipe.
    Io,
    /// What `wait_objects` can wait on: an event, a semaphore, a thread, or a file handle
    /// or pipe end (signalled when a request on it completes). Completion ports have their
    /// own wait (`get_queued`).
    Waitable,
    /// A handle of any kind (`close`, `duplicate_handle`).
    Any,
}

impl Wanted {
    /// Whether a name of `kind` will do.
    pub fn accepts(self, kind: HandleKind) -> bool {
        match self {
            Wanted::Kind(wanted) => wanted == kind,
            Wanted::Io => kind == HandleKind::File || kind.is_pipe(),
            Wanted::Waitable => kind != HandleKind::Port,
            Wanted::Any => true,
        }
    }

    /// For "unknown {noun} `x`": "file handle", "waitable object", "handle".
    pub fn noun(self) -> &'static str {
        match self {
            Wanted::Kind(kind) => kind.noun(),
            Wanted::Io => "file or pipe handle",
            Wanted::Waitable => "waitable object",
            Wanted::Any => "handle",
        }
    }

    /// What it takes, with its article: "a file handle", "an event, a semaphore or a
    /// thread handle".
    pub fn words(self) -> &'static str {
        match self {
            Wanted::Kind(kind) => kind.words(),
            Wanted::Io => "a file handle or a pipe end",
            Wanted::Waitable => "an event, a semaphore, a thread handle or a file handle",
            Wanted::Any => "a handle",
        }
    }

    /// What a name it takes is, and which ops bind one: "a file handle bound by `open ...
    /// as` or `duplicate_handle ... as` in this process".
    pub fn bound_by(self) -> String {
        match self {
            Wanted::Kind(kind) => format!(
                "{} bound by {} or `duplicate_handle ... as` in this process",
                kind.words(),
                kind.binder()
            ),
            Wanted::Io => "a file handle or a pipe end bound in this process (by `open`, \
                 `create_pipe`, `create_named_pipe` or `duplicate_handle`)"
                .to_owned(),
            Wanted::Waitable => "an event, a semaphore, a thread handle or a file handle bound in \
                 this process (by `create_event`, `create_semaphore`, `open_thread`, `open`, \
                 `create_pipe`, `create_named_pipe` or `duplicate_handle`)"
                .to_owned(),
            Wanted::Any => "a handle bound in this process (by `open`, `create_port`, \
                 `create_event`, `create_semaphore`, `open_thread`, `create_pipe`, \
                 `create_named_pipe` or `duplicate_handle`)"
                .to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [HandleKind; 8] = [
        HandleKind::File,
        HandleKind::Port,
        HandleKind::Event,
        HandleKind::Semaphore,
        HandleKind::Thread,
        HandleKind::PipeRead,
        HandleKind::PipeWrite,
        HandleKind::NamedPipe,
    ];

    #[test]
    fn every_kind_but_a_port_is_waitable() {
        let waitable: Vec<HandleKind> = KINDS
            .into_iter()
            .filter(|&k| Wanted::Waitable.accepts(k))
            .collect();
        assert_eq!(
            waitable,
            [
                HandleKind::File,
                HandleKind::Event,
                HandleKind::Semaphore,
                HandleKind::Thread,
                HandleKind::PipeRead,
                HandleKind::PipeWrite,
                HandleKind::NamedPipe
            ]
        );
        assert!(KINDS.into_iter().all(|k| Wanted::Any.accepts(k)));
        let io: Vec<HandleKind> = KINDS
            .into_iter()
            .filter(|&k| Wanted::Io.accepts(k))
            .collect();
        assert_eq!(
            io,
            [
                HandleKind::File,
                HandleKind::PipeRead,
                HandleKind::PipeWrite,
                HandleKind::NamedPipe
            ]
        );
        for kind in KINDS {
            let takes: Vec<HandleKind> = KINDS
                .into_iter()
                .filter(|&k| Wanted::Kind(kind).accepts(k))
                .collect();
            assert_eq!(takes, [kind]);
        }
    }

    #[test]
    fn kinds_read_as_words() {
        assert_eq!(HandleKind::Event.words(), "an event");
        assert_eq!(HandleKind::Event.noun(), "event");
        assert_eq!(HandleKind::File.noun(), "file handle");
        assert_eq!(
            Wanted::Kind(HandleKind::Semaphore).bound_by(),
            "a semaphore bound by `create_semaphore ... as` or `duplicate_handle ... as` in \
             this process"
        );
        assert_eq!(
            HandleKind::PipeWrite.words(),
            "an anonymous pipe's write end"
        );
        assert_eq!(
            Wanted::Kind(HandleKind::PipeRead).bound_by(),
            "an anonymous pipe's read end bound by `create_pipe ... read_as` or \
             `duplicate_handle ... as` in this process"
        );
    }
}
