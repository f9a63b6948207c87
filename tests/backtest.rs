//! `mode=backtest` through the real binary: a protocol session with every row's statistics
//! checked against values computed independently (exact fractions in Python: the table
//! below), the zone taken from info.csv, the CLI giving the same rows, the sample's last day
//! equal to annotate mode's, and option errors in both paths.
//!
//! The dataset is `tests/session.rs`'s: 3 hosts, days 2025-06-11 .. 2025-06-15 (UTC), with
//! 10.0.0.1's spike of 2000000 on the 15th.

use crate::session::{CHUNKS, HEADER};
use crate::util::{dispatch_dir, execute, getinfo, getinfo_in, path_text, run, run_raw};

const ANNOTATE_HEADER: &str = "dest_ip,_time,bytes_out,avg_bytes_out,stdev_bytes_out,\
    num_data_samples,per_source_avg_bytes_out,per_source_stdev_bytes_out,\
    num_standard_deviations_away_from_server_average,\
    num_standard_deviations_away_from_client_average,is_outlier";

/// Every row judged at the end of its own UTC day over the 30 days before (all earlier days
/// here): window mean and stdev, host rows, host prior mean and stdev, ratios, is_outlier.
const EXPECTED: [&str; 12] = [
    "10.0.0.1,1749600000,100,2550,3464.8232278140827,1,,,0.71,,0",
    "10.0.0.1,1749686400,110,2602.5,2885.0231079374967,2,100,0,0.86,,0",
    "10.0.0.2,1749600000,5000,2550,3464.8232278140827,1,,,0.71,,0",
    "10.0.0.2,1749686400,5200,2602.5,2885.0231079374967,2,5000,0,0.90,,0",
    "10.0.0.1,1749772800,90,2550,2686.8271250677817,3,105,7.0710678118654755,0.92,2.12,0",
    "10.0.0.1,1749859200,100,2274.4444444444443,2587.644252554392,4,100,10,0.84,0.00,0",
    "10.0.0.2,1749772800,4800,2550,2686.8271250677817,3,5100,141.4213562373095,0.84,2.12,0",
    "10.0.0.3,1749859200,70,2274.4444444444443,2587.644252554392,1,,,0.85,,0",
    "10.0.0.2,1749859200,5000,2274.4444444444443,2587.644252554392,4,5000,200,1.05,0.00,0",
    "10.0.0.1,1749949200,2000000,168803.75,576682.4924873975,5,100,8.16496580927726,3.18,244936.73,1",
    "10.0.0.2,1749952800,5100,168803.75,576682.4924873975,5,5000,163.29931618554522,0.28,0.61,0",
    "10.0.0.3,1749945660,75,168803.75,576682.4924873975,2,70,0,0.29,,0",
];

fn session(args: &[&str], dispatch: &str) -> Vec<u8> {
    let mut input = getinfo_in(args, dispatch, false);
    for rows in CHUNKS {
        input.extend(execute(false, format!("{HEADER}{rows}").as_bytes()));
    }
    input.extend(execute(true, HEADER.as_bytes()));
    input
}

/// Same text, or numbers within 1e-12 relative (the last bits of a stdev may differ).
fn assert_rows_close(got: &str, want: &[&str]) {
    let got: Vec<&str> = got.lines().collect();
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (g, w) in got.iter().zip(want) {
        for (a, b) in g.split(',').zip(w.split(',')) {
            let same = a == b
                || matches!((a.parse::<f64>(), b.parse::<f64>()),
                    (Ok(x), Ok(y)) if (x - y).abs() <= 1e-12 * y.abs());
            assert!(same, "{g} vs {w}");
        }
        assert_eq!(g.split(',').count(), w.split(',').count(), "{g} vs {w}");
    }
}

#[test]
fn protocol_session_judges_every_row_on_its_own_day() {
    let run = run(&session(&["mode=backtest", "now=1750000000", "tz=UTC"], ""));
    run.assert_success();
    // getinfo: all fields, as annotate (the output keeps every input field).
    assert_eq!(
        run.replies[0].metadata,
        serde_json::json!({"type": "events"})
    );
    let last = run.last();
    let body = last.body_text();
    let (header, rows) = body.split_once('\n').unwrap();
    assert_eq!(header, ANNOTATE_HEADER);
    assert_rows_close(rows, &EXPECTED);
    assert_eq!(
        last.messages(),
        [(
            "INFO".to_owned(),
            "rows read 12, hosts 3, days judged 5, alerts 1, alerts per day min/median/max \
             0/0/1; now=1750000000 (from option), tz=UTC (UTC+00:00 UTC) (from option), today \
             starts at 2025-06-15T00:00:00Z"
                .to_owned()
        )]
    );
    // baseline_days=2: the 15th's window is the 13th ..= 15th, so 10.0.0.1 has 3 rows there
    // (90, 100 and the spike) and a prior mean of 95.
    let short = run_two(&[
        "mode=backtest",
        "baseline_days=2",
        "now=1750000000",
        "tz=UTC",
    ]);
    let spike = short.lines().find(|l| l.contains(",2000000,")).unwrap();
    let fields: Vec<&str> = spike.split(',').collect();
    assert_eq!(
        (fields[5], fields[6], fields[10]),
        ("3", "95", "0"),
        "{spike}"
    );
}

fn run_two(args: &[&str]) -> String {
    let run = run(&session(args, ""));
    run.assert_success();
    run.last().body_text().to_owned()
}

/// US Pacific time in Splunk's serialized form (as tests/session.rs): PDT from 2025-03-09.
const PACIFIC: &str = "### SERIALIZED TIMEZONE FORMAT 1.0;\
    Y-25200 YW 50 44 54;Y-28800 NW 50 53 54;\
    @1730624400 1;@1741514400 0;@1762074000 1;$";

/// The session with 10.0.0.2's 5100 moved to 1749974400: 08:00Z on June 15, which is the
/// 15th in UTC (with the other rows of the 15th) but 01:00 on the 15th in Los Angeles, where
/// every other row falls on the 10th .. 14th (midnight UTC is 17:00 the day before).
fn moved(args: &[&str], dispatch: &str) -> crate::util::Run {
    let input = String::from_utf8(session(args, dispatch))
        .unwrap()
        .replace("10.0.0.2,1749952800,5100", "10.0.0.2,1749974400,5100");
    let run = run(input.as_bytes());
    run.assert_success();
    run
}

#[test]
fn the_zone_comes_from_info_csv_as_in_the_other_modes() {
    let info = format!("_sid,now,_tz\n1750000000.42,1750000000.000000000,\"{PACIFIC}\"\n");
    let dir = dispatch_dir(info.as_bytes());
    let from_info = moved(&["mode=backtest"], path_text(dir.path()));
    let from_option = moved(
        &["mode=backtest", "tz=America/Los_Angeles", "now=1750000000"],
        "",
    );
    let utc = moved(&["mode=backtest", "tz=UTC", "now=1750000000"], "");
    assert_eq!(from_info.last().body_text(), from_option.last().body_text());
    let info = &from_info.last().messages()[0].1;
    assert!(
        info.starts_with("rows read 12, hosts 3, days judged 6, alerts 1"),
        "{info}"
    );
    assert!(
        info.contains("(from info.csv), today starts at 2025-06-15T07:00:00Z"),
        "{info}"
    );
    let info = &utc.last().messages()[0].1;
    assert!(
        info.starts_with("rows read 12, hosts 3, days judged 5, alerts 1"),
        "{info}"
    );
    // In Los Angeles the moved row is alone on its day: the window of the 10th .. 15th holds
    // all 12 rows (mean 168803.75, as in UTC) and 10.0.0.2's five rows, four of them prior.
    let row = |run: &crate::util::Run| {
        run.last()
            .body_text()
            .lines()
            .find(|l| l.starts_with("10.0.0.2,1749974400,"))
            .unwrap()
            .to_owned()
    };
    let la = row(&from_info);
    assert!(
        la.starts_with("10.0.0.2,1749974400,5100,168803.75,"),
        "{la}"
    );
    assert!(
        la.contains(",5,5000,163.29931618554522,0.28,0.61,0"),
        "{la}"
    );
    assert_eq!(
        la,
        row(&utc),
        "the same window either way, in another zone's days"
    );
    // The spike (01:00Z on the 15th) is on the 14th in Los Angeles: the window of the 14th
    // ends before the moved row, so the spike's global statistics differ between the zones.
    let spike = |run: &crate::util::Run| {
        let body = run.last().body_text().to_owned();
        body.lines()
            .find(|l| l.contains(",2000000,"))
            .unwrap()
            .to_owned()
    };
    assert_ne!(spike(&from_info), spike(&utc));
}

#[test]
fn cli_prints_the_protocol_rows() {
    let csv: String = std::iter::once("dest_ip,_time,bytes_out\n".to_owned())
        .chain(
            CHUNKS
                .concat()
                .lines()
                .map(|l| format!("{}\n", l.trim_end_matches(",,,"))),
        )
        .collect();
    let (stdout, stderr, status) = run_raw(
        &["detect", "-", "mode=backtest", "now=1750000000", "tz=UTC"],
        csv.as_bytes(),
    );
    assert!(status.success(), "{}", String::from_utf8_lossy(&stderr));
    let text = String::from_utf8(stdout).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    assert_eq!(header, ANNOTATE_HEADER);
    // The CLI's input has no __mv_ fields; otherwise the same rows as the protocol's.
    assert_rows_close(rows, &EXPECTED);
    assert!(String::from_utf8_lossy(&stderr)
        .contains("INFO: rows read 12, hosts 3, days judged 5, alerts 1, alerts per day min/median/max 0/0/1; "));
}

#[test]
fn cli_daytype_backtest_is_the_same_whatever_now() {
    // One host, New York midnights from 2024-06-01 for 60 days, weekends at 10× weekdays;
    // `now` inside the data, then a year and a half after it: every row is judged as of its
    // own day, so the rows and the counts are the same.
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let first = jiff::civil::Date::new(2024, 6, 1).unwrap();
    let mut csv = "dest_ip,_time,bytes_out\n".to_owned();
    for i in 0..60 {
        let date = first + jiff::Span::new().days(i);
        let start = date.to_zoned_datetime(tz.clone()).unwrap().start_of_day();
        let weekend = date.weekday().to_monday_zero_offset() >= 5;
        let bytes = if weekend { 10_000_000 } else { 1_000_000 } + 1000 * i;
        let time = start.unwrap().timestamp().as_second();
        csv.push_str(&format!("10.0.0.1,{time},{bytes}\n"));
    }
    let detect = |now: &str| {
        let (stdout, stderr, status) = run_raw(
            &[
                "detect",
                "-",
                "mode=backtest",
                "method=predictive",
                "baseline=daytype",
                "min_bytes=0",
                "tz=America/New_York",
                now,
            ],
            csv.as_bytes(),
        );
        let stderr = String::from_utf8(stderr).unwrap();
        assert!(status.success(), "{stderr}");
        let counts = stderr.split_once("; ").unwrap().0.to_owned();
        (String::from_utf8(stdout).unwrap(), counts)
    };
    let (rows, counts) = detect("now=1722470400");
    assert_eq!(rows.lines().count(), 61);
    assert_eq!(detect("now=1771200000"), (rows, counts.clone()));
    assert!(counts.ends_with("days judged 60, alerts 1, alerts per day min/median/max 0/0/1"));
}

#[test]
fn the_samples_last_day_equals_annotate_mode() {
    // examples/sample.csv holds 30 days, so the last day's 30-day window is the whole file:
    // its rows must carry annotate mode's verdicts and counts (averages up to the last bits:
    // annotate sums naively in input order, backtest exactly).
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample.csv");
    let cli = |mode: &str| {
        let (stdout, stderr, status) =
            run_raw(&["detect", path, mode, "now=1767268800", "tz=UTC"], b"");
        assert!(status.success(), "{}", String::from_utf8_lossy(&stderr));
        String::from_utf8(stdout).unwrap()
    };
    let (annotate, backtest) = (cli("mode=annotate"), cli("mode=backtest"));
    let today = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| {
                l.split(',')
                    .nth(1)
                    .is_some_and(|t| t.parse::<i64>().unwrap_or(0) >= 1_767_225_600)
            })
            .map(str::to_owned)
            .collect()
    };
    let want = today(&annotate);
    assert_eq!(want.len(), 40);
    let want: Vec<&str> = want.iter().map(String::as_str).collect();
    assert_rows_close(&today(&backtest).join("\n"), &want);
    assert_eq!(backtest.lines().count(), annotate.lines().count());
}

#[test]
fn option_errors_in_splunk_and_the_cli() {
    for (args, message) in [
        (
            &["baseline_days=7"][..],
            "option baseline_days applies to mode=backtest only; add mode=backtest or remove baseline_days",
        ),
        (
            &["mode=annotate", "baseline_days=7"],
            "option baseline_days applies to mode=backtest only; add mode=backtest or remove baseline_days",
        ),
        (
            &["mode=backtest", "baseline_days=0"],
            "invalid value \"0\" for option baseline_days: expected a whole number from 1 to 3650, such as 30",
        ),
        (
            &["mode=backtest", "baseline_days=3651"],
            "invalid value \"3651\" for option baseline_days: expected a whole number from 1 to 3650, such as 30",
        ),
    ] {
        // Splunk: an ERROR at getinfo, while splunkd parses the search.
        let run = run(&getinfo(args));
        assert_eq!(run.replies.len(), 1);
        assert_eq!(run.replies[0].error(), Some(message), "{args:?}");
        // CLI: exit 2, the message on stderr, nothing on stdout.
        let mut cli = vec!["detect", "-"];
        cli.extend(args);
        let (stdout, stderr, status) = run_raw(&cli, b"dest_ip,_time,bytes_out\n");
        assert_eq!(status.code(), Some(2), "{args:?}");
        assert!(stdout.is_empty());
        assert!(String::from_utf8_lossy(&stderr).contains(message), "{args:?}");
    }
}
