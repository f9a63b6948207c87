//! Scoring by hand, label errors, `--sweep`, and the output formats.

use super::*;
use crate::detect::engine::RowSink;
use crate::splunk::tz::SearchZone;

/// 2026-01-01T00:00:00Z.
const D0: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

fn day(n: i64) -> String {
    (D0 + n * DAY).to_string()
}

/// Feeds `(host, day, is_outlier)` rows straight into the sink, as any method's output would.
fn score(rows: &[(&str, i64, u8)], labels: &str, warmup_days: u64) -> Result<Scores, String> {
    let rows: Vec<(&str, String, u8)> = rows.iter().map(|&(h, n, o)| (h, day(n), o)).collect();
    Ok(score_times(&rows, labels, warmup_days)?.0)
}

/// [`score`] with each row's `_time` as written, and the rows not scored.
fn score_times(
    rows: &[(&str, String, u8)],
    labels: &str,
    warmup_days: u64,
) -> Result<(Scores, Unscored), String> {
    let labels = Labels::parse("labels.csv", labels.as_bytes()).map_err(|e| e.to_string())?;
    let mut days = DayCache::new(SearchZone::iana("UTC").unwrap());
    let index = labels.index(&mut days).map_err(|e| e.to_string())?;
    let mut sink = ScoreSink::new("dest_ip", "_time", &mut days, &index);
    sink.write_header(&["dest_ip", "_time", "bytes_out", "is_outlier"])
        .unwrap();
    for (host, time, outlier) in rows {
        let flag = outlier.to_string();
        sink.write_row(&[host.as_bytes(), time.as_bytes(), b"1", flag.as_bytes()])
            .unwrap();
    }
    if let Some(i) = sink.matched.iter().position(|&m| !m) {
        return Err(labels.unmatched(i, "data.csv").to_string());
    }
    Ok(sink.scores("x=1".into(), warmup_days))
}

fn labels(rows: &[(&str, i64)]) -> String {
    let mut text = String::from("dest_ip,_time,kind\n");
    for (host, n) in rows {
        text.push_str(&format!("{host},{},exfiltration\n", day(*n)));
    }
    text
}

/// Days 0–5; warm-up 2, so days 2–5 are judged.
/// - A: campaign on days 1–3 (its first day is not judged), alerts on 2 and 5 (5 is false).
/// - B: campaigns {2} (missed) and {4, 5} (caught on its second day).
/// - C: appears on day 3, a false alert that day. D: only days 0–1, never judged.
const ROWS: [(&str, i64, u8); 17] = [
    ("A", 0, 0),
    ("A", 1, 1),
    ("A", 2, 1),
    ("A", 3, 0),
    ("A", 4, 0),
    ("A", 5, 1),
    ("B", 2, 0),
    ("B", 3, 0),
    ("B", 4, 0),
    ("B", 5, 1),
    ("C", 3, 1),
    ("C", 4, 0),
    ("C", 5, 0),
    ("D", 0, 1),
    ("D", 1, 0),
    ("", 3, 1),
    ("B", 0, 0),
];
const LABELS: [(&str, i64); 6] = [("A", 1), ("A", 2), ("A", 3), ("B", 2), ("B", 4), ("B", 5)];

#[test]
fn counts_and_rates_by_hand() {
    let s = score(&ROWS, &labels(&LABELS), 2).unwrap();
    // Judged: A 2–5, B 2–5, C 3–5: 11 host-days (the row without a host is in none).
    // Positives A2, A3, B2, B4, B5; TP A2, B5; FP A5, C3.
    assert_eq!((s.host_days, s.positives, s.negatives), (11, 5, 6), "{s:?}");
    assert_eq!((s.true_positives, s.false_positives), (2, 2));
    assert_eq!(s.recall, Some(0.4));
    assert_eq!(s.false_positive_rate, Some(2.0 / 6.0));
    assert_eq!(s.precision, Some(0.5));
    // 4 alerting host-days on 4 judged days.
    assert_eq!(s.alerts_per_day, Some(1.0));
    // Campaigns A{1–3} caught, B{2} missed, B{4–5} caught.
    assert_eq!(s.event_recall, Some(2.0 / 3.0));
    // First days judged: B2, B4, both missed; later days A2 (hit), A3, B5 (hit).
    assert_eq!(s.first_day_recall, Some(0.0));
    assert_eq!(s.later_day_recall, Some(2.0 / 3.0));
    assert_eq!(s.options, "x=1");
}

#[test]
fn warmup_decides_the_judged_days() {
    // Warm-up 0: every host-day is judged, and A's first day (an alert) counts.
    let s = score(&ROWS, &labels(&LABELS), 0).unwrap();
    assert_eq!((s.host_days, s.positives, s.true_positives), (16, 6, 3));
    assert_eq!(s.first_day_recall, Some(1.0 / 3.0));
    // Warm-up 5: only day 5 (A5 false, B5 true, C5).
    let s = score(&ROWS, &labels(&LABELS), 5).unwrap();
    assert_eq!((s.host_days, s.positives, s.negatives), (3, 1, 2));
    assert_eq!((s.true_positives, s.false_positives), (1, 1));
    assert_eq!((s.alerts_per_day, s.event_recall), (Some(2.0), Some(1.0)));
    assert_eq!((s.first_day_recall, s.later_day_recall), (None, Some(1.0)));
    // Past the last day: nothing judged, no rates.
    let s = score(&ROWS, &labels(&LABELS), 9).unwrap();
    assert_eq!(s.host_days, 0);
    assert_eq!(
        (s.recall, s.precision, s.alerts_per_day),
        (None, None, None)
    );
}

#[test]
fn host_days_not_rows_are_scored() {
    let t = |n: i64, extra: &str| format!("{}{extra}", day(n));
    let rows = [
        // A's day 2 (labelled): two rows, the second alerts, so the host-day is caught.
        ("A", t(2, ""), 0),
        ("A", t(2, ".5"), 1),
        // B's day 2: three quiet rows, one host-day; B's day 0 is before the warm-up.
        ("B", t(0, ""), 1),
        ("B", t(2, ""), 0),
        ("B", t(2, ".5"), 0),
        ("B", (D0 + 2 * DAY + 3_600).to_string(), 0),
        // C's day 3 alerts, a false positive, even with a quiet second row.
        ("C", t(3, ""), 1),
        ("C", t(3, ".25"), 0),
        // In no host-day: no host (an alert), and times that are not a day.
        ("", t(2, ""), 1),
        ("", "yesterday".to_owned(), 0),
        ("A", "yesterday".to_owned(), 1),
        ("C", "1e300".to_owned(), 1),
    ];
    let (s, unscored) = score_times(&rows, &labels(&[("A", 2)]), 2).unwrap();
    assert_eq!((s.host_days, s.positives, s.negatives), (3, 1, 2), "{s:?}");
    assert_eq!((s.true_positives, s.false_positives), (1, 1));
    assert_eq!((s.recall, s.precision), (Some(1.0), Some(0.5)));
    // Alerting host-days A2 and C3 over judged days 2 and 3.
    assert_eq!(s.alerts_per_day, Some(1.0));
    assert_eq!(
        unscored,
        Unscored {
            scored_rows: 7,
            before_warmup: 1,
            no_host: 2,
            no_day: 2,
        }
    );
}

#[test]
fn a_label_matches_its_host_on_its_local_day() {
    // A label at noon names the day's row at midnight.
    let text = format!(
        "dest_ip,_time,kind\nA,{},exfiltration\n",
        D0 + 2 * DAY + 43_200
    );
    let s = score(&ROWS, &text, 2).unwrap();
    assert_eq!((s.positives, s.true_positives), (1, 1));
}

#[test]
fn label_errors() {
    let bad = |labels: &str| score(&ROWS, labels, 2).unwrap_err();
    assert_eq!(
        bad(&labels(&[("A", 1), ("E", 2), ("F", 1)])),
        format!(
            "labels file labels.csv line 3: dest_ip=E _time={} names no row of data.csv: \
             that host has no row on that local day",
            day(2)
        )
    );
    assert_eq!(
        bad(&labels(&[("C", 1)])),
        format!(
            "labels file labels.csv line 2: dest_ip=C _time={} names no row of data.csv: \
             that host has no row on that local day",
            day(1)
        )
    );
    assert_eq!(
        bad("dest_ip,_time,label\nA,1,exfiltration\n"),
        "labels file labels.csv: the header must be dest_ip,_time,kind, found \
         \"dest_ip,_time,label\""
    );
    assert_eq!(
        bad(""),
        "labels file labels.csv: the header must be dest_ip,_time,kind, found \"\""
    );
    assert_eq!(
        bad(&format!("dest_ip,_time,kind\nA,{},benign\n", day(2))),
        "labels file labels.csv line 2: kind \"benign\" is not exfiltration (the only kind)"
    );
    assert_eq!(
        bad("dest_ip,_time,kind\nA,yesterday,exfiltration\n"),
        "labels file labels.csv line 2: _time \"yesterday\" is not epoch seconds"
    );
    assert_eq!(
        bad(&format!("dest_ip,_time,kind\n,{},exfiltration\n", day(2))),
        "labels file labels.csv line 2: dest_ip is empty"
    );
    let duplicate = format!(
        "dest_ip,_time,kind\nA,{},exfiltration\nB,{},exfiltration\nA,{},exfiltration\n",
        day(2),
        day(2),
        D0 + 2 * DAY + 60
    );
    assert_eq!(
        bad(&duplicate),
        format!(
            "labels file labels.csv line 4: dest_ip=A _time={} is on the same local day as \
             line 2 (_time={}); give each host-day once",
            D0 + 2 * DAY + 60,
            day(2)
        )
    );
    let short = format!("dest_ip,_time,kind\nA,{}\n", day(2));
    assert!(bad(&short).starts_with("cannot read labels file labels.csv as CSV: "));
}

// ---- the command, in process ------------------------------------------------------------

/// Files in a temporary folder, removed when dropped.
struct Files(tempfile::TempDir);

impl Files {
    fn new(files: &[(&str, &str)]) -> Files {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        Files(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.path().join(name).to_str().unwrap().to_owned()
    }
}

fn cli(args: &[&str]) -> Result<(String, String), String> {
    let args = std::iter::once("evaluate")
        .chain(args.iter().copied())
        .map(OsString::from)
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    match crate::cli::run_with_stderr(args, &mut std::io::empty(), &mut out, &mut err) {
        Ok(()) => Ok((
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )),
        Err(e) => {
            assert!(out.is_empty(), "stdout written before an error: {out:?}");
            Err(e.to_string())
        }
    }
}

/// Hard sample data and its labels, 300 hosts × 45 days.
fn hard_sample() -> Files {
    let spec = crate::cli::sample::SampleSpec {
        hosts: 300,
        days: 45,
        campaign_percent: Some(10.0),
        ..crate::cli::sample::SampleSpec::hard()
    };
    let (mut data, mut labels) = (Vec::new(), Vec::new());
    crate::cli::sample::write_labelled_sample(&spec, &mut data, Some(&mut labels)).unwrap();
    Files::new(&[
        ("data.csv", std::str::from_utf8(&data).unwrap()),
        ("labels.csv", std::str::from_utf8(&labels).unwrap()),
    ])
}

fn json_rows(text: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_object().unwrap().clone())
        .collect()
}

#[test]
fn sweep_rows_equal_separate_runs() {
    let files = hard_sample();
    let (data, labels) = (files.path("data.csv"), files.path("labels.csv"));
    let common = [
        data.as_str(),
        "--labels",
        &labels,
        "--format",
        "json",
        "tz=UTC",
        "now=1767268800",
    ];
    let mut args = common.to_vec();
    args.extend(["--sweep", "deviation_threshold=0,1,3.5"]);
    let (swept, _) = cli(&args).unwrap();
    let swept = json_rows(&swept);
    assert_eq!(swept.len(), 3);
    for (row, threshold) in swept.iter().zip(["0", "1", "3.5"]) {
        let option = format!("deviation_threshold={threshold}");
        let mut args = common.to_vec();
        args.push(&option);
        let (alone, _) = cli(&args).unwrap();
        assert_eq!(json_rows(&alone), std::slice::from_ref(row));
        assert_eq!(row["options"], format!("tz=UTC now=1767268800 {option}"));
    }
    // The sweep changes something: more alerts at a lower threshold.
    assert!(swept[0]["false_positives"].as_u64() > swept[2]["false_positives"].as_u64());
}

#[test]
fn json_has_exactly_the_documented_keys() {
    let files = hard_sample();
    let (out, err) = cli(&[
        &files.path("data.csv"),
        "--labels",
        &files.path("labels.csv"),
        "--format",
        "json",
        "tz=UTC",
        "--warmup-days",
        "10",
    ])
    .unwrap();
    let rows = json_rows(&out);
    let keys: Vec<&str> = rows[0].keys().map(String::as_str).collect();
    let mut expected = COLUMNS.to_vec();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys_sorted, expected);
    assert_eq!(rows[0]["options"], "tz=UTC");
    let count = |k: &str| rows[0][k].as_u64().unwrap();
    assert_eq!(count("host_days"), count("positives") + count("negatives"));
    assert!(count("positives") > 0);
    assert!(
        err.starts_with("emailoutlier: INFO: rows read ") && err.contains("+ 10 warm-up days"),
        "{err}"
    );
}

#[test]
fn text_is_an_aligned_table() {
    let files = hard_sample();
    let (out, _) = cli(&[
        &files.path("data.csv"),
        "--labels",
        &files.path("labels.csv"),
        "tz=UTC",
        "--sweep",
        "deviation_threshold=2,10",
    ])
    .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        COLUMNS.to_vec()
    );
    assert!(lines[1].starts_with("tz=UTC deviation_threshold=2 "));
    // Every column ends at the same place on every line.
    let ends = |line: &str| -> Vec<usize> {
        let bytes = line.as_bytes();
        (1..=bytes.len())
            .filter(|&i| bytes[i - 1] != b' ' && bytes.get(i).map_or(true, |&b| b == b' '))
            .collect()
    };
    let header_ends = ends(lines[0]);
    assert_eq!(ends(lines[1])[2..], header_ends[1..]);
    assert_eq!(ends(lines[2])[2..], header_ends[1..]);
}

#[test]
fn command_line_errors() {
    let files = hard_sample();
    let (data, labels) = (files.path("data.csv"), files.path("labels.csv"));
    let bad = |args: &[&str]| cli(args).unwrap_err();
    assert_eq!(
        bad(&[&data]),
        "evaluate needs --labels <labels.csv> (dest_ip,_time,kind); run `emailoutlier help` for usage"
    );
    assert_eq!(
        bad(&["--labels", &labels]),
        "evaluate needs an input: a CSV file, or - for stdin; run `emailoutlier help` for usage"
    );
    assert!(bad(&[&data, "--labels", &labels, "threshold=2"])
        .starts_with("unknown option \"threshold\"; options are: deviation_threshold, "));
    assert_eq!(
        bad(&[&data, "--labels", &labels, "--sweep", "deviation_threshold=1,x"]),
        "invalid value \"x\" for option deviation_threshold: expected a number >= 0, such as 3 or 2.5"
    );
    assert_eq!(
        bad(&[
            &data,
            "--labels",
            &labels,
            "--sweep",
            "deviation_threshold=1,,2"
        ]),
        "invalid --sweep \"deviation_threshold=1,,2\": expected name=value1,value2,…, such as \
         deviation_threshold=2,3,4; run `emailoutlier help` for usage"
    );
    assert_eq!(
        bad(&[
            &data,
            "--labels",
            &labels,
            "deviation_threshold=2",
            "--sweep",
            "deviation_threshold=1,2"
        ]),
        "option deviation_threshold is both given and swept; give it only in --sweep; \
         run `emailoutlier help` for usage"
    );
    assert!(bad(&[&data, "--labels", &labels, "mode=alerts"])
        .starts_with("evaluate runs the detection with mode="));
    assert_eq!(
        bad(&[&data, "--labels", &labels, "--format", "csv"]),
        "invalid --format \"csv\": expected text or json; run `emailoutlier help` for usage"
    );
    assert!(bad(&["/nonexistent/data.csv", "--labels", &labels])
        .starts_with("cannot open /nonexistent/data.csv: "));
    assert!(bad(&[&data, "--labels", "/nonexistent/labels.csv"])
        .starts_with("cannot open /nonexistent/labels.csv: "));
    // Data without the fields, and a data file whose rows do not hold the labels.
    let other = Files::new(&[
        ("wrong.csv", "dest,_time,bytes_out\nA,1,2\n"),
        (
            "other.csv",
            "dest_ip,_time,bytes_out\n10.9.9.9,1767225600,5\n",
        ),
    ]);
    assert_eq!(
        bad(&[&other.path("wrong.csv"), "--labels", &labels]),
        "the input has no field \"dest_ip\" (option by); fields received: dest,_time,bytes_out"
    );
    let unmatched = bad(&[&other.path("other.csv"), "--labels", &labels, "tz=UTC"]);
    assert!(
        unmatched.starts_with(&format!("labels file {labels} line 2: dest_ip=10.")),
        "{unmatched}"
    );
}

/// Six days (0–5) of a hand-made tstats output and its labels, for the real backtest.
/// B1–B4 send 100 a day; A 100, 110, then 5000 twice (labelled), then 100; C a benign burst
/// of 3000 on day 4; E appears on day 3; F 150 on day 5 (labelled, too small to pass the
/// global test); G 9000 on day 1 (labelled, before the judged days).
fn hand_made() -> Files {
    let mut rows: Vec<(String, i64, u32)> = Vec::new();
    for b in 1..=4 {
        rows.extend((0..6).map(|d| (format!("B{b}"), d, 100)));
    }
    let series: [(&str, [u32; 6]); 4] = [
        ("A", [100, 110, 5000, 5000, 100, 100]),
        ("C", [100, 100, 100, 100, 3000, 100]),
        ("F", [100, 100, 100, 100, 100, 150]),
        ("G", [100, 9000, 100, 100, 100, 100]),
    ];
    for (host, values) in series {
        rows.extend((0..6).map(|d| (host.to_owned(), d, values[d as usize])));
    }
    rows.extend((3..6).map(|d| ("E".to_owned(), d, 100)));
    rows.sort_by_key(|r| (r.1, r.0.clone()));
    let mut data = String::from("dest_ip,_time,bytes_out\n");
    for (host, d, bytes) in rows {
        data.push_str(&format!("{host},{},{bytes}\n", day(d)));
    }
    let labels = labels(&[("A", 2), ("A", 3), ("F", 5), ("G", 1)]);
    Files::new(&[("data.csv", &data), ("labels.csv", &labels)])
}

#[test]
fn backtest_counts_on_a_hand_made_file() {
    let files = hand_made();
    let (data, labels) = (files.path("data.csv"), files.path("labels.csv"));
    let run = |extra: &[&str]| {
        let mut args = vec![
            data.as_str(),
            "--labels",
            &labels,
            "--format",
            "json",
            "baseline_days=2",
            "minimum_data_samples=2",
            "tz=UTC",
        ];
        args.extend(extra);
        json_rows(&cli(&args).unwrap().0)
    };
    let rows = run(&["deviation_threshold=1"]);
    // Judged: days 2–5 (first day 0 + baseline_days 2): B 16, A, C, F, G 4 each, E 3 = 35.
    // Alerts: A on day 2 — global window (days 0–2) mean 675.4, stdev 2035.3; A's prior 105
    // ± 7.07 — and C's burst on day 4 (mean 588.5 + 1417.4 < 3000; prior 100 ± 0).
    // A's day 3 is masked by its own day 2 (prior 2555 ± 3457.7); F's 150 is below the global
    // average; G's day 1 is not judged.
    let expected = serde_json::json!({
        "options": "baseline_days=2 minimum_data_samples=2 tz=UTC deviation_threshold=1",
        "host_days": 35, "positives": 3, "negatives": 32,
        "true_positives": 1, "false_positives": 1,
        "recall": 1.0 / 3.0, "false_positive_rate": 1.0 / 32.0, "precision": 0.5,
        "alerts_per_day": 0.5, "event_recall": 0.5,
        "first_day_recall": 0.5, "later_day_recall": 0.0,
    });
    assert_eq!(serde_json::Value::Object(rows[0].clone()), expected);
    // The same from stdin.
    let data_text = std::fs::read_to_string(&data).unwrap();
    let args = [
        "evaluate",
        "-",
        "--labels",
        &labels,
        "--format",
        "json",
        "baseline_days=2",
        "minimum_data_samples=2",
        "tz=UTC",
        "deviation_threshold=1",
    ];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = args.map(OsString::from).to_vec();
    crate::cli::run_with_stderr(args, &mut data_text.as_bytes(), &mut out, &mut err).unwrap();
    assert_eq!(json_rows(std::str::from_utf8(&out).unwrap()), rows);
    // Warm-up 1 judges day 1 too: G's 9000 against its single prior 100 (stdev 0) alerts.
    let rows = run(&["deviation_threshold=1", "--warmup-days", "1"]);
    let count = |k: &str| rows[0][k].as_u64().unwrap();
    assert_eq!(
        [
            count("host_days"),
            count("positives"),
            count("true_positives")
        ],
        [35 + 8, 4, 2]
    );
    assert_eq!(rows[0]["event_recall"], 2.0 / 3.0);
    assert_eq!(rows[0]["first_day_recall"], 2.0 / 3.0);
    // A threshold of 100 alerts on nothing.
    let rows = run(&["--sweep", "deviation_threshold=1,100"]);
    assert_eq!(rows[1]["true_positives"], 0);
    assert_eq!(rows[1]["false_positives"], 0);
    assert_eq!(rows[1]["precision"], serde_json::Value::Null);
}

#[test]
fn rows_that_cannot_be_scored_are_reported_once() {
    let files = hand_made();
    let (data, labels) = (files.path("data.csv"), files.path("labels.csv"));
    let mut text = std::fs::read_to_string(&data).unwrap();
    // A non-numeric time, an empty host on a judged day, a second row on B1's day 3.
    text.push_str(&format!(
        "A,yesterday,100\n,{},5\nB1,{}.5,100\n",
        day(3),
        day(3)
    ));
    let files = Files::new(&[("more.csv", &text)]);
    let more = files.path("more.csv");
    let run = |data: &str| {
        let args = [
            data,
            "--labels",
            &labels,
            "--format",
            "json",
            "baseline_days=2",
            "minimum_data_samples=2",
            "tz=UTC",
            "--sweep",
            "deviation_threshold=1,100",
        ];
        let (out, err) = cli(&args).unwrap();
        (json_rows(&out), err)
    };
    let (plain, plain_err) = run(&data);
    let (rows, err) = run(&more);
    // The same 35 host-days are judged: the extra rows add none.
    for (row, plain) in rows.iter().zip(&plain) {
        for key in ["host_days", "positives", "negatives"] {
            assert_eq!(row[key], plain[key], "{key}");
        }
    }
    assert_eq!(rows[0]["host_days"], 35);
    assert!(!plain_err.contains("WARN"), "{plain_err}");
    // Each WARN once for the two option sets, then one INFO line.
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "emailoutlier: WARN: 1 row has a non-numeric time (first: row 52: _time=\"yesterday\"); it is neither today's nor prior rows",
            "emailoutlier: WARN: 2 rows are in no host-day and not scored: 1 with an empty dest_ip, 1 with a _time that is not a number of seconds in years 1 to 9998",
        ],
        "{err}"
    );
    assert_eq!(lines.len(), 3, "{err}");
    // 54 rows: 16 on the two warm-up days (A, B1–B4, C, F, G), 36 scored in 35 host-days
    // (B1's day 3 has two rows), 2 in none.
    assert!(
        lines[2].contains("rows scored 36 in 35 host-days, not scored 18 (16 before the judged days, 1 with an empty dest_ip, 1 without a day)"),
        "{err}"
    );
}

#[test]
fn a_baseline_days_sweep_judges_the_same_host_days() {
    let files = hand_made();
    let (data, labels) = (files.path("data.csv"), files.path("labels.csv"));
    let args = [
        data.as_str(),
        "--labels",
        &labels,
        "--format",
        "json",
        "minimum_data_samples=1",
        "tz=UTC",
        "--sweep",
        "baseline_days=1,2",
    ];
    let (out, err) = cli(&args).unwrap();
    let rows = json_rows(&out);
    // Both judge days 2–5 (first day 0 + the largest baseline_days, 2), G's day 1 in neither.
    for row in &rows {
        assert_eq!(
            (&row["host_days"], &row["positives"]),
            (&35.into(), &3.into())
        );
    }
    assert!(
        err.contains(
            "(first day 2026-01-01 + 2 warm-up days, the largest baseline_days of the sweep)"
        ),
        "{err}"
    );
    // An explicit --warmup-days still rules.
    let mut args = args.to_vec();
    args.extend(["--warmup-days", "1"]);
    let rows = json_rows(&cli(&args).unwrap().0);
    for row in &rows {
        assert_eq!(row["host_days"], 35 + 8);
    }
}

#[test]
fn a_warning_of_only_some_runs_names_them() {
    let runs: Vec<(String, Options)> = ["", "x=1", "x=2"]
        .iter()
        .map(|t| (t.to_string(), Options::parse([MODE]).unwrap()))
        .collect();
    let warnings = [
        vec!["all".to_owned(), "some".to_owned()],
        vec!["all".to_owned()],
        vec!["all".to_owned(), "some".to_owned()],
    ];
    assert_eq!(
        distinct_warnings(&runs, &warnings),
        ["all", "some (options: (defaults); x=2)"]
    );
}
