//! The crate error: what [`crate::run_protocol`] can fail with (the CLI has its own `CliError`).
//!
//! Each layer has its own error enum; this one wraps them so `main` maps one type to an exit
//! code. `Display` is one line a Splunk user can act on.

use crate::protocol::session::SessionError;

/// Any failure of a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The protocol session failed (framing, metadata, CSV, or the command's own error);
    /// an ERROR reply was written before this was returned.
    #[error(transparent)]
    Protocol(#[from] SessionError),
    /// The protocol code panicked (a bug); an ERROR reply was written before this was
    /// returned.
    #[error("internal error: the protocol code panicked (see the message above); please report this as a bug")]
    Panic,
    /// Reading the input or writing the output failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, e.g. "reading stdin".
        context: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
