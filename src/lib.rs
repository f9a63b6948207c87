//! emailoutlier: a Splunk custom search command (SCP v2) that finds email servers sending
//! unusually large volumes of data to a host (MITRE ATT&CK T1114.002).
//!
//! # Data flow
//!
//! stdin bytes → [`protocol::frame`] splits chunks → [`protocol::message`] decodes requests →
//! [`protocol::session`] answers each request once, feeding execute bodies read by
//! [`protocol::body`] to a [`protocol::Command`] → reply chunks → stdout.
//! [`run_protocol`] is the only place that touches the byte streams.
//!
//! # Example
//!
//! A whole exchange, in memory: getinfo, one final execute with two rows.
//!
//! ```
//! use emailoutlier::protocol::body::{BodyReader, BodyWriter};
//! use emailoutlier::protocol::message::{CommandType, GetInfo, GetInfoReply, Message};
//! use emailoutlier::protocol::session::{Command, CommandError, Outcome};
//!
//! /// Counts rows.
//! struct Count(usize);
//! impl Command for Count {
//!     fn getinfo(&mut self, _: &GetInfo) -> Result<GetInfoReply, CommandError> {
//!         Ok(GetInfoReply { command_type: CommandType::Events, required_fields: None })
//!     }
//!     fn feed(&mut self, body: &mut BodyReader<'_>) -> Result<(), CommandError> {
//!         while body.read_row()?.is_some() {
//!             self.0 += 1;
//!         }
//!         Ok(())
//!     }
//!     fn finish(&mut self, out: &mut BodyWriter<'_>) -> Result<Vec<Message>, CommandError> {
//!         out.write_header(&["count"])?;
//!         out.write_row(&[self.0.to_string().as_bytes()])?;
//!         Ok(Vec::new())
//!     }
//! }
//!
//! let input = b"chunked 1.0,20,0\n{\"action\":\"getinfo\"}\
//!               chunked 1.0,36,6\n{\"action\":\"execute\",\"finished\":true}a\nx\ny\n";
//! let mut output = Vec::new();
//! let outcome = emailoutlier::run_protocol(&input[..], &mut output, Count(0))?;
//! assert_eq!(outcome, Outcome::Completed);
//! assert_eq!(
//!     output,
//!     b"chunked 1.0,17,0\n{\"type\":\"events\"}chunked 1.0,17,8\n{\"finished\":true}count\n2\n"
//! );
//! # Ok::<(), emailoutlier::Error>(())
//! ```
#![deny(missing_docs)]

pub mod alert;
pub mod cli;
pub mod command;
pub mod detect;
pub mod error;
pub mod protocol;
pub mod splunk;

use std::io::{ErrorKind, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub use error::Error;
use protocol::frame::Limits;
use protocol::session::{Command, Outcome, Session, SessionError, SessionState};

/// Bytes read from the input at a time.
pub const READ_BLOCK_BYTES: usize = 64 * 1024;

/// Runs the chunked protocol over `input`/`output` with default [`Limits`].
///
/// See [`run_protocol_with_limits`].
///
/// # Errors
///
/// As [`run_protocol_with_limits`].
pub fn run_protocol<R: Read, W: Write, C: Command>(
    input: R,
    output: W,
    command: C,
) -> Result<Outcome, Error> {
    run_protocol_with_limits(input, output, command, Limits::default())
}

/// Runs the chunked protocol: reads `input` in blocks of [`READ_BLOCK_BYTES`], feeds the
/// session, and writes and flushes each reply at once. Returns when the input ends.
///
/// Memory held: one chunk plus one read block (plus what the command keeps).
///
/// # Errors
///
/// [`Error::Protocol`] after writing exactly one ERROR reply; [`Error::Io`] when reading or
/// writing fails (an ERROR reply is attempted for read failures); [`Error::Panic`] when the
/// protocol code itself panicked (a bug), after writing an ERROR reply.
pub fn run_protocol_with_limits<R: Read, W: Write, C: Command>(
    mut input: R,
    mut output: W,
    command: C,
    limits: Limits,
) -> Result<Outcome, Error> {
    let mut session = Session::new(command, limits);
    let mut block = vec![0u8; READ_BLOCK_BYTES];
    let mut replies = Vec::new();
    loop {
        let read = match input.read(&mut block) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(source) => {
                let reason = format!("reading stdin failed: {source}");
                if session.handle_abort(&reason) == SessionState::Draining {
                    // The final reply is out; nothing was lost.
                    return Ok(Outcome::Completed);
                }
                // Best effort: the read failure is what gets reported.
                let _ = send(&mut session, &mut replies, &mut output);
                return Err(Error::Io {
                    context: "reading stdin",
                    source,
                });
            }
        };
        if read == 0 {
            let result = step(&mut session, Session::handle_eof);
            send(&mut session, &mut replies, &mut output)?;
            return result;
        }
        let bytes = block.get(..read).unwrap_or_default();
        let result = step(&mut session, |session| session.handle_bytes(bytes));
        send(&mut session, &mut replies, &mut output)?;
        result?;
    }
}

/// Runs one session step. The session already turns the command's panics into an ERROR
/// reply; this catches a panic anywhere else in the protocol code (a bug) the same way, so
/// splunkd still gets an ERROR reply instead of a dead process.
fn step<C: Command, T>(
    session: &mut Session<C>,
    f: impl FnOnce(&mut Session<C>) -> Result<T, SessionError>,
) -> Result<T, Error> {
    match catch_unwind(AssertUnwindSafe(|| f(session))) {
        Ok(result) => Ok(result?),
        Err(payload) => {
            let message = protocol::session::panic_message(payload.as_ref());
            session.handle_abort(&format!(
                "internal error in the protocol code: {message}; please report this as a bug"
            ));
            Err(Error::Panic)
        }
    }
}

/// Writes and flushes the replies the session produced, if any.
fn send<C: Command, W: Write>(
    session: &mut Session<C>,
    replies: &mut Vec<u8>,
    output: &mut W,
) -> Result<(), Error> {
    replies.clear();
    if session.poll_output(replies) {
        let io = |source| Error::Io {
            context: "writing stdout",
            source,
        };
        output.write_all(replies).map_err(io)?;
        output.flush().map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;
    use protocol::body::{BodyReader, BodyWriter};
    use protocol::message::{CommandType, GetInfo, GetInfoReply, Message};
    use protocol::session::CommandError;

    /// Counts rows, outputs nothing.
    struct Count(usize);

    impl Command for Count {
        fn getinfo(&mut self, _: &GetInfo) -> Result<GetInfoReply, CommandError> {
            Ok(GetInfoReply {
                command_type: CommandType::Events,
                required_fields: None,
            })
        }
        fn feed(&mut self, body: &mut BodyReader<'_>) -> Result<(), CommandError> {
            while body.read_row()?.is_some() {
                self.0 += 1;
            }
            Ok(())
        }
        fn finish(&mut self, _: &mut BodyWriter<'_>) -> Result<Vec<Message>, CommandError> {
            Ok(vec![])
        }
    }

    const GETINFO: &[u8] = b"chunked 1.0,20,0\n{\"action\":\"getinfo\"}";
    const EXECUTE: &[u8] = b"chunked 1.0,36,4\n{\"action\":\"execute\",\"finished\":true}a\n1\n";
    const REPLIES: &[u8] =
        b"chunked 1.0,17,0\n{\"type\":\"events\"}chunked 1.0,17,0\n{\"finished\":true}";

    /// Serves `pieces` one per read, `Interrupted` before each, then `fail` (or EOF).
    struct Script {
        pieces: Vec<Vec<u8>>,
        interrupt: bool,
        fail: Option<io::ErrorKind>,
    }

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.interrupt {
                self.interrupt = false;
                return Err(io::ErrorKind::Interrupted.into());
            }
            self.interrupt = true;
            if self.pieces.is_empty() {
                return match self.fail {
                    Some(kind) => Err(io::Error::new(kind, "device gone")),
                    None => Ok(0),
                };
            }
            let piece = self.pieces.remove(0);
            buf[..piece.len()].copy_from_slice(&piece);
            Ok(piece.len())
        }
    }

    /// Records what was written at each flush; can refuse writes.
    #[derive(Default)]
    struct Flushes {
        pending: Vec<u8>,
        flushed: Vec<Vec<u8>>,
        broken: bool,
    }

    impl Write for Flushes {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.broken {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            self.pending.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.flushed.push(std::mem::take(&mut self.pending));
            Ok(())
        }
    }

    #[test]
    fn byte_at_a_time_with_interruptions_and_one_flush_per_reply() {
        let input = [GETINFO, EXECUTE].concat();
        let pieces = input.chunks(1).map(<[u8]>::to_vec).collect();
        let reader = Script {
            pieces,
            interrupt: true,
            fail: None,
        };
        let mut out = Flushes::default();
        assert_eq!(
            run_protocol(reader, &mut out, Count(0)).unwrap(),
            Outcome::Completed
        );
        assert_eq!(out.flushed.concat(), REPLIES);
        assert_eq!(out.flushed.len(), 2);
        assert!(out.pending.is_empty());
    }

    #[test]
    fn getinfo_only_writes_only_the_getinfo_reply() {
        let mut out = Vec::new();
        assert_eq!(
            run_protocol(GETINFO, &mut out, Count(0)).unwrap(),
            Outcome::GetinfoOnly
        );
        assert_eq!(out, &REPLIES[..34]);
    }

    #[test]
    fn protocol_error_writes_one_error_reply() {
        let mut out = Vec::new();
        let err = run_protocol(&b"chunk"[..], &mut out, Count(0)).unwrap_err();
        assert!(matches!(err, Error::Protocol(_)));
        let mut decoder = protocol::frame::ChunkDecoder::new(Limits::default());
        decoder.push(&out);
        let reply = decoder.poll_chunk().unwrap().unwrap();
        assert_eq!(
            reply.metadata,
            br#"{"inspector":{"messages":[["ERROR","input ended inside a chunk header after \"chunk\""]]},"error":"input ended inside a chunk header after \"chunk\"","finished":true}"#
        );
        assert_eq!(decoder.poll_chunk(), Ok(None), "exactly one reply");
        assert_eq!(decoder.finish(), Ok(()));
    }

    #[test]
    fn read_failure_is_reported_to_splunkd_and_returned() {
        let reader = Script {
            pieces: vec![GETINFO.to_vec()],
            interrupt: false,
            fail: Some(io::ErrorKind::Other),
        };
        let mut out = Vec::new();
        let err = run_protocol(reader, &mut out, Count(0)).unwrap_err();
        assert_eq!(err.to_string(), "reading stdin: device gone");
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with(r#""error":"reading stdin failed: device gone","finished":true}"#),
            "{text}"
        );
    }

    #[test]
    fn read_failure_after_the_final_reply_is_not_an_error() {
        let pieces = vec![GETINFO.to_vec(), EXECUTE.to_vec()];
        let reader = Script {
            pieces,
            interrupt: false,
            fail: Some(io::ErrorKind::Other),
        };
        let mut out = Vec::new();
        assert_eq!(
            run_protocol(reader, &mut out, Count(0)).unwrap(),
            Outcome::Completed
        );
        assert_eq!(out, REPLIES);
    }

    /// A command error whose `Display` panics: the session formats it outside the command's
    /// own guard, which stands for any bug in the protocol code.
    #[derive(Debug)]
    struct PanickyError;

    impl std::fmt::Display for PanickyError {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            panic!("display exploded")
        }
    }

    impl std::error::Error for PanickyError {}

    /// Fails every feed with a [`PanickyError`].
    struct Refuses;

    impl Command for Refuses {
        fn getinfo(&mut self, _: &GetInfo) -> Result<GetInfoReply, CommandError> {
            Count(0).getinfo(&GetInfo::default())
        }
        fn feed(&mut self, _: &mut BodyReader<'_>) -> Result<(), CommandError> {
            Err(Box::new(PanickyError))
        }
        fn finish(&mut self, _: &mut BodyWriter<'_>) -> Result<Vec<Message>, CommandError> {
            Ok(vec![])
        }
    }

    #[test]
    fn panic_in_the_protocol_code_still_sends_an_error_reply() {
        let input = [GETINFO, EXECUTE].concat();
        let mut out = Vec::new();
        let err = run_protocol(&input[..], &mut out, Refuses).unwrap_err();
        assert!(matches!(err, Error::Panic), "{err:?}");
        let text = String::from_utf8(out).unwrap();
        let error =
            "internal error in the protocol code: display exploded; please report this as a bug";
        assert_eq!(
            text,
            format!(
                "chunked 1.0,17,0\n{{\"type\":\"events\"}}chunked 1.0,{},0\n{{\"inspector\":{{\"messages\":[[\"ERROR\",\"{error}\"]]}},\"error\":\"{error}\",\"finished\":true}}",
                error.len() * 2 + 68
            )
        );
    }

    #[test]
    fn write_failure_is_returned() {
        let mut out = Flushes {
            broken: true,
            ..Flushes::default()
        };
        let err = run_protocol(GETINFO, &mut out, Count(0)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Io {
                    context: "writing stdout",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
