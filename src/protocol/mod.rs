//! The chunked custom search command protocol (SCP v2), sans-IO.
//!
//! splunkd talks to a `chunked = true` command through its stdin and stdout, one request chunk
//! at a time, one reply chunk per request. The layers, bottom up:
//!
//! - [`frame`]: the `chunked 1.0,<m>,<b>\n` header and exact-length chunks;
//! - [`message`]: the JSON metadata of requests (getinfo, execute) and replies;
//! - [`body`]: CSV bodies as rows, with `__mv_` multivalue columns;
//! - [`session`]: the lockstep state machine that drives a [`Command`].
//!
//! Nothing here reads stdin or writes stdout; [`crate::run_protocol`] does.

pub mod body;
pub mod frame;
pub mod message;
pub mod session;

pub use body::{BodyError, BodyReader, BodyWriter, Row};
pub use frame::{ChunkDecoder, FrameError, Limits};
pub use message::{CommandType, GetInfo, GetInfoReply, Level, Message, MessageError, SearchInfo};
pub use session::{Command, CommandError, Outcome, Session, SessionError, SessionState};
