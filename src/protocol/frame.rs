//! Transport framing: the `chunked 1.0,<metadata bytes>,<body bytes>\n` header and the
//! exact-length chunks behind it.
//!
//! Everything here is sans-IO: [`parse_header`] reads a header from bytes already in memory,
//! [`ChunkDecoder`] accumulates bytes pushed by a caller and hands back whole chunks, and
//! [`write_chunk`] appends one encoded chunk to a buffer.
//!
//! Leniency matches what splunkd-compatible clients accept and nothing more: a `\r` before the
//! header's `\n`, and stray `\r`/`\n` bytes between chunks. Anything else is a [`FrameError`]
//! that quotes (escaped) what was found.
//!
//! # Example
//!
//! Bytes may arrive split anywhere; push them as they come and poll for whole chunks.
//!
//! ```
//! use emailoutlier::protocol::frame::{ChunkDecoder, Limits};
//!
//! let mut decoder = ChunkDecoder::new(Limits::default());
//! let mut seen = Vec::new();
//! for piece in [&b"chunked 1.0,17,"[..], b"4\n{\"finished\":true}a\n1\n"] {
//!     decoder.push(piece);
//!     while let Some(chunk) = decoder.poll_chunk()? {
//!         seen.push((chunk.metadata.to_vec(), chunk.body.to_vec()));
//!     }
//! }
//! decoder.finish()?;
//! assert_eq!(seen, vec![(b"{\"finished\":true}".to_vec(), b"a\n1\n".to_vec())]);
//! # Ok::<(), emailoutlier::protocol::frame::FrameError>(())
//! ```

use std::fmt;

use nom::bytes::streaming::tag;
use nom::character::streaming::digit1;
use nom::combinator::opt;
use nom::{IResult, Parser};

/// Default [`Limits::max_metadata_bytes`]: 1 MiB. splunkd's getinfo is under 1 KiB.
pub const DEFAULT_MAX_METADATA_BYTES: usize = 1 << 20;
/// Default [`Limits::max_body_bytes`]: 256 MiB. splunkd sends at most `maxresultrows`
/// (50,000 by default) rows per chunk; the 6.3 recordings hold 16 MB for 50,000 wide rows.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 << 20;
/// Default [`Limits::max_fields`]: 10,000 CSV columns (value and `__mv_` columns together).
pub const DEFAULT_MAX_FIELDS: usize = 10_000;

/// Longest header text an error quotes: `chunked 1.0,` + two 20-digit lengths + `,` +
/// `\r\n` is 55 bytes, and a header cannot grow longer because longer lengths are refused.
const MAX_HEADER_BYTES: usize = 64;
/// What every header starts with.
const HEADER_TAG: &[u8] = b"chunked 1.0,";
/// Longest length field accepted, in digits (`u64::MAX` has 20).
const MAX_LENGTH_DIGITS: usize = 20;

/// Caps on what the peer may make this process hold in memory.
///
/// A header that claims more than a limit is rejected before any buffer of that size is
/// reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted metadata (JSON) part of one chunk, in bytes.
    pub max_metadata_bytes: usize,
    /// Largest accepted body (CSV) part of one chunk, in bytes.
    pub max_body_bytes: usize,
    /// Largest accepted number of CSV columns in one body.
    pub max_fields: usize,
}

impl Default for Limits {
    /// 1 MiB of metadata, 256 MiB of body, 10,000 fields.
    fn default() -> Self {
        Limits {
            max_metadata_bytes: DEFAULT_MAX_METADATA_BYTES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_fields: DEFAULT_MAX_FIELDS,
        }
    }
}

/// Result of parsing input that may be incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// The input held a whole item.
    Complete(T),
    /// The input is a valid beginning; more bytes are needed.
    Partial,
}

/// A decoded chunk header: the byte lengths of the two parts that follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Length of the JSON metadata, in bytes.
    pub metadata_len: usize,
    /// Length of the CSV body, in bytes (0 = no body).
    pub body_len: usize,
}

/// Part of a chunk, named in [`FrameError::Truncated`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkPart {
    /// The JSON metadata.
    Metadata,
    /// The CSV body.
    Body,
}

impl fmt::Display for ChunkPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChunkPart::Metadata => "metadata",
            ChunkPart::Body => "body",
        })
    }
}

/// Malformed, oversized or truncated framing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The bytes where a header must start are not a `chunked 1.0,<m>,<b>\n` header.
    #[error("malformed chunk header: expected `chunked 1.0,<metadata bytes>,<body bytes>\\n`, found \"{found}\"; the input is not splunkd's chunked protocol (is commands.conf `chunked = true`?)")]
    BadHeader {
        /// The first bytes found, escaped.
        found: String,
    },
    /// The metadata length in a header is above [`Limits::max_metadata_bytes`].
    #[error("chunk metadata length {claimed} bytes exceeds the limit of {limit} bytes")]
    MetadataTooLarge {
        /// The length as written in the header.
        claimed: String,
        /// The limit in force.
        limit: usize,
    },
    /// The body length in a header is above [`Limits::max_body_bytes`].
    #[error("chunk body length {claimed} bytes exceeds the limit of {limit} bytes; lower maxresultrows in limits.conf or the number of fields sent")]
    BodyTooLarge {
        /// The length as written in the header.
        claimed: String,
        /// The limit in force.
        limit: usize,
    },
    /// The input ended inside a chunk header.
    #[error("input ended inside a chunk header after \"{found}\"")]
    TruncatedHeader {
        /// The header bytes received, escaped.
        found: String,
    },
    /// The input ended inside a chunk's metadata or body.
    #[error("input ended in the {part} of a chunk: received {received} of {expected} bytes ({} missing)", expected - received)]
    Truncated {
        /// Which part was cut short.
        part: ChunkPart,
        /// Bytes of that part announced by the header.
        expected: usize,
        /// Bytes of that part received before the end of input.
        received: usize,
    },
}

/// Parses one chunk header at the start of `input`, skipping stray `\r`/`\n` before it.
///
/// Returns the number of bytes consumed (skipped bytes and the header, including its
/// line end) and the header. [`Status::Partial`] means `input` is a valid beginning of a
/// header (or empty, or only stray line ends) and more bytes are needed.
///
/// # Errors
///
/// [`FrameError::BadHeader`] when the bytes cannot start a header, quoting them up to and
/// including the first byte that cannot belong to one;
/// [`FrameError::MetadataTooLarge`] / [`FrameError::BodyTooLarge`] when a length is above
/// `limits`, or has more digits than any `u64` as soon as the extra digit arrives.
/// Errors and their texts do not depend on how the input was split.
///
/// # Example
///
/// ```
/// use emailoutlier::protocol::frame::{parse_header, Header, Limits, Status};
///
/// let limits = Limits::default();
/// assert_eq!(
///     parse_header(b"\nchunked 1.0,36,0\n{", &limits)?,
///     Status::Complete((18, Header { metadata_len: 36, body_len: 0 })),
/// );
/// assert_eq!(parse_header(b"chunked 1.", &limits)?, Status::Partial);
/// assert!(parse_header(b"HTTP/1.1 200 OK\r\n", &limits).is_err());
/// # Ok::<(), emailoutlier::protocol::frame::FrameError>(())
/// ```
pub fn parse_header(input: &[u8], limits: &Limits) -> Result<Status<(usize, Header)>, FrameError> {
    let skipped = stray_line_ends(input);
    let rest = input.get(skipped..).unwrap_or_default();
    if rest.is_empty() {
        return Ok(Status::Partial);
    }
    if let Some(error) = overlong_length(rest, limits) {
        return Err(error);
    }
    match header_line(rest) {
        Ok((after, (meta, body))) => {
            let metadata_len = length(meta, limits.max_metadata_bytes).ok_or_else(|| {
                FrameError::MetadataTooLarge {
                    claimed: escape(meta, MAX_HEADER_BYTES),
                    limit: limits.max_metadata_bytes,
                }
            })?;
            let body_len =
                length(body, limits.max_body_bytes).ok_or_else(|| FrameError::BodyTooLarge {
                    claimed: escape(body, MAX_HEADER_BYTES),
                    limit: limits.max_body_bytes,
                })?;
            let consumed = input.len() - after.len();
            Ok(Status::Complete((
                consumed,
                Header {
                    metadata_len,
                    body_len,
                },
            )))
        }
        Err(nom::Err::Incomplete(_)) => Ok(Status::Partial),
        Err(_) => {
            // Quote only what was already decided when the first bad byte arrived, so the
            // message is the same however the input was split.
            let decided = rest.get(..=header_prefix_len(rest)).unwrap_or(rest);
            Err(FrameError::BadHeader {
                found: escape(decided, MAX_HEADER_BYTES),
            })
        }
    }
}

/// A length whose digit run is already longer than any `u64`, found before its end arrives.
fn overlong_length(rest: &[u8], limits: &Limits) -> Option<FrameError> {
    let after_tag = rest.strip_prefix(HEADER_TAG)?;
    let meta = leading_digits(after_tag);
    if meta.len() > MAX_LENGTH_DIGITS {
        return Some(FrameError::MetadataTooLarge {
            claimed: escape(meta, MAX_LENGTH_DIGITS),
            limit: limits.max_metadata_bytes,
        });
    }
    let body = leading_digits(after_tag.get(meta.len()..)?.strip_prefix(b",")?);
    (body.len() > MAX_LENGTH_DIGITS).then(|| FrameError::BodyTooLarge {
        claimed: escape(body, MAX_LENGTH_DIGITS),
        limit: limits.max_body_bytes,
    })
}

/// The ASCII digits at the start of `bytes`.
fn leading_digits(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    bytes.get(..n).unwrap_or_default()
}

/// Length of the longest prefix of `input` that can begin a header: the position of the
/// first byte that cannot (used only to quote a [`FrameError::BadHeader`]).
fn header_prefix_len(input: &[u8]) -> usize {
    let tag = input
        .iter()
        .zip(HEADER_TAG)
        .take_while(|(a, b)| a == b)
        .count();
    if tag < HEADER_TAG.len() {
        return tag;
    }
    let mut at = tag;
    for end in [b',', b'\n'] {
        let digits = leading_digits(input.get(at..).unwrap_or_default()).len();
        at += digits;
        if digits == 0 {
            return at;
        }
        if end == b'\n' && input.get(at) == Some(&b'\r') {
            at += 1;
        }
        if input.get(at) != Some(&end) {
            return at;
        }
        at += 1;
    }
    at
}

/// The header grammar: `chunked 1.0,` DIGITS `,` DIGITS [`\r`] `\n`.
fn header_line(input: &[u8]) -> IResult<&[u8], (&[u8], &[u8])> {
    let (rest, (_, meta, _, body, _, _)) = (
        tag(HEADER_TAG),
        digit1,
        tag(&b","[..]),
        digit1,
        opt(tag(&b"\r"[..])),
        tag(&b"\n"[..]),
    )
        .parse(input)?;
    Ok((rest, (meta, body)))
}

/// Number of `\r`/`\n` bytes at the start of `input`.
fn stray_line_ends(input: &[u8]) -> usize {
    input
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count()
}

/// Decimal digits → length, `None` when above `limit` or too long to be a `u64`.
fn length(digits: &[u8], limit: usize) -> Option<usize> {
    if digits.len() > MAX_LENGTH_DIGITS {
        return None;
    }
    let value = digits.iter().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)?
            .checked_add(u64::from(d.wrapping_sub(b'0')))
    })?;
    usize::try_from(value).ok().filter(|&v| v <= limit)
}

/// Up to `max` bytes of `bytes` as printable ASCII, escaping everything else.
pub(crate) fn escape(bytes: &[u8], max: usize) -> String {
    let shown = bytes.get(..max).unwrap_or(bytes);
    let mut out: String = shown.escape_ascii().to_string();
    if shown.len() < bytes.len() {
        out.push_str("...");
    }
    out
}

/// One decoded chunk, borrowed from the [`ChunkDecoder`]'s buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk<'a> {
    /// The JSON metadata bytes (exactly `metadata_len`).
    pub metadata: &'a [u8],
    /// The CSV body bytes (exactly `body_len`, possibly empty).
    pub body: &'a [u8],
}

/// Where the decoder is inside the current chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Waiting for (the rest of) a header at `start`.
    Header,
    /// Header of `header_len` bytes parsed at `start`; waiting for its metadata and body.
    Payload { header_len: usize, header: Header },
}

/// Sans-IO chunk decoder: push bytes in whatever pieces they arrive, poll whole chunks.
///
/// It holds at most the chunk being assembled plus what was pushed after it; the space of a
/// chunk handed out by [`poll_chunk`](Self::poll_chunk) is reclaimed by the next
/// [`push`](Self::push).
#[derive(Debug, Clone)]
pub struct ChunkDecoder {
    limits: Limits,
    buf: Vec<u8>,
    /// Offset in `buf` of the first byte not yet consumed.
    start: usize,
    stage: Stage,
}

impl ChunkDecoder {
    /// A decoder that enforces `limits`.
    pub fn new(limits: Limits) -> Self {
        ChunkDecoder {
            limits,
            buf: Vec::new(),
            start: 0,
            stage: Stage::Header,
        }
    }

    /// Appends input bytes, first discarding the chunks already handed out.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that are not yet part of a chunk handed out.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Returns the next whole chunk, or `None` when more input is needed.
    ///
    /// # Errors
    ///
    /// Any header error of [`parse_header`]. After an error the decoder is stuck: the input
    /// cannot be resynchronised.
    pub fn poll_chunk(&mut self) -> Result<Option<Chunk<'_>>, FrameError> {
        if self.stage == Stage::Header {
            let pending = self.buf.get(self.start..).unwrap_or_default();
            // Stray line ends between chunks are dropped at once so they cannot pile up.
            self.start += stray_line_ends(pending);
            let pending = self.buf.get(self.start..).unwrap_or_default();
            match parse_header(pending, &self.limits)? {
                Status::Partial => return Ok(None),
                Status::Complete((header_len, header)) => {
                    // Lengths are within the limits here, so this reservation is bounded.
                    let needed = header_len + header.metadata_len + header.body_len;
                    self.buf.reserve(needed.saturating_sub(pending.len()));
                    self.stage = Stage::Payload { header_len, header };
                }
            }
        }
        let Stage::Payload { header_len, header } = self.stage else {
            return Ok(None);
        };
        let meta_start = self.start + header_len;
        let body_start = meta_start + header.metadata_len;
        let end = body_start + header.body_len;
        if self.buf.len() < end {
            return Ok(None);
        }
        self.start = end;
        self.stage = Stage::Header;
        let metadata = self.buf.get(meta_start..body_start).unwrap_or_default();
        let body = self.buf.get(body_start..end).unwrap_or_default();
        Ok(Some(Chunk { metadata, body }))
    }

    /// Checks that the input may end here: between chunks, not inside one.
    ///
    /// Call it at end of input after [`poll_chunk`](Self::poll_chunk) returned `None`.
    ///
    /// # Errors
    ///
    /// [`FrameError::TruncatedHeader`] or [`FrameError::Truncated`], naming the part that was
    /// cut short and how many of its bytes were missing.
    pub fn finish(&self) -> Result<(), FrameError> {
        let pending = self.buf.get(self.start..).unwrap_or_default();
        match self.stage {
            Stage::Header => {
                let rest = pending.get(stray_line_ends(pending)..).unwrap_or_default();
                if rest.is_empty() {
                    Ok(())
                } else {
                    Err(FrameError::TruncatedHeader {
                        found: escape(rest, MAX_HEADER_BYTES),
                    })
                }
            }
            Stage::Payload { header_len, header } => {
                let have = pending.len().saturating_sub(header_len);
                if have < header.metadata_len {
                    Err(FrameError::Truncated {
                        part: ChunkPart::Metadata,
                        expected: header.metadata_len,
                        received: have,
                    })
                } else if have < header.metadata_len + header.body_len {
                    Err(FrameError::Truncated {
                        part: ChunkPart::Body,
                        expected: header.body_len,
                        received: have - header.metadata_len,
                    })
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// Appends one chunk: exactly `chunked 1.0,<metadata len>,<body len>\n`, the metadata, the
/// body. Lengths are in bytes.
///
/// # Example
///
/// ```
/// let mut out = Vec::new();
/// emailoutlier::protocol::frame::write_chunk(&mut out, b"{\"finished\":false}", b"");
/// assert_eq!(out, b"chunked 1.0,18,0\n{\"finished\":false}");
/// ```
pub fn write_chunk(out: &mut Vec<u8>, metadata: &[u8], body: &[u8]) {
    let header = format!("chunked 1.0,{},{}\n", metadata.len(), body.len());
    out.reserve(header.len() + metadata.len() + body.len());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(metadata);
    out.extend_from_slice(body);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decoded chunks as (metadata, body) pairs.
    type Parts = Vec<(Vec<u8>, Vec<u8>)>;
    /// Parser input and expected result.
    type HeaderCase<'a> = (&'a [u8], Status<(usize, Header)>);

    fn small() -> Limits {
        Limits {
            max_metadata_bytes: 100,
            max_body_bytes: 1000,
            max_fields: 10,
        }
    }

    #[test]
    fn header_table() {
        let limits = small();
        let h = |m, b| Header {
            metadata_len: m,
            body_len: b,
        };
        let cases: &[HeaderCase] = &[
            (b"chunked 1.0,36,0\n", Status::Complete((17, h(36, 0)))),
            (b"chunked 1.0,36,0\nrest", Status::Complete((17, h(36, 0)))),
            (b"chunked 1.0,36,0\r\n", Status::Complete((18, h(36, 0)))),
            (
                b"\r\n\nchunked 1.0,0,1000\n",
                Status::Complete((22, h(0, 1000))),
            ),
            (b"chunked 1.0,100,0\n", Status::Complete((18, h(100, 0)))),
            (b"chunked 1.0,007,0\n", Status::Complete((18, h(7, 0)))),
            (b"", Status::Partial),
            (b"\n\r\n", Status::Partial),
            (b"c", Status::Partial),
            (b"chunked 1.0", Status::Partial),
            (b"chunked 1.0,12", Status::Partial),
            (b"chunked 1.0,12,", Status::Partial),
            (b"chunked 1.0,12,3", Status::Partial),
            (b"chunked 1.0,12,3\r", Status::Partial),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse_header(input, &limits),
                Ok(*want),
                "{:?}",
                input.escape_ascii().to_string()
            );
        }
    }

    #[test]
    fn malformed_headers_quote_up_to_the_first_bad_byte() {
        let limits = small();
        let cases: &[(&[u8], &str)] = &[
            (b"chunked 2.0,1,1\n", "chunked 2"),
            (b"Chunked 1.0,1,1\n", "C"),
            (b"chunked 1.0, 1,1\n", "chunked 1.0, "),
            (b"chunked 1.0,1 ,1\n", "chunked 1.0,1 "),
            (b"chunked 1.0,1,1 \n", "chunked 1.0,1,1 "),
            (b"chunked 1.0,1,1\r\r\n", "chunked 1.0,1,1\\r\\r"),
            (b"chunked 1.0,-1,1\n", "chunked 1.0,-"),
            (b"chunked 1.0,,1\n", "chunked 1.0,,"),
            (b"chunked 1.0,1\n", "chunked 1.0,1\\n"),
            (b"\n{\"action\":\"getinfo\"}", "{"),
            (b"\x00\xff", "\\x00"),
            (b" chunked 1.0,1,1\n", " "),
            (b"__GETINFO__", "_"),
            (
                b"chunked 1.0,12345678901234567x",
                "chunked 1.0,12345678901234567x",
            ),
        ];
        for (input, found) in cases {
            match parse_header(input, &limits) {
                Err(FrameError::BadHeader { found: f }) => assert_eq!(&f, found),
                other => panic!("{:?}: {other:?}", input.escape_ascii().to_string()),
            }
        }
    }

    #[test]
    fn lengths_over_limits_are_rejected() {
        let limits = small();
        let err = parse_header(b"chunked 1.0,101,0\n", &limits);
        assert_eq!(
            err,
            Err(FrameError::MetadataTooLarge {
                claimed: "101".into(),
                limit: 100
            })
        );
        let err = parse_header(b"chunked 1.0,1,1001\n", &limits);
        assert_eq!(
            err,
            Err(FrameError::BodyTooLarge {
                claimed: "1001".into(),
                limit: 1000
            })
        );
        // 20 digits: above u64::MAX, must not overflow.
        let err = parse_header(b"chunked 1.0,1,99999999999999999999\n", &limits);
        assert!(
            matches!(err, Err(FrameError::BodyTooLarge { .. })),
            "{err:?}"
        );
        let err = parse_header(b"chunked 1.0,18446744073709551616,0\n", &Limits::default());
        assert!(
            matches!(err, Err(FrameError::MetadataTooLarge { .. })),
            "{err:?}"
        );
        // u64::MAX with no limit in force still fits only where usize is 64-bit.
        let unlimited = Limits {
            max_metadata_bytes: usize::MAX,
            max_body_bytes: usize::MAX,
            max_fields: 1,
        };
        let max = parse_header(b"chunked 1.0,0,18446744073709551615\n", &unlimited);
        assert!(max.is_ok() || usize::BITS < 64, "{max:?}");
        // Leading zeros beyond 20 digits are refused rather than buffered forever.
        let err = parse_header(b"chunked 1.0,000000000000000000001,0\n", &limits);
        assert!(
            matches!(err, Err(FrameError::MetadataTooLarge { .. })),
            "{err:?}"
        );
        let message = FrameError::BodyTooLarge {
            claimed: "1001".into(),
            limit: 1000,
        }
        .to_string();
        assert!(
            message.contains("1001") && message.contains("1000"),
            "{message}"
        );
    }

    #[test]
    fn endless_digits_are_refused_while_partial() {
        let mut input = b"chunked 1.0,".to_vec();
        input.extend_from_slice(&[b'1'; 60]);
        let err = parse_header(&input, &small());
        assert!(
            matches!(err, Err(FrameError::MetadataTooLarge { .. })),
            "{err:?}"
        );
    }

    /// Fuzz finding F2: the error text depended on how stdin was split.
    #[test]
    fn header_errors_do_not_depend_on_the_split() {
        let mut long = b"chunked 1.0,".to_vec();
        long.extend_from_slice(&[b'1'; 52]);
        long.extend_from_slice(b",0\n");
        let mut long_body = b"chunked 1.0,1,".to_vec();
        long_body.extend_from_slice(&[b'9'; 30]);
        long_body.push(b'\n');
        let cases: [&[u8]; 6] = [
            b"g\xff",
            b"HTTP/1.1 200 OK\r\n",
            b"chunked 1.0,12x,3\n",
            b"chunked 1.0,1,2\rX\n",
            &long,
            &long_body,
        ];
        for input in cases {
            let whole = parse_header(input, &small()).map(|_| ()).unwrap_err();
            let mut seen = None;
            for end in 1..=input.len() {
                if let Err(e) = parse_header(&input[..end], &small()) {
                    seen = Some(e);
                    break;
                }
            }
            assert_eq!(seen, Some(whole), "{}", input.escape_ascii());
        }
        assert_eq!(
            parse_header(b"g\xff", &small()),
            Err(FrameError::BadHeader { found: "g".into() })
        );
        assert_eq!(
            parse_header(b"chunked 1.0,12x,3\n", &small()),
            Err(FrameError::BadHeader {
                found: "chunked 1.0,12x".into()
            })
        );
    }

    #[test]
    fn encoder_writes_exact_bytes() {
        let mut out = b"prefix".to_vec();
        write_chunk(&mut out, "{\"é\":1}".as_bytes(), b"a\n");
        assert_eq!(out, "prefixchunked 1.0,8,2\n{\"é\":1}a\n".as_bytes());
        let mut empty = Vec::new();
        write_chunk(&mut empty, b"", b"");
        assert_eq!(empty, b"chunked 1.0,0,0\n");
    }

    /// Three chunks with zero, ASCII and multi-byte parts, and stray line ends between them.
    fn sample() -> (Vec<u8>, Parts) {
        let parts: Parts = vec![
            (b"{\"action\":\"getinfo\"}".to_vec(), Vec::new()),
            (
                b"{\"action\":\"execute\",\"finished\":false}".to_vec(),
                "a,b\n1,\"x\ny\"\n2,한국어😀\n".as_bytes().to_vec(),
            ),
            (Vec::new(), b"chunked 1.0,1,1\n".to_vec()),
            (b"{}".to_vec(), b"\r\n".to_vec()),
        ];
        let mut wire = Vec::new();
        for (i, (m, b)) in parts.iter().enumerate() {
            write_chunk(&mut wire, m, b);
            if i == 1 {
                wire.extend_from_slice(b"\r\n\n");
            }
        }
        wire.extend_from_slice(b"\n");
        (wire, parts)
    }

    fn decode(pieces: &[&[u8]]) -> Result<Parts, FrameError> {
        let mut decoder = ChunkDecoder::new(Limits::default());
        let mut out = Vec::new();
        for piece in pieces {
            decoder.push(piece);
            while let Some(c) = decoder.poll_chunk()? {
                out.push((c.metadata.to_vec(), c.body.to_vec()));
            }
        }
        decoder.finish()?;
        Ok(out)
    }

    #[test]
    fn round_trip_whole_input() {
        let (wire, parts) = sample();
        assert_eq!(decode(&[&wire]), Ok(parts));
    }

    #[test]
    fn every_split_position_gives_identical_chunks() {
        let (wire, parts) = sample();
        for cut in 0..=wire.len() {
            let (a, b) = wire.split_at(cut);
            assert_eq!(decode(&[a, b]).as_ref(), Ok(&parts), "split at {cut}");
        }
        for first in (0..wire.len()).step_by(7) {
            for second in first..wire.len() {
                let pieces = [&wire[..first], &wire[first..second], &wire[second..]];
                assert_eq!(
                    decode(&pieces).as_ref(),
                    Ok(&parts),
                    "split at {first},{second}"
                );
            }
        }
    }

    #[test]
    fn one_byte_at_a_time_gives_identical_chunks() {
        let (wire, parts) = sample();
        let pieces: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(decode(&pieces), Ok(parts));
    }

    #[test]
    fn consumed_chunks_are_reclaimed_on_push() {
        let mut decoder = ChunkDecoder::new(Limits::default());
        let mut wire = Vec::new();
        write_chunk(&mut wire, b"{}", &[b'x'; 1000]);
        decoder.push(&wire);
        decoder.push(b"chunked");
        assert!(decoder.poll_chunk().unwrap().is_some());
        assert_eq!(decoder.buffered(), 7);
        decoder.push(b" 1.0,");
        assert_eq!(decoder.buf.len(), 12, "the handed-out chunk was dropped");
        assert_eq!(decoder.poll_chunk(), Ok(None));
    }

    #[test]
    fn stray_line_ends_do_not_accumulate() {
        let mut decoder = ChunkDecoder::new(Limits::default());
        for _ in 0..1000 {
            decoder.push(b"\r\n");
            assert_eq!(decoder.poll_chunk(), Ok(None));
        }
        assert_eq!(decoder.buffered(), 0);
        assert_eq!(decoder.finish(), Ok(()));
    }

    #[test]
    fn finish_names_the_truncated_part() {
        let cases: &[(&[u8], FrameError)] = &[
            (
                b"chunked 1.0,4",
                FrameError::TruncatedHeader {
                    found: "chunked 1.0,4".into(),
                },
            ),
            (
                b"chunked 1.0,4,3\n{}",
                FrameError::Truncated {
                    part: ChunkPart::Metadata,
                    expected: 4,
                    received: 2,
                },
            ),
            (
                b"chunked 1.0,4,3\n{  }",
                FrameError::Truncated {
                    part: ChunkPart::Body,
                    expected: 3,
                    received: 0,
                },
            ),
            (
                b"chunked 1.0,4,3\n{  }ab",
                FrameError::Truncated {
                    part: ChunkPart::Body,
                    expected: 3,
                    received: 2,
                },
            ),
        ];
        for (input, want) in cases {
            let mut decoder = ChunkDecoder::new(Limits::default());
            decoder.push(input);
            assert_eq!(decoder.poll_chunk(), Ok(None));
            assert_eq!(decoder.finish().as_ref(), Err(want));
        }
        let message = FrameError::Truncated {
            part: ChunkPart::Body,
            expected: 150,
            received: 0,
        }
        .to_string();
        assert_eq!(
            message,
            "input ended in the body of a chunk: received 0 of 150 bytes (150 missing)"
        );
    }

    #[test]
    fn decoder_reports_errors_after_good_chunks() {
        let mut decoder = ChunkDecoder::new(Limits::default());
        decoder.push(b"chunked 1.0,2,0\n{}garbage here and more");
        assert_eq!(
            decoder.poll_chunk().unwrap().map(|c| c.metadata),
            Some(&b"{}"[..])
        );
        let err = decoder.poll_chunk().unwrap_err();
        assert_eq!(err, FrameError::BadHeader { found: "g".into() });
    }

    #[test]
    fn oversized_claim_is_rejected_before_any_body_arrives() {
        let mut decoder = ChunkDecoder::new(small());
        decoder.push(b"chunked 1.0,2,1000000000\n");
        assert!(matches!(
            decoder.poll_chunk(),
            Err(FrameError::BodyTooLarge { .. })
        ));
        assert!(decoder.buf.capacity() < 1024);
    }

    proptest::proptest! {
        #[test]
        fn random_chunks_survive_random_splits(
            parts in proptest::collection::vec(
                (proptest::collection::vec(0u8..=255, 0..40), proptest::collection::vec(0u8..=255, 0..80)),
                0..6,
            ),
            mut cuts in proptest::collection::vec(0usize..2000, 0..8),
            stray in 0usize..4,
        ) {
            let mut wire = Vec::new();
            for (m, b) in &parts {
                wire.extend_from_slice(&b"\r\n\n"[..stray.min(3)]);
                write_chunk(&mut wire, m, b);
            }
            cuts.iter_mut().for_each(|c| *c %= wire.len() + 1);
            cuts.sort_unstable();
            let mut pieces = Vec::new();
            let mut last = 0;
            for &c in cuts.iter().chain(std::iter::once(&wire.len())) {
                pieces.push(&wire[last..c]);
                last = c;
            }
            proptest::prop_assert_eq!(decode(&pieces), Ok(parts));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(0u8..=255, 0..200)) {
            let mut decoder = ChunkDecoder::new(small());
            decoder.push(&bytes);
            while let Ok(Some(_)) = decoder.poll_chunk() {}
            let _ = decoder.finish();
            let _ = parse_header(&bytes, &small());
        }
    }
}
