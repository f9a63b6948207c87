//! Hostile input through the real binary. Every case ends in exactly one ERROR reply that
//! names the problem, `finished:true` and exit status 1, or in a clean exit; every run is
//! bounded in time and its stdout holds nothing but well-formed chunks (both checked by
//! [`crate::util`]). The session key given in getinfo never appears in any output.

use crate::util::{
    assert_no_key, chunk, dispatch_dir, execute, getinfo, getinfo_in, path_text, run, Run,
    SESSION_KEY,
};

/// Options that make runs independent of the clock and the local zone.
const FIXED: [&str; 2] = ["now=1750000000", "tz=UTC"];
const HEADER: &str = "dest_ip,_time,bytes_out\n";
const ROWS: &str = "dest_ip,_time,bytes_out\n10.0.0.1,1749945600,10\n";

/// getinfo with [`FIXED`] options, then `rest`.
fn after_getinfo(rest: &[u8]) -> Vec<u8> {
    [getinfo(&FIXED), rest.to_vec()].concat()
}

/// Runs `input` and checks the ERROR reply holds `keywords`, after `replies_before` replies.
fn expect_error(input: &[u8], replies_before: usize, keywords: &[&str]) -> Run {
    let run = run(input);
    run.assert_error(keywords);
    assert_eq!(
        run.replies.len(),
        replies_before + 1,
        "replies before the error: {:#?}",
        run.replies
    );
    assert_no_key(&run, keywords.first().copied().unwrap_or_default());
    run
}

#[test]
fn empty_stdin() {
    expect_error(
        b"",
        0,
        &["input ended before the getinfo request", "try --help"],
    );
}

#[test]
fn eof_inside_a_header() {
    expect_error(
        b"chunked 1.0,2",
        0,
        &["input ended inside a chunk header after \"chunked 1.0,2\""],
    );
    expect_error(
        &after_getinfo(b"chunked 1.0,36,1"),
        1,
        &["input ended inside a chunk header after \"chunked 1.0,36,1\""],
    );
}

#[test]
fn eof_inside_the_metadata() {
    expect_error(
        &after_getinfo(b"chunked 1.0,36,0\n{\"action\":"),
        1,
        &["input ended in the metadata of a chunk: received 10 of 36 bytes (26 missing)"],
    );
}

#[test]
fn eof_inside_the_body() {
    let whole = execute(true, ROWS.as_bytes());
    let cut = &whole[..whole.len() - 5];
    expect_error(
        &after_getinfo(cut),
        1,
        &["input ended in the body of a chunk: received 42 of 47 bytes (5 missing)"],
    );
}

#[test]
fn eof_before_the_final_execute() {
    expect_error(
        &after_getinfo(&execute(false, ROWS.as_bytes())),
        2,
        &["input ended after 1 execute requests without the final one (finished:true)"],
    );
}

#[test]
fn lengths_that_are_not_digits() {
    for (header, found) in [
        // The quote ends at the first byte that cannot belong to a header, so it is the
        // same however stdin was split.
        (&b"chunked 1.0,ab,0\n"[..], "chunked 1.0,a\""),
        (b"chunked 1.0,-1,0\n", "chunked 1.0,-\""),
        (b"chunked 1.0,1,-1\n", "chunked 1.0,1,-\""),
        (b"chunked 1.0,+1,0\n", "chunked 1.0,+\""),
        (b"chunked 1.0, 1,0\n", "chunked 1.0, \""),
        (b"chunked 1.0,1.5,0\n", "chunked 1.0,1.\""),
        (b"chunked 2.0,1,0\n", "chunked 2\""),
        (b"GET / HTTP/1.1\r\n\r\n", "G\""),
    ] {
        expect_error(
            &after_getinfo(header),
            1,
            &["malformed chunk header: expected `chunked 1.0,<metadata bytes>,<body bytes>\\n`, found \"", found],
        );
    }
}

#[test]
fn lengths_of_20_digits_and_more() {
    expect_error(
        b"chunked 1.0,18446744073709551616,0\n",
        0,
        &["chunk metadata length 18446744073709551616 bytes exceeds the limit of 1048576 bytes"],
    );
    expect_error(
        &after_getinfo(b"chunked 1.0,2,99999999999999999999\n{}"),
        1,
        &["chunk body length 99999999999999999999 bytes exceeds the limit of 268435456 bytes"],
    );
    expect_error(
        b"chunked 1.0,0000000000000000000000000002,0\n{}",
        0,
        &["chunk metadata length 00000000000000000000... bytes exceeds the limit"],
    );
    expect_error(
        &after_getinfo(format!("chunked 1.0,{}", "9".repeat(100)).as_bytes()),
        1,
        &["chunk metadata length 99999999999999999999... bytes exceeds the limit"],
    );
}

#[test]
fn lengths_over_the_limits_are_refused_before_reading() {
    // Nothing follows the headers: the refusal cannot depend on the data arriving.
    expect_error(
        b"chunked 1.0,1048577,0\n",
        0,
        &["chunk metadata length 1048577 bytes exceeds the limit of 1048576 bytes"],
    );
    expect_error(
        &after_getinfo(b"chunked 1.0,36,268435457\n"),
        1,
        &[
            "chunk body length 268435457 bytes exceeds the limit of 268435456 bytes",
            "maxresultrows",
        ],
    );
}

#[test]
fn metadata_that_is_not_json() {
    expect_error(
        &chunk("getinfo please", b""),
        0,
        &["request metadata is not valid JSON", "line 1 column 1"],
    );
    expect_error(
        &after_getinfo(&chunk("{\"action\":\"execute\",}", b"")),
        1,
        &["request metadata is not valid JSON"],
    );
    expect_error(
        &chunk("{\"action\":\"getinfo\"}\u{0}", b""),
        0,
        &["request metadata is not valid JSON", "trailing characters"],
    );
    // Deep nesting is refused, not a stack overflow.
    let deep = format!(
        "{{\"action\":\"getinfo\",\"x\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    expect_error(
        &chunk(&deep, b""),
        0,
        &["request metadata is not valid JSON: recursion limit exceeded"],
    );
}

#[test]
fn metadata_that_is_not_an_object() {
    for (json, kind) in [
        ("[]", "an array"),
        ("\"getinfo\"", "a string"),
        ("42", "a number"),
        ("null", "null"),
    ] {
        expect_error(
            &chunk(json, b""),
            0,
            &["request metadata must be a JSON object, found ", kind],
        );
    }
}

#[test]
fn unknown_missing_or_mistyped_action_and_fields() {
    expect_error(
        &after_getinfo(&chunk(r#"{"action":"cancel"}"#, b"")),
        1,
        &[r#"unknown request action "cancel"; expected "getinfo" or "execute""#],
    );
    expect_error(
        &chunk(r#"{"finished":true}"#, b""),
        0,
        &[r#"request metadata has no "action" string"#],
    );
    expect_error(
        &chunk(r#"{"action":7}"#, b""),
        0,
        &[r#"request metadata has no "action" string"#],
    );
    expect_error(
        &after_getinfo(&chunk(r#"{"action":"execute","finished":"yes"}"#, b"")),
        1,
        &["execute request has an invalid value", "expected a boolean"],
    );
    expect_error(
        &chunk(
            r#"{"action":"getinfo","searchinfo":{"args":"now=1","session_key":"SESSIONKEY-DO-NOT-LEAK-7f3a9c1e5b2d4086"}}"#,
            b"",
        ),
        0,
        &[
            "getinfo request has an invalid value",
            "expected a sequence",
        ],
    );
}

#[test]
fn execute_before_getinfo() {
    expect_error(
        &execute(true, ROWS.as_bytes()),
        0,
        &["execute request before getinfo"],
    );
}

#[test]
fn a_second_getinfo() {
    expect_error(
        &after_getinfo(&getinfo(&FIXED)),
        1,
        &["a second getinfo request; expected execute"],
    );
    expect_error(
        &after_getinfo(&[execute(false, ROWS.as_bytes()), getinfo(&FIXED)].concat()),
        2,
        &["a second getinfo request"],
    );
}

#[test]
fn a_body_that_is_not_csv() {
    // Binary data: its first "field name" is not UTF-8.
    expect_error(
        &after_getinfo(&execute(true, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")),
        1,
        &["CSV body line 1, field \"column 1\": not valid UTF-8"],
    );
    // JSON is one odd header row: the missing field is named, with what was received.
    expect_error(
        &after_getinfo(&execute(true, b"{\"dest_ip\":\"10.0.0.1\"}\n")),
        1,
        &[
            "the input has no field \"bytes_out\" (option value)",
            "fields received: {\\\"dest_ip\\\":\\\"10.0.0.1\\\"}",
        ],
    );
}

#[test]
fn ragged_rows() {
    expect_error(
        &after_getinfo(&execute(true, format!("{HEADER}10.0.0.1,1\n").as_bytes())),
        1,
        &["CSV body line 2 has 2 fields, but the header has 3"],
    );
    expect_error(
        &after_getinfo(&execute(true, format!("{ROWS}10.0.0.1,1,2,3\n").as_bytes())),
        1,
        &["CSV body line 3 has 4 fields, but the header has 3"],
    );
    // A quoted newline does not count as a line of its own... but the next record's line does.
    expect_error(
        &after_getinfo(&execute(
            true,
            format!("{HEADER}\"10.0.0.1\nx\",1,2\nshort\n").as_bytes(),
        )),
        1,
        &["CSV body line 4 has 1 fields, but the header has 3"],
    );
}

#[test]
fn a_header_without_the_required_fields() {
    let run = expect_error(
        &after_getinfo(&execute(true, b"dest_ip,_time,bytes\n10.0.0.1,1,2\n")),
        1,
        &[
            "the input has no field \"bytes_out\" (option value)",
            "fields received: dest_ip,_time,bytes",
        ],
    );
    assert_eq!(run.replies.len(), 2);
    // Renamed fields are looked up under their option's name.
    expect_error(
        &[
            getinfo(&["now=1750000000", "tz=UTC", "by=src_ip"]),
            execute(true, ROWS.as_bytes()),
        ]
        .concat(),
        1,
        &[
            "the input has no field \"src_ip\" (option by)",
            "fields received: dest_ip,_time,bytes_out",
        ],
    );
    // A later chunk that lost a field.
    expect_error(
        &after_getinfo(
            &[
                execute(false, ROWS.as_bytes()),
                execute(true, b"dest_ip,bytes_out\n10.0.0.1,3\n"),
            ]
            .concat(),
        ),
        2,
        &[
            "the input has no field \"_time\" (option time)",
            "fields received: dest_ip,bytes_out",
        ],
    );
}

#[test]
fn duplicate_header_names() {
    expect_error(
        &after_getinfo(&execute(true, b"dest_ip,_time,bytes_out,_time\n")),
        1,
        &["CSV body header names the field \"_time\" twice"],
    );
}

#[test]
fn invalid_utf8() {
    expect_error(
        &after_getinfo(&execute(
            true,
            b"dest_ip,_time,bytes_out\n10.0.0.1,1,\xff\xfe\n",
        )),
        1,
        &["CSV body line 2, field \"bytes_out\": not valid UTF-8"],
    );
    expect_error(
        &after_getinfo(&execute(true, b"dest_ip,_ti\xc3me,bytes_out\n")),
        1,
        &["CSV body line 1, field \"column 2\": not valid UTF-8"],
    );
}

#[test]
fn nul_bytes() {
    expect_error(
        &after_getinfo(&execute(
            true,
            b"dest_ip,_time,bytes_out\n10.0.0.1,\x001,2\n",
        )),
        1,
        &["CSV body line 2, field \"_time\": contains a NUL byte"],
    );
    expect_error(
        &after_getinfo(&execute(true, b"dest\x00ip,_time,bytes_out\n")),
        1,
        &["CSV body line 1, field \"column 1\": contains a NUL byte"],
    );
}

#[test]
fn a_10_mb_field() {
    // A 10 MB number of bytes (leading zeros): numeric, kept, no trouble.
    let big = format!("{}123", "0".repeat((10 << 20) - 3));
    let numeric = run(&after_getinfo(&execute(
        true,
        format!("{HEADER}10.0.0.1,1749945600,{big}\n").as_bytes(),
    )));
    numeric.assert_success();
    assert!(numeric.last().messages()[0]
        .1
        .contains("rows read 1, hosts 1"));
    // A 10 MB destination of today (kept as a candidate) and a 10 MB non-numeric value:
    // the WARN quotes a short excerpt, not 10 MB.
    let x = "x".repeat(10 << 20);
    let run = run(&after_getinfo(&execute(
        true,
        format!("{HEADER}{big},1749945600,5\n10.0.0.1,1,{x}\n").as_bytes(),
    )));
    run.assert_success();
    let messages = run.last().messages();
    assert_eq!(messages[0].0, "WARN");
    assert!(messages[0]
        .1
        .contains("1 row has a non-numeric value (first: row 2: bytes_out=\"xxxx"));
    assert!(messages[0].1.len() < 400, "{}", messages[0].1.len());
    assert!(
        run.stdout.len() < 2000,
        "no 10 MB echo: {}",
        run.stdout.len()
    );
}

#[test]
fn a_hundred_thousand_columns() {
    let header: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
    let body = format!("{}\n", header.join(","));
    expect_error(
        &after_getinfo(&execute(true, body.as_bytes())),
        1,
        &[
            "CSV body has 100000 fields, more than the limit of 10000",
            "| fields",
        ],
    );
    // At the limit, in annotate mode (every field is kept and printed): fine.
    let mut names = vec!["dest_ip".to_owned(), "_time".into(), "bytes_out".into()];
    names.extend((3..10_000).map(|i| format!("c{i}")));
    let row = format!("10.0.0.1,1,2{}", ",v".repeat(9_997));
    let input = [
        getinfo(&["now=1750000000", "tz=UTC", "mode=annotate"]),
        execute(true, format!("{}\n{row}\n", names.join(",")).as_bytes()),
    ]
    .concat();
    let run = run(&input);
    run.assert_success();
    assert_eq!(run.last().body_text().lines().count(), 2);
}

#[test]
fn options_with_bad_values() {
    for (option, keywords) in [
        (
            "deviation_threshold=-1",
            &["invalid value \"-1\" for option deviation_threshold: expected a number >= 0"][..],
        ),
        (
            "deviation_threshold=three",
            &["invalid value \"three\" for option deviation_threshold"],
        ),
        (
            "deviation_threshold=nan",
            &["invalid value \"nan\" for option deviation_threshold"],
        ),
        (
            "minimum_data_samples=0",
            &["invalid value \"0\" for option minimum_data_samples: expected a whole number >= 1"],
        ),
        (
            "minimum_data_samples=2.5",
            &["invalid value \"2.5\" for option minimum_data_samples"],
        ),
        (
            "now=yesterday",
            &["invalid value \"yesterday\" for option now: expected epoch seconds"],
        ),
        (
            "now=1e20",
            &["invalid value \"1e20\" for option now: expected epoch seconds between years 1 and 9998"],
        ),
        (
            "tz=Mars/Olympus",
            &["invalid value \"Mars/Olympus\" for option tz: expected an IANA time zone name"],
        ),
        ("value=", &["invalid value \"\" for option value: expected a field name"]),
        ("by=", &["invalid value \"\" for option by: expected a field name"]),
        ("time=", &["invalid value \"\" for option time: expected a field name"]),
        (
            "mode=everything",
            &["invalid value \"everything\" for option mode: expected alerts, annotate or backtest"],
        ),
        (
            "threshold=3",
            &["unknown option \"threshold\"; options are: deviation_threshold, minimum_data_samples, now, tz, value, by, time, mode"],
        ),
        (
            "annotate",
            &["argument \"annotate\" is not of the form name=value"],
        ),
    ] {
        // Options fail at getinfo, while splunkd parses the search.
        expect_error(&getinfo(&[option]), 0, keywords);
    }
    expect_error(
        &getinfo(&["mode=alerts", "mode=annotate"]),
        0,
        &["option mode is given more than once; give it once"],
    );
    // A hostile value is escaped and cut short in the message.
    let long = format!("mode={}\n\"", "x".repeat(5000));
    let text = expect_error(
        &getinfo(&[&long]),
        0,
        &["invalid value \"xxx", "…\" for option mode"],
    )
    .assert_error(&[]);
    assert!(text.len() < 200, "{text}");
}

#[test]
fn regression_now_before_year_1_fails_at_getinfo() {
    // Used to pass getinfo (years -9999..9999 were accepted) and fail only on the first rows.
    expect_error(
        &getinfo(&["now=-377705116800", "tz=UTC"]),
        0,
        &["invalid value \"-377705116800\" for option now: expected epoch seconds between years 1 and 9998"],
    );
}

#[test]
fn regression_same_field_twice_in_the_output() {
    // Used to answer required_fields ["x","x","x"] and an output header with x three times.
    expect_error(
        &getinfo(&["by=x", "time=x", "value=x"]),
        0,
        &["options value and by both name the field \"x\"; each must name a different field"],
    );
    expect_error(
        &getinfo(&["by=avg_bytes_out"]),
        0,
        &["option by names the field \"avg_bytes_out\", which the command outputs itself"],
    );
}

#[test]
fn an_unreadable_info_csv() {
    // CI runs as root, which reads any file whatever its mode: a directory cannot be read.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("info.csv")).unwrap();
    let input = [
        getinfo_in(&[], path_text(dir.path()), false),
        execute(true, ROWS.as_bytes()),
    ]
    .concat();
    expect_error(
        &input,
        1,
        &[
            "cannot read ",
            "/info.csv: ",
            "pass now=<epoch seconds> and tz=<zone> to the command instead",
        ],
    );
    // With both options given, info.csv is not needed and not read.
    let input = [
        getinfo_in(&FIXED, path_text(dir.path()), false),
        execute(true, ROWS.as_bytes()),
    ]
    .concat();
    run(&input).assert_success();
}

#[test]
fn regression_info_csv_errors_give_advice_once_and_it_works() {
    // The messages used to end in two different pieces of advice, the first of which
    // ("pass tz=<IANA name> to override") did not help: the file is read unless both
    // now= and tz= are given.
    let dir = dispatch_dir(b"now,_tz\n1750000000,Europe/Paris\n");
    let input = |args: &[&str]| {
        [
            getinfo_in(args, path_text(dir.path()), false),
            execute(true, ROWS.as_bytes()),
        ]
        .concat()
    };
    let text = expect_error(&input(&["tz=UTC"]), 1, &["column `_tz`"]).assert_error(&[]);
    assert_eq!(text.matches("pass ").count(), 1, "{text}");
    assert!(text.ends_with("; pass now=<epoch seconds> and tz=<zone> to the command instead"));
    run(&input(&FIXED)).assert_success();
}

#[test]
fn a_malformed_info_csv() {
    for (contents, keywords) in [
        (&b""[..], &["info.csv in the dispatch directory is empty"][..]),
        (
            b"_sid,now,_tz\n",
            &["info.csv in the dispatch directory has a header but no data row"],
        ),
        (
            b"_sid,now\n1,yesterday\n",
            &["info.csv column `now` holds `yesterday`, not epoch seconds"],
        ),
        (b"now\n\xff\xfe\n", &["info.csv column `now` is not valid UTF-8 text"]),
        (
            // Regression: used to fail later with `now=` and 301 digits.
            b"now\n1e300\n",
            &["info.csv column `now` holds `1e300`, not epoch seconds between -62135596800 and 253370764799"],
        ),
    ] {
        let dir = dispatch_dir(contents);
        let input = [
            getinfo_in(&["tz=UTC"], path_text(dir.path()), false),
            execute(true, ROWS.as_bytes()),
        ]
        .concat();
        let mut all = vec!["cannot use ", "/info.csv: "];
        all.extend(keywords);
        all.push("; pass now=<epoch seconds> and tz=<zone> to the command instead");
        expect_error(&input, 1, &all);
    }
}

#[test]
fn a_tz_that_is_not_splunks_format() {
    let transitions: String = (1..=100_001).map(|t| format!("@{t} 0;")).collect();
    let too_many_transitions = format!("### SERIALIZED TIMEZONE FORMAT 1.0;Y0 NW;{transitions}$");
    for (tz, keywords) in [
        (
            "America/Los_Angeles",
            &["column `_tz`: serialized time zone is malformed at byte 0: expected the header `### SERIALIZED TIMEZONE FORMAT 1.0;`, found `America/Los_Angeles`"][..],
        ),
        (
            "### SERIALIZED TIMEZONE FORMAT 1.0;Y-28800 NW 50 53 54;@1 0;@1 0;$",
            &["serialized time zone is invalid at byte", "transition at 1 does not follow 1"],
        ),
        (
            "### SERIALIZED TIMEZONE FORMAT 1.0;Y-28800 NW 50 53 54;@99999999999999999999 0;$",
            &["does not fit in 64 bits"],
        ),
        (
            "### SERIALIZED TIMEZONE FORMAT 1.0;Y-28800 NW 50 53 54;@5 3;$",
            &["serialized time zone is invalid at byte"],
        ),
        (
            "### SERIALIZED TIMEZONE FORMAT 1.0;Y-28800 NW 50 53 54;",
            &["serialized time zone is malformed at byte", "found end of text"],
        ),
        (
            &too_many_transitions,
            &["serialized time zone has more than 100000 transitions (at byte "],
        ),
    ] {
        let dir = dispatch_dir(format!("now,_tz\n1750000000,\"{tz}\"\n").as_bytes());
        let input = [
            getinfo_in(&[], path_text(dir.path()), false),
            execute(true, ROWS.as_bytes()),
        ]
        .concat();
        expect_error(&input, 1, keywords);
    }
}

#[test]
fn non_numeric_bytes_out_warns_and_still_counts() {
    let body = "dest_ip,_time,bytes_out\n\
                10.0.0.1,1749600000,100\n\
                10.0.0.1,1749686400,\"1,024\"\n\
                10.0.0.1,1749772800,\n\
                10.0.0.1,1749945600,120\n";
    let input = [
        getinfo(&["now=1750000000", "tz=UTC", "mode=annotate"]),
        execute(true, body.as_bytes()),
    ]
    .concat();
    let run = run(&input);
    run.assert_success();
    let last = run.last();
    let messages = last.messages();
    assert_eq!(
        messages[0],
        (
            "WARN".to_owned(),
            "2 rows have a non-numeric value (first: row 2: bytes_out=\"1,024\"); they count in \
             num_data_samples but in no average or standard deviation"
                .to_owned()
        )
    );
    assert!(messages[1]
        .1
        .starts_with("rows read 4, hosts 1, today's rows 1"));
    // num_data_samples (6th field) counts all 4 rows; the averages use 100 and 120 only.
    let text = last.body_text();
    for line in text.lines().skip(1) {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[3], "110", "{line}");
        assert_eq!(&record[5], "4", "{line}");
    }
    assert_eq!(text.lines().count(), 5);
}

#[test]
fn replies_are_flushed_before_the_input_ends() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;

    let mut child = Command::new(crate::util::BIN)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut reply = [0u8; 84];
        stdout.read_exact(&mut reply).unwrap();
        sender.send(reply.to_vec()).unwrap();
        let mut rest = Vec::new();
        stdout.read_to_end(&mut rest).unwrap();
        rest
    });
    stdin.write_all(&getinfo(&FIXED)).unwrap();
    stdin.flush().unwrap();
    // splunkd waits for this reply before sending more: it must come with stdin still open.
    let reply = receiver.recv_timeout(Duration::from_secs(10));
    let Ok(reply) = reply else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("no getinfo reply within 10 s while stdin stays open");
    };
    assert!(reply.starts_with(b"chunked 1.0,67,0\n{\"type\":\"events\""));
    stdin.write_all(&execute(true, ROWS.as_bytes())).unwrap();
    drop(stdin);
    let rest = reader.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert!(String::from_utf8_lossy(&rest).contains("\"finished\":true}"));
}

#[test]
fn session_key_never_appears_in_any_output() {
    let unreadable = tempfile::tempdir().unwrap();
    std::fs::create_dir(unreadable.path().join("info.csv")).unwrap();
    let malformed = dispatch_dir(b"now,_tz\nsoon,\n");
    let key_in_the_way = format!(r#"{{"action":"execute","finished":"{SESSION_KEY}"}}"#);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("getinfo only", getinfo(&FIXED)),
        (
            "happy path",
            after_getinfo(
                &[
                    execute(false, ROWS.as_bytes()),
                    execute(true, HEADER.as_bytes()),
                ]
                .concat(),
            ),
        ),
        (
            "preview",
            [getinfo_in(&FIXED, "", true), execute(true, ROWS.as_bytes())].concat(),
        ),
        ("eof in header", after_getinfo(b"chunked 1.0,5")),
        ("eof in metadata", after_getinfo(b"chunked 1.0,36,0\n{")),
        (
            "eof in body",
            after_getinfo(b"chunked 1.0,36,100\n{\"action\":\"execute\",\"finished\":true}x"),
        ),
        ("bad header", after_getinfo(b"chunked 1.0,x,0\n")),
        (
            "key as a header",
            after_getinfo(format!("{SESSION_KEY}\n").as_bytes()),
        ),
        ("limit", after_getinfo(b"chunked 1.0,99999999,0\n")),
        ("not json", after_getinfo(&chunk("nope", b""))),
        (
            "key in a bad value",
            after_getinfo(&chunk(&key_in_the_way, b"")),
        ),
        (
            "key as the action",
            after_getinfo(&chunk(&format!(r#"{{"action":"{SESSION_KEY}"}}"#), b"")),
        ),
        ("second getinfo", after_getinfo(&getinfo(&FIXED))),
        (
            "unfinished",
            after_getinfo(&execute(false, ROWS.as_bytes())),
        ),
        (
            "ragged",
            after_getinfo(&execute(true, b"dest_ip,_time,bytes_out\n1,2\n")),
        ),
        ("missing field", after_getinfo(&execute(true, b"a,b\n"))),
        (
            "key as a field",
            after_getinfo(&execute(true, format!("a,{SESSION_KEY}\n").as_bytes())),
        ),
        (
            "key as a value",
            after_getinfo(&execute(
                true,
                format!("{HEADER}1,2,{SESSION_KEY}\n").as_bytes(),
            )),
        ),
        ("bad option", getinfo(&["mode=none"])),
        (
            "key in an option",
            getinfo(&[&format!("mode={SESSION_KEY}")]),
        ),
        ("key as an option", getinfo(&[SESSION_KEY])),
        (
            "unreadable info.csv",
            [
                getinfo_in(&[], path_text(unreadable.path()), false),
                execute(true, ROWS.as_bytes()),
            ]
            .concat(),
        ),
        (
            "malformed info.csv",
            [
                getinfo_in(&[], path_text(malformed.path()), false),
                execute(true, ROWS.as_bytes()),
            ]
            .concat(),
        ),
        (
            "key as the dispatch dir",
            [
                getinfo_in(&[], &format!("/nonexistent/{SESSION_KEY}"), false),
                execute(true, ROWS.as_bytes()),
            ]
            .concat(),
        ),
    ];
    for (case, input) in cases {
        let run = run(&input);
        assert!(!run.replies.is_empty(), "{case}: at least one reply");
        assert_no_key(&run, case);
    }
}
