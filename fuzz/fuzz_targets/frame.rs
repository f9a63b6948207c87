//! Arbitrary bytes as a chunk stream into `ChunkDecoder`.
//!
//! Invariants: the chunks, and the error decoding ends in (its whole message), do not depend
//! on how the bytes were split into pushes: one whole push, one byte at a time, and pieces
//! sized by the data itself all agree. Every parsed header, with its leniencies (stray line
//! ends before it, `\r` before its `\n`, leading zeros) undone, is byte for byte what
//! `write_chunk` writes for the chunk, and the written chunk decodes back to the same chunk.
#![no_main]

use emailoutlier::protocol::frame::{parse_header, write_chunk, ChunkDecoder, Limits, Status};
use libfuzzer_sys::fuzz_target;

/// Small limits so that length checks are reached by short inputs; the default limits let
/// a header claim 256 MiB, which the decoder then reserves.
const LIMITS: Limits = Limits {
    max_metadata_bytes: 4096,
    max_body_bytes: 8192,
    max_fields: 64,
};

type Chunks = Vec<(Vec<u8>, Vec<u8>)>;

/// The chunks decoded, and how decoding ended: `Ok(())` for a clean end of input, else the
/// error's message.
#[derive(Debug, PartialEq)]
struct Decoded {
    chunks: Chunks,
    end: Result<(), String>,
}

fn decode<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> Decoded {
    let mut decoder = ChunkDecoder::new(LIMITS);
    let mut chunks = Vec::new();
    for piece in pieces {
        decoder.push(piece);
        loop {
            match decoder.poll_chunk() {
                Ok(Some(chunk)) => chunks.push((chunk.metadata.to_vec(), chunk.body.to_vec())),
                Ok(None) => break,
                Err(e) => {
                    return Decoded {
                        chunks,
                        end: Err(e.to_string()),
                    }
                }
            }
        }
    }
    let end = decoder.finish().map_err(|e| e.to_string());
    Decoded { chunks, end }
}

fuzz_target!(|data: &[u8]| {
    let whole = decode([data]);
    let bytewise = decode(data.chunks(1));
    assert_eq!(
        whole, bytewise,
        "one push and byte-at-a-time pushes disagree"
    );
    let mut pieces = Vec::new();
    let mut rest = data;
    for &size in data.iter().cycle().take(data.len()) {
        if rest.is_empty() {
            break;
        }
        let (piece, tail) = rest.split_at(usize::from(size % 67).min(rest.len()));
        pieces.push(piece);
        rest = tail;
    }
    pieces.push(rest);
    assert_eq!(
        whole,
        decode(pieces),
        "pieces sized by the data disagree with one push"
    );
    check_headers(data, &whole.chunks);
});

/// Walks the headers of `data` in step with the decoded `chunks`.
fn check_headers(data: &[u8], chunks: &Chunks) {
    let mut at = 0;
    for (metadata, body) in chunks {
        let input = &data[at..];
        let Ok(Status::Complete((consumed, header))) = parse_header(input, &LIMITS) else {
            panic!("the decoder produced a chunk where parse_header finds no header");
        };
        assert_eq!(
            (header.metadata_len, header.body_len),
            (metadata.len(), body.len())
        );
        let mut encoded = Vec::new();
        write_chunk(&mut encoded, metadata, body);
        let written_header = &encoded[..encoded.len() - metadata.len() - body.len()];
        assert_eq!(
            normalize(&input[..consumed]),
            written_header,
            "header re-encodes differently"
        );
        let round = decode([encoded.as_slice()]);
        assert_eq!(round.chunks, vec![(metadata.clone(), body.clone())]);
        assert_eq!(round.end, Ok(()));
        at += consumed + metadata.len() + body.len();
    }
}

/// A header with its leniencies undone: stray `\r`/`\n` before it, `\r` before the `\n`,
/// and leading zeros of the lengths.
fn normalize(header: &[u8]) -> Vec<u8> {
    let start = header
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    let line = &header[start..];
    let line = line.strip_suffix(b"\n").expect("a header ends with \\n");
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let lengths = line
        .strip_prefix(b"chunked 1.0,")
        .expect("a header starts with chunked 1.0,");
    let mut out = b"chunked 1.0,".to_vec();
    for (i, digits) in lengths.split(|&b| b == b',').enumerate() {
        assert!(i < 2 && !digits.is_empty() && digits.iter().all(u8::is_ascii_digit));
        if i == 1 {
            out.push(b',');
        }
        let significant = digits
            .iter()
            .position(|&d| d != b'0')
            .unwrap_or(digits.len() - 1);
        out.extend_from_slice(&digits[significant..]);
    }
    out.push(b'\n');
    out
}
