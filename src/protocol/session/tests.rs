//! Session tests, driven by a test-only echo command.

use super::*;
use crate::protocol::message::CommandType;

/// Echoes every row it is fed; misbehaves on request through its arguments:
/// `fail=<stage>` returns an error there, `panic=<stage>` panics there, `skip` reads no rows.
#[derive(Default)]
struct Echo {
    fail: Option<String>,
    panic: Option<String>,
    skip: bool,
    fields: Vec<String>,
    rows: Vec<Vec<Vec<u8>>>,
    feeds: usize,
    warning: Option<String>,
}

impl Echo {
    fn trouble(&self, stage: &str) -> Result<(), CommandError> {
        if self.panic.as_deref() == Some(stage) {
            panic!("echo {stage} exploded");
        }
        if self.fail.as_deref() == Some(stage) {
            return Err(format!("echo refused in {stage}").into());
        }
        Ok(())
    }
}

impl Command for Echo {
    fn getinfo(&mut self, request: &GetInfo) -> Result<GetInfoReply, CommandError> {
        for arg in &request.searchinfo.args {
            match arg.split_once('=') {
                Some(("fail", stage)) => self.fail = Some(stage.into()),
                Some(("panic", stage)) => self.panic = Some(stage.into()),
                Some(("leak", _)) => {
                    return Err(format!("bad key {}", request.searchinfo.session_key).into())
                }
                Some(("warn", _)) => {
                    self.warning = Some(format!("key {}", request.searchinfo.session_key))
                }
                _ if arg == "skip" => self.skip = true,
                _ => return Err(format!("unknown option \"{arg}\"").into()),
            }
        }
        self.trouble("getinfo")?;
        Ok(GetInfoReply {
            command_type: CommandType::Events,
            required_fields: None,
        })
    }

    fn feed(&mut self, body: &mut BodyReader<'_>) -> Result<(), CommandError> {
        self.feeds += 1;
        self.trouble("feed")?;
        if self.skip {
            return Ok(());
        }
        if !body.fields().is_empty() {
            self.fields = body.fields().to_vec();
        }
        while let Some(row) = body.read_row()? {
            self.rows.push(
                (0..self.fields.len())
                    .map(|f| row.get(f).to_vec())
                    .collect(),
            );
        }
        Ok(())
    }

    fn finish(&mut self, output: &mut BodyWriter<'_>) -> Result<Vec<Message>, CommandError> {
        self.trouble("finish")?;
        let names: Vec<&str> = self.fields.iter().map(String::as_str).collect();
        if names.is_empty() {
            return Ok(vec![Message::new(Level::Info, "echoed 0 rows")]);
        }
        output.write_header(&names)?;
        for row in &self.rows {
            let cells: Vec<&[u8]> = row.iter().map(Vec::as_slice).collect();
            output.write_row(&cells)?;
        }
        let mut messages = vec![Message::new(
            Level::Info,
            format!("echoed {} rows", self.rows.len()),
        )];
        messages.extend(
            self.warning
                .iter()
                .map(|w| Message::new(Level::Warn, w.as_str())),
        );
        Ok(messages)
    }
}

fn chunk(metadata: &str, body: &str) -> Vec<u8> {
    let mut out = Vec::new();
    write_chunk(&mut out, metadata.as_bytes(), body.as_bytes());
    out
}

fn getinfo_with(args: &[&str], preview: bool) -> Vec<u8> {
    let args = args
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(",");
    chunk(
        &format!(
            r#"{{"action":"getinfo","preview":{preview},"searchinfo":{{"args":[{args}],"sid":"1.2","session_key":"K3y^Secret"}}}}"#
        ),
        "",
    )
}

fn getinfo() -> Vec<u8> {
    getinfo_with(&[], false)
}

fn execute(finished: bool, body: &str) -> Vec<u8> {
    chunk(
        &format!(r#"{{"action":"execute","finished":{finished}}}"#),
        body,
    )
}

const HEADER: &str = "host,\"bytes\",\"__mv_host\",\"__mv_bytes\"\n";

/// Runs `input` split into `pieces` (boundaries), returning the output and the result.
fn run_split(input: &[u8], cuts: &[usize]) -> (Vec<u8>, Result<Outcome, String>, Session<Echo>) {
    let mut session = Session::new(Echo::default(), Limits::default());
    let mut out = Vec::new();
    let mut last = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let result = session.handle_bytes(&input[last..cut]);
        session.poll_output(&mut out);
        if let Err(e) = result {
            return (out, Err(e.to_string()), session);
        }
        last = cut;
    }
    let result = session.handle_eof().map_err(|e| e.to_string());
    session.poll_output(&mut out);
    (out, result, session)
}

fn run(input: &[u8]) -> (Vec<u8>, Result<Outcome, String>) {
    let (out, result, _) = run_split(input, &[]);
    (out, result)
}

fn full_session_input() -> Vec<u8> {
    [
        getinfo(),
        execute(false, &format!("{HEADER}mx1,10,,\n\"mx 2\",20,,\n")),
        execute(false, &format!("{HEADER}\"mx,3\",\"3\n0\",,\n")),
        execute(false, HEADER),
        execute(true, HEADER),
    ]
    .concat()
}

const FULL_SESSION_OUTPUT: &str = concat!(
    "chunked 1.0,17,0\n{\"type\":\"events\"}",
    "chunked 1.0,18,0\n{\"finished\":false}",
    "chunked 1.0,18,0\n{\"finished\":false}",
    "chunked 1.0,18,0\n{\"finished\":false}",
    "chunked 1.0,69,39\n{\"inspector\":{\"messages\":[[\"INFO\",\"echoed 3 rows\"]]},\"finished\":true}",
    "host,bytes\nmx1,10\nmx 2,20\n\"mx,3\",\"3\n0\"\n",
);

#[test]
fn full_session_replies_byte_exact() {
    let (out, result, session) = run_split(&full_session_input(), &[]);
    assert_eq!(String::from_utf8(out).unwrap(), FULL_SESSION_OUTPUT);
    assert_eq!(result, Ok(Outcome::Completed));
    assert_eq!(session.state(), SessionState::Done(Outcome::Completed));
    assert_eq!(session.command().feeds, 4);
}

#[test]
fn full_session_same_output_for_every_split() {
    let input = full_session_input();
    for cut in 0..=input.len() {
        let (out, result, _) = run_split(&input, &[cut]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            FULL_SESSION_OUTPUT,
            "split at {cut}"
        );
        assert_eq!(result, Ok(Outcome::Completed));
    }
    let every_byte: Vec<usize> = (1..input.len()).collect();
    let (out, _, _) = run_split(&input, &every_byte);
    assert_eq!(out, FULL_SESSION_OUTPUT.as_bytes());
}

#[test]
fn replies_leave_as_soon_as_each_request_is_complete() {
    let input = full_session_input();
    let first = getinfo().len();
    let mut session = Session::new(Echo::default(), Limits::default());
    let mut out = Vec::new();
    session.handle_bytes(&input[..first - 1]).unwrap();
    assert!(!session.poll_output(&mut out));
    session.handle_bytes(&input[first - 1..first]).unwrap();
    assert!(session.poll_output(&mut out));
    assert_eq!(out, b"chunked 1.0,17,0\n{\"type\":\"events\"}");
}

#[test]
fn input_after_the_final_reply_is_discarded() {
    let mut input = full_session_input();
    input.extend_from_slice(b"trailing garbage, not a chunk");
    input.extend_from_slice(&execute(true, HEADER));
    let (out, result) = run(&input);
    assert_eq!(out, FULL_SESSION_OUTPUT.as_bytes());
    assert_eq!(result, Ok(Outcome::Completed));
}

#[test]
fn getinfo_only_run() {
    let (out, result, session) = run_split(&getinfo(), &[]);
    assert_eq!(out, b"chunked 1.0,17,0\n{\"type\":\"events\"}");
    assert_eq!(result, Ok(Outcome::GetinfoOnly));
    assert_eq!(session.command().feeds, 0);
    // Stray line ends after the getinfo are tolerated.
    let (_, result) = run(&[getinfo(), b"\r\n".to_vec()].concat());
    assert_eq!(result, Ok(Outcome::GetinfoOnly));
}

#[test]
fn preview_answers_finished_without_work() {
    let input = [
        getinfo_with(&[], true),
        execute(false, &format!("{HEADER}mx1,10,,\n")),
        execute(true, HEADER),
    ]
    .concat();
    let (out, result, session) = run_split(&input, &[]);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        concat!(
            "chunked 1.0,17,0\n{\"type\":\"events\"}",
            "chunked 1.0,17,0\n{\"finished\":true}",
            "chunked 1.0,17,0\n{\"finished\":true}",
        )
    );
    assert_eq!(result, Ok(Outcome::Preview));
    assert_eq!(session.command().feeds, 0);
}

#[test]
fn final_reply_without_output_rows() {
    let input = [getinfo(), execute(true, "")].concat();
    let (out, result) = run(&input);
    let want = concat!(
        "chunked 1.0,17,0\n{\"type\":\"events\"}",
        "chunked 1.0,69,0\n{\"inspector\":{\"messages\":[[\"INFO\",\"echoed 0 rows\"]]},\"finished\":true}",
    );
    assert_eq!(String::from_utf8(out).unwrap(), want);
    assert_eq!(result, Ok(Outcome::Completed));
}

/// The ERROR reply chunk for `message`.
fn error_chunk(message: &str) -> String {
    let json = serde_json::json!(message).to_string();
    let metadata = format!(
        r#"{{"inspector":{{"messages":[["ERROR",{json}]]}},"error":{json},"finished":true}}"#
    );
    format!("chunked 1.0,{},0\n{metadata}", metadata.len())
}

#[test]
fn every_failure_yields_one_error_reply() {
    let gi = getinfo();
    let reply_gi = "chunked 1.0,17,0\n{\"type\":\"events\"}";
    let reply_false = "chunked 1.0,18,0\n{\"finished\":false}";
    let rows = format!("{HEADER}mx1,10,,\n");
    let cases: Vec<(&str, Vec<u8>, String, &str)> = vec![
        (
            "framing",
            b"GET / HTTP/1.1\r\n\r\n".to_vec(),
            String::new(),
            "malformed chunk header: expected `chunked 1.0,<metadata bytes>,<body bytes>\\n`, found \"G\"; the input is not splunkd's chunked protocol (is commands.conf `chunked = true`?)",
        ),
        (
            "bad json",
            chunk("{\"action\":", ""),
            String::new(),
            "request metadata is not valid JSON: EOF while parsing a value at line 1 column 10",
        ),
        ("not an object", chunk("[]", ""), String::new(), "request metadata must be a JSON object, found an array"),
        (
            "unknown action",
            [gi.clone(), chunk(r#"{"action":"fetch"}"#, "")].concat(),
            reply_gi.to_string(),
            "unknown request action \"fetch\"; expected \"getinfo\" or \"execute\"",
        ),
        (
            "execute before getinfo",
            execute(true, ""),
            String::new(),
            "protocol error: execute request before getinfo; splunkd must send getinfo first",
        ),
        (
            "second getinfo",
            [gi.clone(), gi.clone()].concat(),
            reply_gi.to_string(),
            "protocol error: a second getinfo request; expected execute",
        ),
        (
            "eof in body",
            [gi.clone(), execute(false, &rows)[..60].to_vec()].concat(),
            reply_gi.to_string(),
            "input ended in the body of a chunk: received 5 of 47 bytes (42 missing)",
        ),
        (
            "eof in header",
            [gi.clone(), b"chunked 1.0,3".to_vec()].concat(),
            reply_gi.to_string(),
            "input ended inside a chunk header after \"chunked 1.0,3\"",
        ),
        (
            "no request",
            Vec::new(),
            String::new(),
            "input ended before the getinfo request; this program is run by splunkd as a chunked search command (try --help)",
        ),
        (
            "unfinished",
            [gi.clone(), execute(false, &rows)].concat(),
            format!("{reply_gi}{reply_false}"),
            "input ended after 1 execute requests without the final one (finished:true); the search was probably cancelled",
        ),
        (
            "ragged csv",
            [gi.clone(), execute(false, &format!("{HEADER}mx1,10\n"))].concat(),
            reply_gi.to_string(),
            "CSV body line 2 has 2 fields, but the header has 4",
        ),
        (
            "csv utf-8",
            [gi.clone(), execute(false, &rows), execute(true, "a\n\u{0}\n")].concat(),
            format!("{reply_gi}{reply_false}"),
            "CSV body line 2, field \"a\": contains a NUL byte",
        ),
        (
            "option error",
            getinfo_with(&["bogus"], false),
            String::new(),
            "unknown option \"bogus\"",
        ),
        (
            "feed error",
            [getinfo_with(&["fail=feed"], false), execute(true, &rows)].concat(),
            reply_gi.to_string(),
            "echo refused in feed",
        ),
        (
            "finish error",
            [getinfo_with(&["fail=finish"], false), execute(false, &rows), execute(true, HEADER)].concat(),
            format!("{reply_gi}{reply_false}"),
            "echo refused in finish",
        ),
        (
            "panic in getinfo",
            getinfo_with(&["panic=getinfo"], false),
            String::new(),
            "internal error in getinfo: echo getinfo exploded; please report this as a bug",
        ),
        (
            "panic in feed",
            [getinfo_with(&["panic=feed"], false), execute(false, &rows)].concat(),
            reply_gi.to_string(),
            "internal error in feed: echo feed exploded; please report this as a bug",
        ),
        (
            "panic in finish",
            [getinfo_with(&["panic=finish"], false), execute(true, &rows)].concat(),
            reply_gi.to_string(),
            "internal error in finish: echo finish exploded; please report this as a bug",
        ),
        (
            "unread rows are still checked",
            [getinfo_with(&["skip"], false), execute(true, &format!("{rows}x\n"))].concat(),
            reply_gi.to_string(),
            "CSV body line 3 has 1 fields, but the header has 4",
        ),
        (
            "session key redacted",
            getinfo_with(&["leak=1"], false),
            String::new(),
            "bad key <session key>",
        ),
    ];
    for (name, input, before, message) in cases {
        let (out, result) = run(&input);
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out, format!("{before}{}", error_chunk(message)), "{name}");
        assert_eq!(result, Err(message.to_string()), "{name}");
        assert!(!out.contains("K3y^Secret"), "{name}");
    }
}

#[test]
fn session_key_redacted_in_the_final_messages() {
    // Regression: a WARN quoting a value that held the key (e.g. a bad bytes_out) leaked it.
    let input = [getinfo_with(&["warn=1"], false), execute(true, HEADER)].concat();
    let (out, result) = run(&input);
    assert_eq!(result, Ok(Outcome::Completed));
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("K3y^Secret"), "{out}");
    assert!(out.contains(r#"["WARN","key <session key>"]"#), "{out}");
}

#[test]
fn failed_session_stays_failed() {
    let mut session = Session::new(Echo::default(), Limits::default());
    assert!(session.handle_bytes(b"nonsense").is_err());
    assert_eq!(session.state(), SessionState::Failed);
    let mut out = Vec::new();
    assert!(session.poll_output(&mut out));
    assert!(matches!(
        session.handle_bytes(&getinfo()),
        Err(SessionError::AlreadyFailed)
    ));
    assert!(matches!(
        session.handle_eof(),
        Err(SessionError::AlreadyFailed)
    ));
    assert!(!session.poll_output(&mut out), "one ERROR reply only");
}

#[test]
fn limits_apply_to_bodies() {
    let limits = Limits {
        max_body_bytes: 10,
        ..Limits::default()
    };
    let mut session = Session::new(Echo::default(), limits);
    let input = [getinfo(), execute(false, &format!("{HEADER}mx1,10,,\n"))].concat();
    let err = session.handle_bytes(&input).unwrap_err();
    assert_eq!(err.to_string(), "chunk body length 47 bytes exceeds the limit of 10 bytes; lower maxresultrows in limits.conf or the number of fields sent");
}

proptest::proptest! {
    #[test]
    fn arbitrary_input_gives_at_most_one_error_reply(
        tail in proptest::collection::vec(proptest::sample::select(b"chunked 1.0,{}\"action:getinfoexecute\n\r9,".to_vec()), 0..120),
    ) {
        let input = [getinfo(), tail].concat();
        let (out, result) = run(&input);
        let (chunks, end) = {
            let mut decoder = ChunkDecoder::new(Limits::default());
            decoder.push(&out);
            let mut n = 0;
            while let Ok(Some(_)) = decoder.poll_chunk() { n += 1; }
            (n, decoder.finish())
        };
        proptest::prop_assert_eq!(end, Ok(()));
        let errors = String::from_utf8_lossy(&out).matches("\"error\":").count();
        proptest::prop_assert_eq!(errors, usize::from(result.is_err()));
        proptest::prop_assert!(chunks >= 1);
    }
}
