//! Arbitrary stdin bytes through a whole session, sans-IO: `run_protocol` over a `&[u8]`
//! reader and a `Vec<u8>` writer.
//!
//! Invariants: reading the input in pieces (sized by the data itself, one byte at a time)
//! gives the same output and outcome as one read; the output is a sequence of well-formed
//! chunks with JSON-object metadata; a failed run ends with a chunk whose metadata holds
//! `"finished":true` and `"error"`; a session key never appears in the output; no panic is
//! caught and reported as an internal error. The command is the real `OutlierCommand`, with
//! a fixed clock and zone and an info.csv chosen by the getinfo's `dispatch_dir`.
#![no_main]

use std::io::Read;

use emailoutlier::protocol::frame::{ChunkDecoder, Limits};
use libfuzzer_sys::fuzz_target;

/// Small limits, so that the limit checks are reachable by short inputs.
const LIMITS: Limits = Limits {
    max_metadata_bytes: 4096,
    max_body_bytes: 8192,
    max_fields: 64,
};

/// A reader handing out `data` in pieces whose sizes come from `sizes`, cycled.
struct Pieces<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    turn: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = match self.sizes.get(self.turn % self.sizes.len().max(1)) {
            Some(&s) => usize::from(s % 61) + 1,
            None => buf.len(),
        };
        self.turn += 1;
        let n = size.min(buf.len()).min(self.data.len());
        let (piece, rest) = self.data.split_at(n);
        buf[..n].copy_from_slice(piece);
        self.data = rest;
        Ok(n)
    }
}

fn run(reader: impl Read) -> (Vec<u8>, Result<String, String>) {
    let mut output = Vec::new();
    let result =
        emailoutlier::run_protocol_with_limits(reader, &mut output, command::for_fuzzing(), LIMITS);
    (
        output,
        result.map(|o| format!("{o:?}")).map_err(|e| e.to_string()),
    )
}

fuzz_target!(|data: &[u8]| {
    let whole = run(data);
    check_output(data, &whole.0, &whole.1);
    same_replies(
        &whole,
        &run(Pieces {
            data,
            sizes: data,
            turn: 0,
        }),
        "in pieces",
    );
    same_replies(
        &whole,
        &run(Pieces {
            data,
            sizes: &[0],
            turn: 0,
        }),
        "byte by byte",
    );
});

/// The replies of one whole read and of another way of reading must be byte for byte the same.
fn same_replies(
    whole: &(Vec<u8>, Result<String, String>),
    other: &(Vec<u8>, Result<String, String>),
    how: &str,
) {
    assert_eq!(whole.1, other.1, "reading {how} changed the outcome");
    assert!(
        whole.0 == other.0,
        "reading {how} changed the output:\n{}\n{}",
        whole.0.escape_ascii(),
        other.0.escape_ascii()
    );
}

fn check_output(input: &[u8], output: &[u8], result: &Result<String, String>) {
    let mut decoder = ChunkDecoder::new(Limits::default());
    decoder.push(output);
    let mut last_metadata = None;
    loop {
        match decoder.poll_chunk() {
            Ok(Some(chunk)) => {
                let metadata: serde_json::Value = serde_json::from_slice(chunk.metadata)
                    .unwrap_or_else(|e| panic!("reply metadata is not JSON: {e}"));
                assert!(metadata.is_object(), "reply metadata is not a JSON object");
                last_metadata = Some(metadata);
            }
            Ok(None) => break,
            Err(e) => panic!("the output is not well-formed chunks: {e}"),
        }
    }
    if let Err(e) = decoder.finish() {
        panic!("the output ends inside a chunk: {e}");
    }
    let text = String::from_utf8_lossy(output);
    assert!(
        !text.contains("report this as a bug"),
        "a panic was caught: {text}"
    );
    if let Err(message) = result {
        let last =
            last_metadata.unwrap_or_else(|| panic!("run failed ({message}) without any reply"));
        assert_eq!(last["finished"], serde_json::Value::Bool(true), "{last}");
        assert!(
            last.get("error").is_some(),
            "failed run's last reply has no error: {last}"
        );
    }
    if let Some(key) = session_key(input) {
        // Only a key that looks like one (so the output cannot spell it by chance, e.g.
        // `n,19201028,42931930.49` from annotated numbers) and occurs once in the input (so no
        // body or argument may echo it).
        if looks_like_key(&key) && occurrences(input, key.as_bytes()) == 1 {
            assert!(!contains(output, key.as_bytes()), "the session key leaked");
        }
    }
}

/// At least 12 characters of `[A-Za-z0-9_^+/=-]` with an upper-case letter, a lower-case
/// letter and a digit, as splunkd's keys are.
fn looks_like_key(key: &str) -> bool {
    let b = key.as_bytes();
    b.len() >= 12
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"_^+/=-".contains(c))
        && b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
        && b.iter().any(u8::is_ascii_digit)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The `session_key` of the first chunk's metadata, if it is a getinfo with one.
fn session_key(input: &[u8]) -> Option<String> {
    let mut decoder = ChunkDecoder::new(LIMITS);
    decoder.push(input);
    let chunk = decoder.poll_chunk().ok()??;
    let metadata: serde_json::Value = serde_json::from_slice(chunk.metadata).ok()?;
    Some(
        metadata
            .get("searchinfo")?
            .get("session_key")?
            .as_str()?
            .to_owned(),
    )
}

fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// The command the session drives: the real detection with a fixed environment.
mod command {
    use std::io::{Error, ErrorKind};
    use std::path::Path;

    use emailoutlier::command::{Environment, OutlierCommand};

    /// A realistic info.csv: `now` 2023-11-14T22:13:20Z in Europe/Paris, 2023 rules.
    const INFO_CSV: &[u8] = b"_sid,now,_tz\n1700000000.42,1700000000.000000000,\"\
        ### SERIALIZED TIMEZONE FORMAT 1.0;Y3600 NW 43 45 54;Y7200 YW 43 45 53 54;\
        @1679792400 1;@1698541200 0;@1711846800 1;@1729990800 0;$\"\n";

    /// Reads `<dispatch_dir>/info.csv` from the fuzzer's own getinfo: an absolute
    /// `dispatch_dir` holds [`INFO_CSV`], `missing` none, and any other text is itself the
    /// file's content, so the fuzzer also reaches info.csv and `_tz` parsing.
    fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
        let dir = path
            .parent()
            .map(|p| p.as_os_str().as_encoded_bytes())
            .unwrap_or_default();
        match dir {
            b"missing" => Err(Error::from(ErrorKind::NotFound)),
            b"unreadable" => Err(Error::from(ErrorKind::PermissionDenied)),
            [b'/', ..] => Ok(INFO_CSV.to_vec()),
            text => Ok(text.to_vec()),
        }
    }

    /// 2023-11-15T10:00:00Z, in UTC.
    pub fn for_fuzzing() -> OutlierCommand {
        OutlierCommand::new(Environment {
            system_now: 1_700_042_400.0,
            system_zone: jiff::tz::TimeZone::UTC,
            read_file,
        })
    }
}
