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

pub mod detect;
pub mod error;
pub mod protocol;
pub mod splunk;

use std::io::{ErrorKind, Read, Write};

pub use error::Error;
use protocol::frame::Limits;
use protocol::session::{Command, Outcome, Session, SessionState};

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
/// writing fails (an ERROR reply is attempted for read failures).
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
            let result = session.handle_eof();
            send(&mut session, &mut replies, &mut output)?;
            return Ok(result?);
        }
        let result = session.handle_bytes(block.get(..read).unwrap_or_default());
        send(&mut session, &mut replies, &mut output)?;
        result?;
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
