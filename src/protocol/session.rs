//! The lockstep session: one reply chunk per request chunk, errors turned into one ERROR
//! reply, and the [`Command`] seam between the protocol and what the command computes.
//!
//! [`Session`] is a sans-IO state machine: input enters through
//! [`handle_bytes`](Session::handle_bytes) and [`handle_eof`](Session::handle_eof), reply
//! bytes leave through [`poll_output`](Session::poll_output). Call `poll_output` after every
//! `handle_*` call, also when it returned an error (the ERROR reply is then waiting).
//!
//! What the session answers:
//!
//! | request | reply |
//! |---|---|
//! | getinfo | the command's [`GetInfoReply`] (`{"type":"events",…}`) |
//! | execute, `preview: true` in getinfo | `{"finished":true}`; the command is not called |
//! | execute `finished:false` | rows go to [`Command::feed`]; `{"finished":false}`, no body |
//! | execute `finished:true` | feed, then [`Command::finish`]; `{"inspector":…,"finished":true}` + rows |
//! | anything after that | nothing: read and discarded until end of input |
//! | any failure | `{"inspector":{"messages":[["ERROR",m]]},"error":m,"finished":true}`, then stop |

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::body::{BodyError, BodyReader, BodyWriter};
use super::frame::{write_chunk, Chunk, ChunkDecoder, FrameError, Limits};
use super::message::{
    parse_request, GetInfo, GetInfoReply, Level, Message, MessageError, Reply, Request,
};

/// Error type a [`Command`] returns; its `Display` is shown to the Splunk user as is.
pub type CommandError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a search command does; the session does everything else.
pub trait Command {
    /// Answers getinfo: parse and validate options here. Must have no side effects, since
    /// splunkd also runs commands only to parse a search.
    ///
    /// # Errors
    ///
    /// A message for the user, e.g. an invalid option.
    fn getinfo(&mut self, request: &GetInfo) -> Result<GetInfoReply, CommandError>;

    /// Consumes the rows of one execute chunk. Rows left unread are checked by the session.
    ///
    /// # Errors
    ///
    /// A message for the user; the session then ends.
    fn feed(&mut self, body: &mut BodyReader<'_>) -> Result<(), CommandError>;

    /// Called once, after the last rows were fed: writes the output rows (a header row
    /// first; nothing at all for no output) and returns inspector messages for the reply.
    ///
    /// # Errors
    ///
    /// A message for the user; the session then ends.
    fn finish(&mut self, output: &mut BodyWriter<'_>) -> Result<Vec<Message>, CommandError>;
}

/// How a successful session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The final execute was answered.
    Completed,
    /// The input ended right after getinfo (splunkd parsing a search).
    GetinfoOnly,
    /// A preview run: executes were answered `finished:true` without work.
    Preview,
}

/// Where a [`Session`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Nothing received yet.
    AwaitingGetinfo,
    /// getinfo answered; `executes` non-final execute requests answered since.
    Executing {
        /// Non-final execute requests answered so far.
        executes: u64,
    },
    /// Preview run: every execute is answered `finished:true`.
    Preview,
    /// The final reply was sent; remaining input is discarded.
    Draining,
    /// Ended successfully.
    Done(Outcome),
    /// An ERROR reply was produced; the session does nothing more.
    Failed,
}

/// A session that cannot go on. Its `Display` is the text of the ERROR reply.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// Bad framing.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// Bad request metadata.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// Bad CSV body (input or output).
    #[error(transparent)]
    Body(#[from] BodyError),
    /// An execute request came before getinfo.
    #[error("protocol error: execute request before getinfo; splunkd must send getinfo first")]
    ExecuteBeforeGetinfo,
    /// A second getinfo request.
    #[error("protocol error: a second getinfo request; expected execute")]
    SecondGetinfo,
    /// The input ended before any request.
    #[error("input ended before the getinfo request; this program is run by splunkd as a chunked search command (try --help)")]
    NoRequest,
    /// The input ended after some execute requests but before the final one.
    #[error("input ended after {executes} execute requests without the final one (finished:true); the search was probably cancelled")]
    Unfinished {
        /// Non-final execute requests received.
        executes: u64,
    },
    /// The command reported an error.
    #[error(transparent)]
    Command(CommandError),
    /// The command panicked.
    #[error("internal error in {stage}: {message}; please report this as a bug")]
    Panic {
        /// `getinfo`, `feed` or `finish`.
        stage: &'static str,
        /// The panic message.
        message: String,
    },
    /// An error whose text contained the session key, with the key removed.
    #[error("{0}")]
    Redacted(String),
    /// The caller gave up, e.g. because reading the input failed.
    #[error("{0}")]
    Aborted(String),
    /// A `handle_*` call after the session had failed.
    #[error("the session already failed and was reported")]
    AlreadyFailed,
}

/// The lockstep protocol state machine around a [`Command`].
///
/// # Example
///
/// A getinfo-only run, as splunkd does while parsing a search:
///
/// ```
/// use emailoutlier::protocol::body::{BodyReader, BodyWriter};
/// use emailoutlier::protocol::message::{CommandType, GetInfo, GetInfoReply, Message};
/// use emailoutlier::protocol::session::{Command, CommandError, Outcome, Session};
/// use emailoutlier::protocol::frame::Limits;
///
/// struct Nothing;
/// impl Command for Nothing {
///     fn getinfo(&mut self, _: &GetInfo) -> Result<GetInfoReply, CommandError> {
///         Ok(GetInfoReply { command_type: CommandType::Events, required_fields: None })
///     }
///     fn feed(&mut self, _: &mut BodyReader<'_>) -> Result<(), CommandError> { Ok(()) }
///     fn finish(&mut self, _: &mut BodyWriter<'_>) -> Result<Vec<Message>, CommandError> {
///         Ok(Vec::new())
///     }
/// }
///
/// let mut session = Session::new(Nothing, Limits::default());
/// session.handle_bytes(b"chunked 1.0,20,0\n{\"action\":\"getinfo\"}")?;
/// let mut out = Vec::new();
/// session.poll_output(&mut out);
/// assert_eq!(out, b"chunked 1.0,17,0\n{\"type\":\"events\"}");
/// assert_eq!(session.handle_eof()?, Outcome::GetinfoOnly);
/// # Ok::<(), emailoutlier::protocol::session::SessionError>(())
/// ```
pub struct Session<C: Command> {
    decoder: ChunkDecoder,
    core: Core<C>,
}

/// Everything but the decoder, so a chunk borrowed from the decoder can be handled.
struct Core<C> {
    command: C,
    limits: Limits,
    state: SessionState,
    output: Vec<u8>,
    body: Vec<u8>,
    session_key: String,
}

impl<C: Command> Session<C> {
    /// A session driving `command`, enforcing `limits`.
    pub fn new(command: C, limits: Limits) -> Self {
        Session {
            decoder: ChunkDecoder::new(limits),
            core: Core {
                command,
                limits,
                state: SessionState::AwaitingGetinfo,
                output: Vec::new(),
                body: Vec::new(),
                session_key: String::new(),
            },
        }
    }

    /// Where the session is.
    pub fn state(&self) -> SessionState {
        self.core.state
    }

    /// The command, e.g. to inspect it in tests.
    pub fn command(&self) -> &C {
        &self.core.command
    }

    /// Handles input bytes: answers every whole request they complete.
    ///
    /// # Errors
    ///
    /// The first failure; its ERROR reply is then waiting in [`poll_output`](Self::poll_output)
    /// and the session is [`SessionState::Failed`].
    pub fn handle_bytes(&mut self, bytes: &[u8]) -> Result<(), SessionError> {
        match self.core.state {
            SessionState::Draining | SessionState::Done(_) => return Ok(()),
            SessionState::Failed => return Err(SessionError::AlreadyFailed),
            _ => {}
        }
        self.decoder.push(bytes);
        loop {
            let chunk = match self.decoder.poll_chunk() {
                Ok(Some(chunk)) => chunk,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.core.fail(e.into())),
            };
            if let Err(e) = self.core.handle_chunk(chunk) {
                return Err(self.core.fail(e));
            }
            if self.core.state == SessionState::Draining {
                return Ok(());
            }
        }
    }

    /// Handles the end of input.
    ///
    /// # Errors
    ///
    /// Input ending inside a chunk, before getinfo, or after some but not all execute
    /// requests; the ERROR reply is then waiting in [`poll_output`](Self::poll_output).
    pub fn handle_eof(&mut self) -> Result<Outcome, SessionError> {
        let outcome = match self.core.state {
            SessionState::Done(outcome) => return Ok(outcome),
            SessionState::Failed => return Err(SessionError::AlreadyFailed),
            SessionState::Draining => Ok(Outcome::Completed),
            state => match self.decoder.finish() {
                Err(e) => Err(SessionError::from(e)),
                Ok(()) => match state {
                    SessionState::AwaitingGetinfo => Err(SessionError::NoRequest),
                    SessionState::Executing { executes: 0 } => Ok(Outcome::GetinfoOnly),
                    SessionState::Executing { executes } => {
                        Err(SessionError::Unfinished { executes })
                    }
                    _ => Ok(Outcome::Preview),
                },
            },
        };
        match outcome {
            Ok(outcome) => {
                self.core.state = SessionState::Done(outcome);
                Ok(outcome)
            }
            Err(e) => Err(self.core.fail(e)),
        }
    }

    /// Gives up because of a failure outside the protocol (e.g. reading the input failed):
    /// produces the ERROR reply for `reason` unless the final reply was already sent or an
    /// error was already reported. Returns the state before the call.
    pub fn handle_abort(&mut self, reason: &str) -> SessionState {
        let before = self.core.state;
        if !matches!(
            before,
            SessionState::Draining | SessionState::Done(_) | SessionState::Failed
        ) {
            self.core.fail(SessionError::Aborted(reason.to_string()));
        }
        before
    }

    /// Moves the reply bytes produced so far to the end of `out`; returns whether there were
    /// any. Write them out and flush at once: splunkd waits for each reply.
    pub fn poll_output(&mut self, out: &mut Vec<u8>) -> bool {
        if self.core.output.is_empty() {
            return false;
        }
        if out.is_empty() {
            std::mem::swap(out, &mut self.core.output);
        } else {
            out.append(&mut self.core.output);
        }
        true
    }
}

impl<C: Command> Core<C> {
    fn handle_chunk(&mut self, chunk: Chunk<'_>) -> Result<(), SessionError> {
        let request = parse_request(chunk.metadata)?;
        match (self.state, request) {
            (SessionState::AwaitingGetinfo, Request::GetInfo(getinfo)) => {
                self.session_key.clone_from(&getinfo.searchinfo.session_key);
                let command = &mut self.command;
                let reply = guard("getinfo", || command.getinfo(&getinfo))?;
                write_chunk(&mut self.output, &reply.to_json(), b"");
                self.state = if getinfo.preview {
                    SessionState::Preview
                } else {
                    SessionState::Executing { executes: 0 }
                };
            }
            (SessionState::AwaitingGetinfo, Request::Execute(_)) => {
                return Err(SessionError::ExecuteBeforeGetinfo)
            }
            (_, Request::GetInfo(_)) => return Err(SessionError::SecondGetinfo),
            (SessionState::Preview, Request::Execute(_)) => {
                write_chunk(&mut self.output, &Reply::execute(true, &[]).to_json(), b"");
            }
            (SessionState::Executing { executes }, Request::Execute(execute)) => {
                let mut reader = BodyReader::new(chunk.body, &self.limits)?;
                let command = &mut self.command;
                guard("feed", || command.feed(&mut reader))?;
                // Rows the command left unread must still be well-formed.
                while reader.read_row()?.is_some() {}
                if execute.finished {
                    self.body.clear();
                    let mut writer = BodyWriter::new(&mut self.body);
                    let mut messages = guard("finish", || command.finish(&mut writer))?;
                    writer.finish()?;
                    for message in &mut messages {
                        redact(&self.session_key, &mut message.text);
                    }
                    let metadata = Reply::execute(true, &messages).to_json();
                    write_chunk(&mut self.output, &metadata, &self.body);
                    self.state = SessionState::Draining;
                } else {
                    write_chunk(&mut self.output, &Reply::execute(false, &[]).to_json(), b"");
                    self.state = SessionState::Executing {
                        executes: executes + 1,
                    };
                }
            }
            (SessionState::Draining | SessionState::Done(_) | SessionState::Failed, _) => {}
        }
        Ok(())
    }

    /// Appends the ERROR reply for `error`, marks the session failed, and returns the error
    /// (replaced by its redacted text if it contained the session key).
    fn fail(&mut self, error: SessionError) -> SessionError {
        let mut text = error.to_string();
        let mut error = error;
        if redact(&self.session_key, &mut text) {
            error = SessionError::Redacted(text.clone());
        }
        let messages = [Message::new(Level::Error, text.as_str())];
        write_chunk(
            &mut self.output,
            &Reply::error(&messages, &text).to_json(),
            b"",
        );
        self.state = SessionState::Failed;
        error
    }
}

/// Replaces every occurrence of the session key in `text`; returns whether there was one.
/// Keys shorter than 4 bytes are left alone: they would match ordinary text.
fn redact(session_key: &str, text: &mut String) -> bool {
    if session_key.len() >= 4 && text.contains(session_key) {
        *text = text.replace(session_key, "<session key>");
        true
    } else {
        false
    }
}

/// Runs one command callback, turning its error or panic into a [`SessionError`].
fn guard<T>(
    stage: &'static str,
    f: impl FnOnce() -> Result<T, CommandError>,
) -> Result<T, SessionError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(SessionError::Command),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without message".to_string());
            Err(SessionError::Panic { stage, message })
        }
    }
}

#[cfg(test)]
mod tests;
