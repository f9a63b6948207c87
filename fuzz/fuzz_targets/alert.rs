//! Bytes as the alert action's input: a JSON payload, a NUL byte, then a results CSV (gzipped
//! here, unless the bytes already start with the gzip magic). The payload, the parameters and
//! the results are parsed as `emailoutlier --execute` parses them; every row with a risk object
//! becomes an event written in the stash format.
//!
//! Invariants: no panic; for payloads and results that parse, the stash file read back with
//! the `[stash_new]` rules (`read_stash`) gives exactly the events written, the index of the
//! header, one event per written row.
#![no_main]

use std::io::Write;

use emailoutlier::alert::event::{Event, EventBuilder, Notes};
use emailoutlier::alert::payload::Payload;
use emailoutlier::alert::results::ResultsReader;
use emailoutlier::alert::{params, stash};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (payload, results) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(payload) = Payload::parse(payload) else {
        return;
    };
    let Ok(params) = params(&payload) else {
        return;
    };
    let gz = if results.starts_with(&[0x1f, 0x8b]) {
        results.to_vec()
    } else {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
        gz.write_all(results).expect("writing to a Vec cannot fail");
        gz.finish().expect("writing to a Vec cannot fail")
    };
    let Ok(mut reader) = ResultsReader::new(&gz[..]) else {
        return;
    };
    let index = params.index.clone();
    let builder = EventBuilder::new(params, &payload.search_name, &payload.sid, reader.fields());
    let mut file = Vec::new();
    stash::write_header(&mut file, &index, &payload.search_name);
    let mut written = Vec::new();
    let mut notes = Notes::default();
    loop {
        let row = match reader.read_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(_) => return,
        };
        let mut event = Event::default();
        if builder.build(&row, "1700000000.000", &mut notes, &mut event).is_ok() {
            stash::write_event(&mut file, &event);
            written.push(event);
        }
    }
    let back = match stash::read_stash(&file) {
        Ok(back) => back,
        Err(e) => panic!("{e}; the writer wrote {:?}", String::from_utf8_lossy(&file)),
    };
    assert_eq!(back.index, index);
    assert_eq!(back.events, written, "events changed through the stash file");
});
