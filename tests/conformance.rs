//! Conformance with real splunkd traffic, read from `../shared/scpv2-recordings` when it is
//! there (a fresh clone without it prints a note and skips).
//!
//! - Splunk 6.3 SDK recordings (`*.input.gz`): execute chunks are byte-exact splunkd output.
//! - Splunk 8.2.1 transcripts (NDietrich `example_messages/*.md`): the chunks between the
//!   markdown fences, with the logging marker `<<EOF>>` removed.

use std::io::Read;
use std::path::{Path, PathBuf};

use emailoutlier::protocol::body::{BodyReader, BodyWriter, Row};
use emailoutlier::protocol::frame::{
    parse_header, ChunkDecoder, ChunkPart, FrameError, Limits, Status,
};
use emailoutlier::protocol::message::{
    parse_request, CommandType, GetInfo, GetInfoReply, Message, Request,
};
use emailoutlier::protocol::session::{Command, CommandError, Outcome};
use emailoutlier::{run_protocol, Error};

/// The recordings folder, or `None` (with a note) when `../shared` is absent.
fn recordings() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/scpv2-recordings");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "note: {} is absent; conformance test skipped",
            dir.display()
        );
        None
    }
}

fn splunk63(dir: &Path) -> PathBuf {
    dir.join("tests/searchcommands/recordings/scpv2/Splunk-6.3")
}

fn nd821(dir: &Path) -> PathBuf {
    dir.join("NDietrich-Splunk-CustomSearchProtocol-v2/example_messages")
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// One decoded chunk as (metadata, body).
type Parts = (Vec<u8>, Vec<u8>);
/// Decoded chunks.
type Chunks = Vec<Parts>;

/// Decodes `input` pushed in `block`-sized pieces, as the driver reads stdin.
fn decode(input: &[u8], block: usize) -> (Chunks, Result<(), FrameError>) {
    let mut decoder = ChunkDecoder::new(Limits::default());
    let mut chunks = Vec::new();
    for piece in input.chunks(block) {
        decoder.push(piece);
        loop {
            match decoder.poll_chunk() {
                Ok(Some(c)) => chunks.push((c.metadata.to_vec(), c.body.to_vec())),
                Ok(None) => break,
                Err(e) => return (chunks, Err(e)),
            }
        }
    }
    let end = decoder.finish();
    (chunks, end)
}

/// Sum of header, metadata and body lengths of the whole chunks at the start of `input`.
fn framed_bytes(input: &[u8]) -> usize {
    let mut offset = 0;
    while let Ok(Status::Complete((consumed, header))) =
        parse_header(&input[offset..], &Limits::default())
    {
        let end = offset + consumed + header.metadata_len + header.body_len;
        if end > input.len() {
            break;
        }
        offset = end;
    }
    offset
}

/// Calls `f` with the field names and each row of `body`; returns the row count.
fn each_row(body: &[u8], mut f: impl FnMut(&[String], Row<'_>)) -> usize {
    let mut reader = BodyReader::new(body, &Limits::default()).unwrap();
    let fields = reader.fields().to_vec();
    let mut count = 0;
    while let Some(row) = reader.read_row().unwrap() {
        f(&fields, row);
        count += 1;
    }
    count
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

fn request(metadata: &[u8]) -> Request {
    parse_request(metadata).unwrap_or_else(|e| panic!("{e}: {}", metadata.escape_ascii()))
}

/// Counts rows; outputs one row with the count.
#[derive(Default)]
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
    fn finish(&mut self, out: &mut BodyWriter<'_>) -> Result<Vec<Message>, CommandError> {
        out.write_header(&["rows"])?;
        out.write_row(&[self.0.to_string().as_bytes()])?;
        Ok(Vec::new())
    }
}

/// The reply chunks `run_protocol` writes for `input`, and its result.
fn replay(input: &[u8]) -> (Chunks, Result<Outcome, Error>) {
    let mut output = Vec::new();
    let result = run_protocol(input, &mut output, Count::default());
    let (replies, end) = decode(&output, output.len().max(1));
    assert_eq!(end, Ok(()), "the replies are well-framed");
    (replies, result)
}

#[test]
fn splunk63_recordings() {
    let Some(dir) = recordings() else { return };
    let mut names: Vec<String> = std::fs::read_dir(splunk63(&dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".input.gz"))
        .collect();
    names.sort();
    let mut checked = Vec::new();
    for name in &names {
        // TestInternals.* holds a Python pickle fed to the SDK's record writer, not a
        // splunkd session: there is nothing of the protocol in it.
        if name.starts_with("TestInternals.") {
            continue;
        }
        let input = gunzip(&splunk63(&dir).join(name));
        for block in [1 << 16, 4093] {
            let (chunks, end) = decode(&input, block);
            match name.as_str() {
                "countmatches.input.gz" => countmatches(&input, &chunks, &end),
                "sum.map.input.gz" => sum_map(&chunks, &end),
                "sum.reduce.input.gz" => sum_reduce(&chunks, &end),
                "generatehello.input.gz" => generatehello(&chunks, &end),
                "pypygeneratetext.input.gz" => {
                    // getinfo only, then one stray LF: a clean end.
                    assert_eq!(end, Ok(()));
                    assert_eq!(chunks.len(), 1);
                }
                other => panic!("new recording {other}: add its expectations"),
            }
            let Request::GetInfo(getinfo) = request(&chunks[0].0) else {
                panic!("{name}: first chunk is not getinfo")
            };
            assert!(!getinfo.preview);
            assert_eq!(getinfo.searchinfo.splunk_version, "20150522");
            assert!(!getinfo.searchinfo.session_key.is_empty());
            assert!(!format!("{getinfo:?}").contains(&getinfo.searchinfo.session_key));
        }
        checked.push(name.as_str());
    }
    assert_eq!(checked.len(), 5, "{checked:?}");
}

fn countmatches(input: &[u8], chunks: &Chunks, end: &Result<(), FrameError>) {
    assert_eq!(end, &Ok(()));
    assert_eq!(input.len(), 49_029);
    assert_eq!(framed_bytes(input), 49_029, "18 + 846 + 21 + 36 + 48,108");
    assert_eq!(chunks.len(), 2, "getinfo + one execute");
    let (metadata, body) = &chunks[1];
    assert_eq!(metadata, br#"{"action":"execute","finished":true}"#);
    assert_eq!(body.len(), 48_108);
    let mut serials = Vec::new();
    let mut texts = Vec::new();
    let rows = each_row(body, |fields, row| {
        assert_eq!(fields, ["_serial", "_time", "text"]);
        assert!(!row.is_multivalue(2));
        serials.push(text(row.get(0)).parse::<usize>().unwrap());
        texts.push(text(row.get(2)).to_owned());
    });
    assert_eq!(rows, 500);
    assert_eq!(serials, (0..500).collect::<Vec<_>>());
    assert_eq!(texts.iter().filter(|t| t.contains('\n')).count(), 48);
    for needle in [
        "Tú novia te ama mucho",
        "요즘은 곡안쓰시고 귀농하시는군요 ㅋㅋ",
        "そんなことないですよ(｡•́︿•̀｡)でも有難うございます♡",
        "Feds, they always watching 👀",
    ] {
        assert!(texts.iter().any(|t| t.contains(needle)), "{needle}");
    }
    assert_eq!(texts[499], "", "an empty cell");
}

fn sum_map(chunks: &Chunks, end: &Result<(), FrameError>) {
    assert_eq!(end, &Ok(()));
    assert_eq!(chunks.len(), 2);
    let mut total = 0.0;
    let rows = each_row(&chunks[1].1, |fields, row| {
        assert_eq!(fields.len(), 24, "24 value columns + 24 __mv_ columns");
        total += text(row.get(22)).parse::<f64>().unwrap();
    });
    assert_eq!(rows, 50_000);
    // The reduce phase's input is this sum (sum.map.output.py3).
    assert!((total - 2_147_943.078_105_99).abs() < 1e-6, "{total}");
}

fn sum_reduce(chunks: &Chunks, end: &Result<(), FrameError>) {
    assert_eq!(end, &Ok(()));
    assert_eq!(chunks.len(), 2);
    let mut totals = Vec::new();
    let rows = each_row(&chunks[1].1, |fields, row| {
        assert_eq!(fields, ["total"]);
        totals.extend(row.values(0).map(|v| text(&v).to_owned()));
    });
    assert_eq!(rows, 1);
    assert_eq!(totals, ["2147943.07811"]);
}

fn generatehello(chunks: &Chunks, end: &Result<(), FrameError>) {
    // The hand-added execute header claims a 150-byte body that is not there.
    assert_eq!(chunks.len(), 1);
    assert_eq!(
        end,
        &Err(FrameError::Truncated {
            part: ChunkPart::Body,
            expected: 150,
            received: 0
        })
    );
}

#[test]
fn splunk63_sessions_replay() {
    let Some(dir) = recordings() else { return };
    let rows_reply = |n: &str| {
        (
            br#"{"finished":true}"#.to_vec(),
            format!("rows\n{n}\n").into_bytes(),
        )
    };
    let getinfo_reply = (br#"{"type":"events"}"#.to_vec(), Vec::new());
    for (name, rows) in [
        ("countmatches", "500"),
        ("sum.map", "50000"),
        ("sum.reduce", "1"),
    ] {
        let (replies, result) = replay(&gunzip(&splunk63(&dir).join(format!("{name}.input.gz"))));
        assert_eq!(result.unwrap(), Outcome::Completed, "{name}");
        assert_eq!(
            replies,
            vec![getinfo_reply.clone(), rows_reply(rows)],
            "{name}"
        );
    }
    let (replies, result) = replay(&gunzip(&splunk63(&dir).join("pypygeneratetext.input.gz")));
    assert_eq!(result.unwrap(), Outcome::GetinfoOnly);
    assert_eq!(replies, vec![getinfo_reply.clone()]);
    let (replies, result) = replay(&gunzip(&splunk63(&dir).join("generatehello.input.gz")));
    let message = "input ended in the body of a chunk: received 0 of 150 bytes (150 missing)";
    assert_eq!(result.unwrap_err().to_string(), message);
    assert_eq!(replies.len(), 2);
    assert!(text(&replies[1].0).contains(message));
}

/// The chunk blocks of a transcript: fenced blocks starting with a header, `<<EOF>>` removed.
fn fenced_chunks(markdown: &str) -> Vec<Vec<u8>> {
    markdown
        .split("```")
        .skip(1)
        .step_by(2)
        .filter_map(|block| block.split_once('\n').map(|(_language, rest)| rest))
        .filter(|block| block.starts_with("chunked 1.0,"))
        .map(|block| block.replace("<<EOF>>", "").into_bytes())
        .collect()
}

/// Decodes one block: its chunk (if whole) and the end-of-input verdict.
fn one_chunk(block: &[u8]) -> (Option<Parts>, Result<(), FrameError>) {
    let (mut chunks, end) = decode(block, 7);
    assert!(chunks.len() <= 1, "one chunk per block");
    (chunks.pop(), end)
}

#[test]
fn splunk821_transcripts() {
    let Some(dir) = recordings() else { return };
    let files = [
        ("accumages (stateful).md", 8),
        ("averageage (reporting).md", 4),
        ("doubleage (streaming).md", 6),
        ("generateevents (generating & stateful).md", 4),
        ("sortages(events).md", 4),
    ];
    for (file, blocks) in files {
        let markdown = std::fs::read_to_string(nd821(&dir).join(file)).unwrap();
        let command = file.split([' ', '(']).next().unwrap();
        let chunks = fenced_chunks(&markdown);
        assert_eq!(chunks.len(), blocks, "{file}");
        let mut requests = Vec::new();
        for (i, block) in chunks.iter().enumerate() {
            let (chunk, end) = one_chunk(block);
            match (file, i) {
                // Logging artifact: a backtick pasted after the getinfo metadata.
                ("doubleage (streaming).md", 0) => {
                    assert_eq!(end, Err(FrameError::BadHeader { found: "`".into() }));
                }
                // The author trimmed this reply's 20,388-byte body.
                ("generateevents (generating & stateful).md", 3) => {
                    assert_eq!(chunk, None);
                    let err = FrameError::Truncated {
                        part: ChunkPart::Body,
                        expected: 20_388,
                        received: 318,
                    };
                    assert_eq!(end, Err(err));
                    continue;
                }
                _ => assert_eq!(end, Ok(()), "{file} block {i}"),
            }
            let (metadata, body) = chunk.unwrap();
            let json: serde_json::Value = serde_json::from_slice(&metadata).unwrap();
            assert!(json.is_object(), "{file} block {i}");
            let rows = each_row(&body, |_, _| {});
            if json.get("action").is_some() {
                match request(&metadata) {
                    Request::GetInfo(g) => {
                        assert_eq!(g.searchinfo.command, command);
                        assert_eq!(g.searchinfo.splunk_version, "8.2.1");
                        assert_eq!(g.searchinfo.maxresultrows, Some(50_000));
                        assert!(g
                            .searchinfo
                            .dispatch_dir
                            .starts_with(r"C:\Program Files\Splunk"));
                        assert!(!format!("{g:?}").contains(&g.searchinfo.session_key));
                    }
                    Request::Execute(_) => {}
                }
                // A clean copy of the request, for the session replay below.
                let mut clean = Vec::new();
                emailoutlier::protocol::frame::write_chunk(&mut clean, &metadata, &body);
                requests.push((clean, rows));
            }
        }
        // Requests alone, back to back, as splunkd sends them.
        let input: Vec<u8> = requests.iter().flat_map(|(c, _)| c.clone()).collect();
        let total: usize = requests.iter().map(|(_, rows)| rows).sum();
        let (replies, result) = replay(&input);
        assert_eq!(result.unwrap(), Outcome::Completed, "{file}");
        assert_eq!(
            replies.len(),
            requests.len(),
            "{file}: one reply per request"
        );
        assert_eq!(
            replies.last().unwrap().1,
            format!("rows\n{total}\n").into_bytes(),
            "{file}"
        );
    }
}

#[test]
fn splunk821_rows_decode() {
    let Some(dir) = recordings() else { return };
    let block = |file: &str, i: usize| {
        let markdown = std::fs::read_to_string(nd821(&dir).join(file)).unwrap();
        one_chunk(&fenced_chunks(&markdown)[i]).0.unwrap()
    };
    let column = |body: &[u8], name: &str| {
        let mut values = Vec::new();
        each_row(body, |fields, row| {
            let f = fields.iter().position(|f| f == name).unwrap();
            values.push(text(row.get(f)).to_owned());
        });
        values
    };

    let (metadata, body) = block("accumages (stateful).md", 2);
    assert_eq!(metadata, br#"{"action":"execute","finished":false}"#);
    assert_eq!(
        BodyReader::new(&body, &Limits::default()).unwrap().fields(),
        ["age", "accum_age", "_chunked_idx"]
    );
    assert_eq!(column(&body, "age"), ["66", "18", "25", "96", "52"]);
    assert_eq!(column(&body, "_chunked_idx"), ["0", "1", "2", "3", "4"]);
    let (_, reply) = block("accumages (stateful).md", 3);
    assert_eq!(
        column(&reply, "accum_age"),
        ["66", "84", "109", "205", "257"]
    );
    let (metadata, body) = block("accumages (stateful).md", 6);
    assert_eq!(metadata, br#"{"action":"execute","finished":true}"#);
    assert_eq!(each_row(&body, |_, _| {}), 0, "header-only final chunk");

    let (_, body) = block("sortages(events).md", 2);
    assert_eq!(
        column(&body, "name"),
        ["Noah", "Ringo", "George", "Paul", "John"]
    );
    assert_eq!(column(&body, "_subsecond")[0], ".934");
    assert_eq!(
        column(&body, "_raw")[0],
        r#"{"date":"1627354345.934","name":"Noah","age":"66","uid":"05"}"#
    );
    let (_, reply) = block("averageage (reporting).md", 3);
    assert_eq!(column(&reply, "average"), ["51.4"]);
}
