//! The alert action `emailoutlier_risk` through the real binary, as splunkd runs it:
//! `emailoutlier --execute`, the JSON payload on stdin, `SPLUNK_HOME` set, a gzipped results
//! file. The spool file is read back with the `[stash_new]` rules (`alert::stash::read_stash`).

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use emailoutlier::alert::event::{risk_event_id, Event};
use emailoutlier::alert::stash::{read_stash, LINE_BREAKER};
use serde_json::{json, Value};

use super::util::{BIN, SESSION_KEY};

const SEARCH: &str =
    "emailoutlier - Email servers sending high volume traffic to hosts - Risk without ES";
const SID: &str = "scheduler__admin__emailoutlier__RMD5a1b2c3_at_1718971200_42";

/// A fake `$SPLUNK_HOME` with the two folders the action uses, and a dispatch folder.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["var/spool/splunk", "var/run/splunk/dispatch/x"] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        Home { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn spool(&self) -> PathBuf {
        self.path().join("var/spool/splunk")
    }

    /// Writes `csv` gzipped as the results file and returns its path.
    fn results(&self, csv: &[u8]) -> PathBuf {
        let path = self.path().join("var/run/splunk/dispatch/x/results.csv.gz");
        std::fs::write(&path, gzip(csv)).unwrap();
        path
    }

    /// Names of the files in the spool and in the action's temporary folder.
    fn files(&self) -> (Vec<String>, Vec<String>) {
        let list = |dir: PathBuf| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .map(|d| {
                    d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            names
        };
        (
            list(self.spool()),
            list(self.path().join("var/run/splunk/emailoutlier_risk")),
        )
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A payload as splunkd writes it (all documented keys, one unknown).
fn payload(results_file: &Path, configuration: Value) -> Value {
    json!({
        "app": "emailoutlier",
        "owner": "admin",
        "results_file": results_file.to_str().unwrap(),
        "results_link": "https://sh:8000/app/emailoutlier/search?q=%7C%20loadjob%20x",
        "search_uri": "/servicesNS/nobody/emailoutlier/saved/searches/x",
        "server_host": "sh1",
        "server_uri": "https://127.0.0.1:8089",
        "session_key": SESSION_KEY,
        "sid": SID,
        "search_name": SEARCH,
        "configuration": configuration,
        "result": {"dest_ip": "10.0.0.2"},
        "a_key_from_a_later_splunk": {"x": 1}
    })
}

fn defaults() -> Value {
    json!({
        "index": "risk",
        "risk_object_field": "dest_ip",
        "risk_object_type": "system",
        "risk_score": "25",
        "risk_message": "$dest_ip$ got $bytes_out$ bytes ($$, $nosuchfield$)"
    })
}

/// What one `--execute` run did.
struct Outcome {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

fn execute(home: Option<&Path>, stdin: &[u8]) -> Outcome {
    let mut command = Command::new(BIN);
    command
        .arg("--execute")
        .env_remove("SPLUNK_HOME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(home) = home {
        command.env("SPLUNK_HOME", home);
    }
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Outcome {
        code: output.status.code(),
        stdout: output.stdout,
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

impl Outcome {
    /// Every stderr line starts with a level splunkd recognises; the session key is absent.
    fn lines(&self) -> Vec<&str> {
        assert!(self.stdout.is_empty(), "stdout: {:?}", self.stdout);
        assert!(!self.stderr.contains(SESSION_KEY), "{}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        for line in &lines {
            assert!(
                ["INFO ", "WARN ", "ERROR "]
                    .iter()
                    .any(|l| line.starts_with(l)),
                "{line:?}"
            );
        }
        lines
    }
}

/// Field values of an event by name, in order (repeats for multivalue fields).
fn values<'e>(event: &'e Event, name: &str) -> Vec<&'e str> {
    event
        .fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn hostile_rows_become_one_event_each_read_back_field_by_field() {
    let home = Home::new();
    let breaker = format!("before\n{LINE_BREAKER}\nafter\r\n{LINE_BREAKER}\r\n");
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "dest_ip",
        "_time",
        "bytes_out",
        "note",
        "__mv_note",
        "host",
        "All_Traffic.src",
        "_serial",
    ])
    .unwrap();
    let rows: [[&str; 8]; 5] = [
        [
            "10.0.0.2",
            "1718928000",
            "50000",
            "say \"hi\" \\ back",
            "",
            "mx1",
            "a",
            "0",
        ],
        [
            "10.0.0.3",
            "1718928000.5",
            "7",
            "",
            "$one$;$two$$dollar$;$line\nbreak$",
            "mx2",
            "b",
            "1",
        ],
        ["10.0.0.4", "1718928000", "8", &breaker, "", "mx3", "c", "2"],
        ["", "1718928000", "9", "no risk object", "", "mx4", "d", "3"],
        ["ünï😀", "", "10", "a, b=\"c\", d", "", "mx5", "e", "4"],
    ];
    for row in rows {
        csv.write_record(row).unwrap();
    }
    let results = home.results(&csv.into_inner().unwrap());
    let run = execute(
        Some(home.path()),
        payload(&results, defaults()).to_string().as_bytes(),
    );
    let lines = run.lines();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let (spool, temp) = home.files();
    assert_eq!(spool.len(), 1, "{spool:?}");
    assert!(spool[0].starts_with("emailoutlier_risk_") && spool[0].ends_with(".stash_new"));
    assert!(temp.is_empty(), "{temp:?}");
    let path = home.spool().join(&spool[0]);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0], "WARN 1 of 5 rows have no value in \"dest_ip\" (risk_object_field) and wrote no risk event; the first is on line 10 of the results");
    assert_eq!(
        lines[1],
        "WARN risk_message names fields the results do not have, written as empty: $nosuchfield$"
    );
    assert!(
        lines[2].starts_with(
            "WARN 1 rows have no _time in epoch seconds; their risk events carry the run time "
        ),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], format!("INFO emailoutlier_risk: read 5 rows from {}; wrote 4 risk events for index=risk in {}; 1 rows skipped (1 without a value in \"dest_ip\")", results.display(), path.display()));

    let bytes = std::fs::read(&path).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(SESSION_KEY));
    let stash = read_stash(&bytes).unwrap();
    assert_eq!(
        (stash.index.as_str(), stash.source.as_str()),
        ("risk", SEARCH)
    );
    assert_eq!(
        stash.events.len(),
        4,
        "one event per row with a risk object"
    );
    let objects: Vec<&str> = stash
        .events
        .iter()
        .map(|e| values(e, "risk_object")[0])
        .collect();
    assert_eq!(objects, ["10.0.0.2", "10.0.0.3", "10.0.0.4", "ünï😀"]);

    let first = &stash.events[0];
    assert_eq!(first.time, "1718928000");
    let expect = |event: &Event, name: &str, want: &[&str]| {
        assert_eq!(values(event, name), want, "{name} in {event:?}");
    };
    expect(first, "search_name", &[SEARCH]);
    expect(first, "risk_object_type", &["system"]);
    expect(first, "risk_score", &["25"]);
    expect(first, "risk_message", &["10.0.0.2 got 50000 bytes ($, )"]);
    expect(first, "orig_sid", &[SID]);
    expect(
        first,
        "risk_event_id",
        &[&risk_event_id(SEARCH, "10.0.0.2", "1718928000")],
    );
    expect(first, "dest_ip", &["10.0.0.2"]);
    expect(first, "orig_time", &["1718928000"]);
    expect(first, "bytes_out", &["50000"]);
    expect(first, "note", &["say \"hi\" \\ back"]);
    expect(first, "orig_host", &["mx1"]);
    expect(first, "All_Traffic_src", &["a"]);
    expect(first, "_serial", &[]);
    let names: Vec<&str> = first.fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "search_name",
            "risk_object",
            "risk_object_type",
            "risk_score",
            "risk_message",
            "orig_sid",
            "risk_event_id",
            "dest_ip",
            "orig_time",
            "bytes_out",
            "note",
            "orig_host",
            "All_Traffic_src"
        ]
    );

    let second = &stash.events[1];
    assert_eq!(second.time, "1718928000.5");
    expect(second, "note", &["one", "two$dollar", "line\nbreak"]);
    let third = &stash.events[2];
    expect(third, "note", &[&breaker]);
    let fourth = &stash.events[3];
    expect(fourth, "note", &["a, b=\"c\", d"]);
    expect(fourth, "orig_time", &[]);
    assert!(
        fourth.time.starts_with(char::is_numeric),
        "run time {}",
        fourth.time
    );
    expect(
        fourth,
        "risk_event_id",
        &[&risk_event_id(SEARCH, "ünï😀", "")],
    );
}

/// Prepares one bad run: returns `$SPLUNK_HOME` (or none) and the payload.
type Case = Box<dyn Fn(&Home, &Path) -> (Option<PathBuf>, Vec<u8>)>;

/// Each bad input: an ERROR line naming the problem, exit 1, nothing in the spool or the
/// temporary folder, no session key.
#[test]
fn bad_inputs_end_in_error_nonzero_exit_and_no_spool_file() {
    let good_csv = b"dest_ip,_time,bytes_out\n10.0.0.2,1718928000,50000\n".as_slice();
    let with = |config: Value| -> Case {
        Box::new(move |home: &Home, results: &Path| {
            let mut configuration = defaults();
            for (k, v) in config.as_object().unwrap() {
                configuration[k] = v.clone();
            }
            (
                Some(home.path().to_owned()),
                payload(results, configuration).to_string().into_bytes(),
            )
        })
    };
    let without = |key: &'static str| -> Case {
        Box::new(move |home: &Home, results: &Path| {
            let mut p = payload(results, defaults());
            p.as_object_mut().unwrap().remove(key);
            (Some(home.path().to_owned()), p.to_string().into_bytes())
        })
    };
    let results_bytes = |bytes: Vec<u8>| -> Case {
        Box::new(move |home: &Home, results: &Path| {
            std::fs::write(results, &bytes).unwrap();
            (
                Some(home.path().to_owned()),
                payload(results, defaults()).to_string().into_bytes(),
            )
        })
    };
    let whole = gzip(good_csv);
    // Errors after events were already written to the temporary file.
    let mut many = String::from("dest_ip,_time\n");
    for i in 0..5_000 {
        many.push_str(&format!(
            "10.0.{}.{},{}\n",
            i / 256,
            i % 256,
            1_718_928_000 + i
        ));
    }
    let many_gz = gzip(many.as_bytes());
    let late_ragged = format!("{many}10.9.9.9,1,extra\n");
    let cases: Vec<(&str, Case, &str)> = vec![
        ("not json", Box::new(|h: &Home, _: &Path| (Some(h.path().to_owned()), b"{\"session_key\": \"x\"".to_vec())), "the payload on stdin is not valid JSON for an alert action"),
        ("not an object", Box::new(|h: &Home, _: &Path| (Some(h.path().to_owned()), b"[]".to_vec())), "expected a JSON object"),
        ("no results_file", without("results_file"), "no \"results_file\" key"),
        ("no sid", without("sid"), "no \"sid\" key"),
        ("no search_name", without("search_name"), "no \"search_name\" key"),
        ("no configuration", without("configuration"), "no \"configuration\" key"),
        ("results_file missing", Box::new(|h: &Home, r: &Path| { std::fs::remove_file(r).unwrap(); (Some(h.path().to_owned()), payload(r, defaults()).to_string().into_bytes()) }), "cannot open results_file"),
        ("results_file is a folder", Box::new(|h: &Home, r: &Path| { std::fs::remove_file(r).unwrap(); std::fs::create_dir(r).unwrap(); (Some(h.path().to_owned()), payload(r, defaults()).to_string().into_bytes()) }), "cannot read the results file"),
        ("not gzip", results_bytes(good_csv.to_vec()), "not a valid gzip file"),
        ("truncated gzip", results_bytes(whole[..whole.len() - 5].to_vec()), "the gzip data is damaged or truncated"),
        ("not csv: ragged", results_bytes(gzip(b"dest_ip,_time\n10.0.0.2,1,extra\n")), "not a CSV of search results: line 2: the row has 3 fields, but the header has 2"),
        ("not csv: ends inside quotes", results_bytes(gzip(b"_time,dest_ip\n1,\"10.0.0.1\n2,3\n")), "not a CSV of search results: line 2: unterminated quoted field"),
        ("not csv: ends inside quotes, no newline", results_bytes(gzip(b"dest_ip,_time\n10.0.0.2,\"1718928000")), "not a CSV of search results: line 2: unterminated quoted field"),
        ("not csv: binary", results_bytes(gzip(b"dest_ip\n\xff\xfe\n")), "field \"dest_ip\" is not valid UTF-8"),
        ("truncated mid-file, events already in the temporary file", results_bytes(many_gz[..many_gz.len() * 4 / 5].to_vec()), "the gzip data is damaged or truncated"),
        ("ragged row after 5,000 written events", results_bytes(gzip(late_ragged.as_bytes())), "line 5002: the row has 3 fields, but the header has 2"),
        ("no SPLUNK_HOME", Box::new(|_: &Home, r: &Path| (None, payload(r, defaults()).to_string().into_bytes())), "SPLUNK_HOME is not set"),
        ("spool missing", Box::new(|h: &Home, r: &Path| { std::fs::remove_dir(h.spool()).unwrap(); (Some(h.path().to_owned()), payload(r, defaults()).to_string().into_bytes()) }), "var/spool/splunk is not a folder"),
        ("risk_score not a number", with(json!({"risk_score": "high"})), "parameter risk_score = \"high\" is not valid: expected a number"),
        ("index not an index name", with(json!({"index": "Risk Index"})), "parameter index = \"Risk Index\" is not valid: an index name is lowercase letters"),
        ("internal index", with(json!({"index": "_internal"})), "parameter index = \"_internal\" is not valid"),
        ("no risk object field in the results", with(json!({"risk_object_field": "dest"})), "the results have no field \"dest\" (parameter risk_object_field); their fields are: dest_ip,_time,bytes_out"),
        ("empty risk_object_type", with(json!({"risk_object_type": " "})), "parameter risk_object_type = \"\" is not valid"),
    ];
    for (name, setup, want) in cases {
        let home = Home::new();
        let results = home.results(good_csv);
        let (splunk_home, stdin) = setup(&home, &results);
        let run = execute(splunk_home.as_deref(), &stdin);
        let lines = run.lines();
        assert_eq!(run.code, Some(1), "{name}: {}", run.stderr);
        assert_eq!(lines.len(), 1, "{name}: {lines:?}");
        assert!(lines[0].starts_with("ERROR "), "{name}: {lines:?}");
        assert!(
            lines[0].contains(want),
            "{name}: {:?} lacks {want:?}",
            lines[0]
        );
        let (spool, temp) = home.files();
        assert!(
            spool.is_empty() && temp.is_empty(),
            "{name}: {spool:?} {temp:?}"
        );
    }
}

/// A risk object that is empty or only white space is no risk object: no event, counted in
/// the WARN line; otherwise the first value that is not blank, trimmed.
#[test]
fn blank_risk_objects_write_no_event() {
    let home = Home::new();
    let csv = "_time,dest_ip,__mv_dest_ip\n\
               1718928000,,$$;$$\n\
               1718928001,  ,\n\
               1718928002,\u{3000}\t,\n\
               1718928003,\" \n10.0.0.9\",$ $;$10.0.0.9$\n\
               1718928004, 10.0.0.5 ,\n";
    let results = home.results(csv.as_bytes());
    let run = execute(
        Some(home.path()),
        payload(&results, defaults()).to_string().as_bytes(),
    );
    let lines = run.lines();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(lines[0], "WARN 3 of 5 rows have no value in \"dest_ip\" (risk_object_field) and wrote no risk event; the first is on line 2 of the results");
    assert!(
        lines.iter().any(|l| l.starts_with(
            "WARN 1 rows have several values in \"dest_ip\"; each of their risk events takes the first that is not blank"
        )),
        "{lines:?}"
    );
    let (spool, _) = home.files();
    let stash = read_stash(&std::fs::read(home.spool().join(&spool[0])).unwrap()).unwrap();
    let objects: Vec<&str> = stash
        .events
        .iter()
        .map(|e| values(e, "risk_object")[0])
        .collect();
    assert_eq!(objects, ["10.0.0.9", "10.0.0.5"]);
    assert_eq!(values(&stash.events[1], "dest_ip"), [" 10.0.0.5 "]);
    assert_eq!(
        values(&stash.events[1], "risk_event_id"),
        [risk_event_id(SEARCH, "10.0.0.5", "1718928004").as_str()]
    );
}

/// Two columns never write the same name: a row's own `orig_<name>` gives way to the column
/// renamed to it (risk fields included), and names equal after normalisation get `_2`, `_3`.
#[test]
fn colliding_field_names_stay_apart() {
    let home = Home::new();
    let results = home.results(
        b"dest_ip,_time,risk_score,orig_risk_score,x y,x_y,x.y\n10.0.0.2,1718928000,99,ORS,a,b,c\n",
    );
    let run = execute(
        Some(home.path()),
        payload(&results, defaults()).to_string().as_bytes(),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let (spool, _) = home.files();
    let stash = read_stash(&std::fs::read(home.spool().join(&spool[0])).unwrap()).unwrap();
    let event = &stash.events[0];
    assert_eq!(values(event, "risk_score"), ["25"]);
    assert_eq!(values(event, "orig_risk_score"), ["99"]);
    assert_eq!(values(event, "x_y"), ["a"]);
    assert_eq!(values(event, "x_y_2"), ["b"]);
    assert_eq!(values(event, "x_y_3"), ["c"]);
    let mut names: Vec<&str> = event.fields.iter().map(|(k, _)| k.as_str()).collect();
    let all = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all, "{:?}", event.fields);
}

#[test]
fn unwritable_spool_is_an_error_and_leaves_no_file() {
    let home = Home::new();
    let results = home.results(b"dest_ip,_time\n10.0.0.2,1718928000\n");
    let spool = home.spool();
    std::fs::set_permissions(&spool, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0)
        == 0
    {
        // root writes through any mode; the rename error path is covered by unit tests of
        // spool.rs only as far as a missing folder goes.
        eprintln!("note: running as root, a read-only spool folder cannot be simulated; skipped");
        return;
    }
    let run = execute(
        Some(home.path()),
        payload(&results, defaults()).to_string().as_bytes(),
    );
    let lines = run.lines();
    assert_eq!(run.code, Some(1));
    assert!(
        lines[0].starts_with("ERROR cannot move the events into"),
        "{lines:?}"
    );
    assert_eq!(home.files(), (vec![], vec![]));
    // As README says: with nothing to write the spool is not touched, so its mode goes
    // unnoticed (the action never probes it with a file splunkd would index).
    let results = home.results(b"dest_ip,_time\n,1718928000\n");
    let run = execute(
        Some(home.path()),
        payload(&results, defaults()).to_string().as_bytes(),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    std::fs::set_permissions(&spool, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(home.files(), (vec![], vec![]));
}

#[test]
fn nothing_to_write_writes_no_file() {
    for (csv, warn) in [
        (&b"dest_ip,_time\n"[..], false),
        (b"", false),
        (b"dest_ip,_time\n,1718928000\n,1718928001\n", true),
    ] {
        let home = Home::new();
        let results = home.results(csv);
        let run = execute(
            Some(home.path()),
            payload(&results, defaults()).to_string().as_bytes(),
        );
        let lines = run.lines();
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert_eq!(home.files(), (vec![], vec![]));
        let info = lines.last().unwrap();
        assert!(
            info.contains("wrote 0 risk events for index=risk (no spool file: nothing to write)"),
            "{info}"
        );
        assert_eq!(
            lines
                .iter()
                .any(|l| l.starts_with("WARN 2 of 2 rows have no value")),
            warn,
            "{lines:?}"
        );
    }
}

#[test]
fn a_hundred_thousand_rows_stream_into_one_file() {
    const ROWS: usize = 100_000;
    let home = Home::new();
    let mut csv = String::from("dest_ip,_time,bytes_out,note\n");
    for i in 0..ROWS {
        csv.push_str(&format!(
            "10.{}.{}.{},{},{},\"row {i}\nsecond line\"\n",
            i >> 16,
            (i >> 8) & 255,
            i & 255,
            1_718_928_000 + i,
            i * 7
        ));
    }
    let results = home.results(csv.as_bytes());
    let run = execute(
        Some(home.path()),
        payload(&results, defaults()).to_string().as_bytes(),
    );
    let lines = run.lines();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(lines.last().unwrap().contains(&format!("read {ROWS} rows")));
    let (spool, _) = home.files();
    let stash = read_stash(&std::fs::read(home.spool().join(&spool[0])).unwrap()).unwrap();
    assert_eq!(stash.events.len(), ROWS);
    for i in [0, 54_321, ROWS - 1] {
        let event = &stash.events[i];
        assert_eq!(event.time, (1_718_928_000 + i).to_string());
        assert_eq!(values(event, "note"), [format!("row {i}\nsecond line")]);
        assert_eq!(values(event, "bytes_out"), [(i * 7).to_string()]);
    }
}

#[test]
fn execute_mode_takes_no_other_arguments() {
    let out = Command::new(BIN)
        .args(["--execute", "extra"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "the CLI rejects it");
    assert!(out.stdout.is_empty());
}
