//! Shared helpers for the tests that drive the real `emailoutlier` binary: build request
//! chunks, run the binary with a bounded run time, and parse what it wrote on stdout
//! (which must hold nothing but well-formed chunks).

use std::io::{ErrorKind, Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Longest a single run of the binary may take before it is killed and the test fails.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

/// A session key no output may ever contain.
pub const SESSION_KEY: &str = "SESSIONKEY-DO-NOT-LEAK-7f3a9c1e5b2d4086";

/// The path of the binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_emailoutlier");

/// One reply chunk written by the binary.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The metadata, parsed (always a JSON object).
    pub metadata: Value,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// The `error` text, if this is an ERROR reply.
    pub fn error(&self) -> Option<&str> {
        self.metadata.get("error").and_then(Value::as_str)
    }

    /// The inspector messages as (level, text) pairs.
    pub fn messages(&self) -> Vec<(String, String)> {
        let Some(list) = self
            .metadata
            .pointer("/inspector/messages")
            .and_then(Value::as_array)
        else {
            return Vec::new();
        };
        list.iter()
            .map(|m| {
                let pair = m.as_array().expect("a message is a [level, text] array");
                assert_eq!(pair.len(), 2, "message {m}");
                (
                    pair[0].as_str().expect("level is text").to_owned(),
                    pair[1].as_str().expect("text is text").to_owned(),
                )
            })
            .collect()
    }

    /// The body as UTF-8 text.
    pub fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("reply body is UTF-8")
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// Everything written on stdout.
    pub stdout: Vec<u8>,
    /// Everything written on stderr.
    pub stderr: Vec<u8>,
    /// How the process ended.
    pub status: ExitStatus,
    /// How long it ran.
    pub elapsed: Duration,
    /// stdout parsed into chunks (the run fails the test if stdout holds anything else).
    pub replies: Vec<Reply>,
}

impl Run {
    /// stderr as (lossy) text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The last reply; fails when there is none.
    pub fn last(&self) -> &Reply {
        self.replies.last().expect("at least one reply")
    }

    /// Asserts the run ended with exactly one ERROR reply, as its last chunk, whose text
    /// contains every one of `keywords`, with `finished:true` and a non-zero exit; returns the
    /// error text.
    pub fn assert_error(&self, keywords: &[&str]) -> String {
        let errors = self.replies.iter().filter(|r| r.error().is_some()).count();
        assert_eq!(errors, 1, "exactly one ERROR reply in {self:#?}");
        let last = self.last();
        let text = last.error().expect("the ERROR reply is the last chunk");
        assert_eq!(
            last.messages(),
            vec![("ERROR".to_owned(), text.to_owned())],
            "the error is also the one inspector message"
        );
        assert_eq!(last.metadata.get("finished"), Some(&Value::Bool(true)));
        assert!(last.body.is_empty(), "an ERROR reply has no body");
        for keyword in keywords {
            assert!(
                text.contains(keyword),
                "error {text:?} should contain {keyword:?}"
            );
        }
        assert!(!self.status.success(), "exit status {:?}", self.status);
        assert_eq!(self.status.code(), Some(1), "protocol failures exit 1");
        assert!(
            self.stderr_text().contains(text),
            "stderr repeats the error for search.log: {:?}",
            self.stderr_text()
        );
        text.to_owned()
    }

    /// Asserts a clean exit (status 0) and no ERROR reply.
    pub fn assert_success(&self) {
        assert!(
            self.replies.iter().all(|r| r.error().is_none()),
            "no ERROR reply in {self:#?}"
        );
        assert!(
            self.status.success(),
            "exit status {:?}, stderr {:?}",
            self.status,
            self.stderr_text()
        );
    }
}

/// Runs the binary in protocol mode (no arguments) on `stdin`.
pub fn run(stdin: &[u8]) -> Run {
    run_args(&[], stdin)
}

/// Runs the binary with `args` on `stdin` and parses stdout as chunks. `TZ` is pinned to UTC
/// so runs that fall back to the local zone are reproducible.
///
/// Fails the test when the run takes longer than [`TIME_LIMIT`] (the process is killed) or
/// when stdout holds anything but whole, well-formed chunks.
pub fn run_args(args: &[&str], stdin: &[u8]) -> Run {
    let run = spawn(args, stdin);
    let replies = parse_replies(&run.0);
    Run {
        stdout: run.0,
        stderr: run.1,
        status: run.2,
        elapsed: run.3,
        replies,
    }
}

/// Runs the binary with `args` on `stdin` without interpreting stdout (CLI mode).
pub fn run_raw(args: &[&str], stdin: &[u8]) -> (Vec<u8>, Vec<u8>, ExitStatus) {
    let (stdout, stderr, status, _) = spawn(args, stdin);
    (stdout, stderr, status)
}

fn spawn(args: &[&str], stdin: &[u8]) -> (Vec<u8>, Vec<u8>, ExitStatus, Duration) {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().expect("piped stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The binary may stop reading early (it does after an error): a broken pipe is fine.
        match input.write_all(&data) {
            Err(e) if e.kind() != ErrorKind::BrokenPipe => panic!("writing stdin: {e}"),
            _ => {}
        }
    });
    let stdout = reader(child.stdout.take().expect("piped stdout"));
    let stderr = reader(child.stderr.take().expect("piped stderr"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the binary") {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the binary did not exit within {TIME_LIMIT:?} (killed)");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    writer.join().expect("stdin writer");
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    (stdout, stderr, status, elapsed)
}

fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        pipe.read_to_end(&mut out).expect("reading a pipe");
        out
    })
}

/// Splits `stdout` into chunks, failing unless it is exactly a sequence of
/// `chunked 1.0,<m>,<b>\n` + m bytes of JSON object + b bytes, with nothing before, between
/// or after.
pub fn parse_replies(stdout: &[u8]) -> Vec<Reply> {
    let mut replies = Vec::new();
    let mut rest = stdout;
    while !rest.is_empty() {
        let shown = String::from_utf8_lossy(&rest[..rest.len().min(80)]).into_owned();
        let line_end = rest
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or_else(|| panic!("stdout holds a partial chunk header: {shown:?}"));
        let line = std::str::from_utf8(&rest[..line_end])
            .unwrap_or_else(|_| panic!("stdout holds a non-UTF-8 header: {shown:?}"));
        let lengths = line
            .strip_prefix("chunked 1.0,")
            .unwrap_or_else(|| panic!("stdout holds something other than a chunk: {shown:?}"));
        let (meta, body) = lengths
            .split_once(',')
            .unwrap_or_else(|| panic!("malformed chunk header {line:?}"));
        let digits = |s: &str| {
            assert!(
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
                "malformed chunk header {line:?}"
            );
            s.parse::<usize>().expect("a length")
        };
        let (meta_len, body_len) = (digits(meta), digits(body));
        rest = &rest[line_end + 1..];
        assert!(
            rest.len() >= meta_len + body_len,
            "stdout ends inside a chunk: header {line:?}, {} bytes follow",
            rest.len()
        );
        let raw_metadata = &rest[..meta_len];
        let metadata: Value = serde_json::from_slice(raw_metadata).unwrap_or_else(|e| {
            panic!(
                "reply metadata is not JSON ({e}): {:?}",
                String::from_utf8_lossy(raw_metadata)
            )
        });
        assert!(metadata.is_object(), "reply metadata is an object");
        let body = rest[meta_len..meta_len + body_len].to_vec();
        rest = &rest[meta_len + body_len..];
        replies.push(Reply { metadata, body });
    }
    replies
}

/// One encoded chunk.
pub fn chunk(metadata: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("chunked 1.0,{},{}\n{metadata}", metadata.len(), body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// A getinfo request as splunkd sends it, with [`SESSION_KEY`], `args` and `dispatch_dir`.
pub fn getinfo_in(args: &[&str], dispatch_dir: &str, preview: bool) -> Vec<u8> {
    let metadata = serde_json::json!({
        "action": "getinfo",
        "preview": preview,
        "streaming_command_will_restart": false,
        "searchinfo": {
            "args": args,
            "raw_args": args,
            "dispatch_dir": dispatch_dir,
            "sid": "1750000000.42",
            "app": "emailoutlier",
            "owner": "admin",
            "username": "admin",
            "session_key": SESSION_KEY,
            "splunkd_uri": "https://127.0.0.1:8089",
            "splunk_version": "9.4.0",
            "search": "%7C%20tstats%20sum(All_Traffic.bytes_out)%20%7C%20emailoutlier",
            "command": "emailoutlier",
            "maxresultrows": 50000,
            "earliest_time": "0",
            "latest_time": "0"
        }
    });
    chunk(&metadata.to_string(), b"")
}

/// A getinfo request with `args` and no dispatch directory.
pub fn getinfo(args: &[&str]) -> Vec<u8> {
    getinfo_in(args, "", false)
}

/// An execute request carrying `body`.
pub fn execute(finished: bool, body: &[u8]) -> Vec<u8> {
    chunk(
        &format!(r#"{{"action":"execute","finished":{finished}}}"#),
        body,
    )
}

/// Writes `info.csv` with `contents` into a fresh temporary dispatch directory.
pub fn dispatch_dir(contents: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("info.csv"), contents).expect("writing info.csv");
    dir
}

/// The directory as the text splunkd puts in `dispatch_dir`.
pub fn path_text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// Asserts no byte sequence of stdout or stderr contains [`SESSION_KEY`].
pub fn assert_no_key(run: &Run, case: &str) {
    let key = SESSION_KEY.as_bytes();
    for (name, bytes) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !bytes.windows(key.len()).any(|w| w == key),
            "{case}: the session key appears on {name}"
        );
    }
}
