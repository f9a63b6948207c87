//! The happy paths through the real binary: a whole session with byte-checked replies, a
//! getinfo-only run, preview, the same rows as the CLI, `now` and the zone from `info.csv`
//! (a hand-written one and splunkd's real ones), and `mode=annotate`.
//!
//! The small dataset (`now` = 1750000000 = 2025-06-15T15:06:40Z; in UTC today starts at
//! 1749945600), values worked out by hand and checked with python3:
//!
//! | dest_ip | prior bytes_out | today | rows |
//! |---|---|---|---|
//! | 10.0.0.1 | 100, 110, 90, 100 | 2000000 at 1749949200 | 5 |
//! | 10.0.0.2 | 5000, 5200, 4800, 5000 | 5100 at 1749952800 | 5 |
//! | 10.0.0.3 | 70 | 75 at 1749945660 | 2 |
//!
//! Global: sum 2025645 / 12 = 168803.75, sample stdev 576682.4924873975, bar
//! 168803.75 + 3 × 576682.49 = 1898851.23. Only 2000000 passes: 10.0.0.1's prior mean is 100,
//! stdev √(200/3) = 8.16496580927726, so the row is (2000000 − 168803.75) / 576682.49 = 3.18
//! and (2000000 − 100) / 8.165 = 244936.73 standard deviations away. 10.0.0.2's 5100 is under
//! both bars; 10.0.0.3 has 2 rows (< 4).

use std::path::Path;

use crate::util::{
    dispatch_dir, execute, getinfo, getinfo_in, path_text, run, run_args, run_raw, Run,
};

const NOW: &str = "now=1750000000";
/// The header of [`CHUNKS`] (also `tests/backtest.rs`'s dataset).
pub(crate) const HEADER: &str = "dest_ip,_time,bytes_out,__mv_dest_ip,__mv__time,__mv_bytes_out\n";

/// The dataset of the module doc in three chunks, splunkd-style with `__mv_` columns.
pub(crate) const CHUNKS: [&str; 3] = [
    "10.0.0.1,1749600000,100,,,\n10.0.0.1,1749686400,110,,,\n\
     10.0.0.2,1749600000,5000,,,\n10.0.0.2,1749686400,5200,,,\n",
    "10.0.0.1,1749772800,90,,,\n10.0.0.1,1749859200,100,,,\n\
     10.0.0.2,1749772800,4800,,,\n10.0.0.3,1749859200,70,,,\n",
    "10.0.0.2,1749859200,5000,,,\n10.0.0.1,1749949200,2000000,,,\n\
     10.0.0.2,1749952800,5100,,,\n10.0.0.3,1749945660,75,,,\n",
];

/// getinfo with `args`, the three data chunks, then the final header-only chunk.
fn session_input(args: &[&str], dispatch: &str) -> Vec<u8> {
    let mut input = getinfo_in(args, dispatch, false);
    for rows in CHUNKS {
        input.extend(execute(false, format!("{HEADER}{rows}").as_bytes()));
    }
    input.extend(execute(true, HEADER.as_bytes()));
    input
}

const GETINFO_REPLY: &str = "chunked 1.0,67,0\n\
    {\"type\":\"events\",\"required_fields\":[\"dest_ip\",\"_time\",\"bytes_out\"]}";
const NOT_FINISHED_REPLY: &str = "chunked 1.0,18,0\n{\"finished\":false}";
const ALERT_HEADER: &str = "dest_ip,_time,bytes_out,avg_bytes_out,per_source_avg_bytes_out,\
    num_standard_deviations_away_from_server_average,\
    num_standard_deviations_away_from_client_average\n";

#[test]
fn full_session_replies_byte_exact() {
    let run = run(&session_input(&[NOW, "tz=UTC"], ""));
    run.assert_success();
    let expected = [
        GETINFO_REPLY,
        NOT_FINISHED_REPLY,
        NOT_FINISHED_REPLY,
        NOT_FINISHED_REPLY,
        "chunked 1.0,209,218\n",
        "{\"inspector\":{\"messages\":[[\"INFO\",\"rows read 12, hosts 3, today's rows 3, \
         alerts 1; now=1750000000 (from option), tz=UTC (UTC+00:00 UTC) (from option), \
         today starts at 2025-06-15T00:00:00Z\"]]},\"finished\":true}",
        ALERT_HEADER,
        "10.0.0.1,1749949200,2000000,168803.75,100,3.18,244936.73\n",
    ]
    .concat();
    assert_eq!(String::from_utf8_lossy(&run.stdout), expected);
    assert!(
        run.stderr.is_empty(),
        "a clean run writes nothing on stderr"
    );
}

#[test]
fn getinfo_only_run_exits_at_once_with_one_reply() {
    let run = run(&getinfo(&[NOW, "tz=UTC"]));
    run.assert_success();
    assert_eq!(run.stdout, GETINFO_REPLY.as_bytes());
    assert_eq!(run.replies.len(), 1);
    assert!(run.elapsed.as_secs() < 5, "took {:?}", run.elapsed);
}

#[test]
fn getinfo_only_run_has_no_side_effects_even_with_a_bad_dispatch_dir() {
    // info.csv is read on the first execute, never while splunkd only parses the search.
    let run = run(&getinfo_in(&[], "/nonexistent/dispatch/dir", false));
    run.assert_success();
    assert_eq!(run.stdout, GETINFO_REPLY.as_bytes());
}

#[test]
fn annotate_getinfo_asks_for_all_fields() {
    let run = run(&getinfo(&["mode=annotate"]));
    run.assert_success();
    assert_eq!(run.stdout, b"chunked 1.0,17,0\n{\"type\":\"events\"}");
}

#[test]
fn preview_answers_finished_without_work() {
    let mut input = getinfo_in(&[NOW, "tz=UTC"], "", true);
    input.extend(execute(false, format!("{HEADER}{}", CHUNKS[0]).as_bytes()));
    // Even rows that would fail are not looked at in a preview run.
    input.extend(execute(true, b"not,the,fields\n1,2,3\n"));
    let run = run(&input);
    run.assert_success();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        [
            GETINFO_REPLY,
            "chunked 1.0,17,0\n{\"finished\":true}",
            "chunked 1.0,17,0\n{\"finished\":true}",
        ]
        .concat()
    );
}

#[test]
fn input_after_the_final_reply_is_read_and_ignored() {
    let mut input = session_input(&[NOW, "tz=UTC"], "");
    input.extend(b"chunked 1.0,2,0\n{}trailing bytes that are not a chunk");
    let run = run(&input);
    run.assert_success();
    assert_eq!(run.replies.len(), 5);
}

fn sample_csv() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample.csv"))
        .expect("examples/sample.csv")
}

/// Runs the sample through the protocol in three data chunks and returns the final body.
fn sample_through_protocol(args: &[&str]) -> Run {
    let sample = sample_csv();
    let text = std::str::from_utf8(&sample).expect("UTF-8 sample");
    let (header, rows) = text.split_once('\n').expect("a header row");
    let rows: Vec<&str> = rows.lines().collect();
    let third = rows.len() / 3 + 1;
    let mut input = getinfo(args);
    for part in rows.chunks(third) {
        let body = format!("{header}\n{}\n", part.join("\n"));
        input.extend(execute(false, body.as_bytes()));
    }
    input.extend(execute(true, format!("{header}\n").as_bytes()));
    run(&input)
}

#[test]
fn protocol_rows_equal_the_cli_rows_on_the_sample() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample.csv");
    // The sample's own "now" (see `emailoutlier sample`), and annotate mode for every row.
    for extra in [None, Some("mode=annotate")] {
        let mut args = vec!["now=1767268800", "tz=UTC"];
        args.extend(extra);
        let protocol = sample_through_protocol(&args);
        protocol.assert_success();
        let replies = &protocol.replies;
        assert_eq!(replies.len(), 5, "getinfo, 3 × finished:false, final");

        let mut cli_args = vec!["detect", path];
        cli_args.extend(&args);
        let (stdout, stderr, status) = run_raw(&cli_args, b"");
        assert!(status.success(), "{}", String::from_utf8_lossy(&stderr));
        assert_eq!(
            replies[4].body_text(),
            String::from_utf8_lossy(&stdout),
            "{args:?}"
        );
        // Same summary as the CLI's INFO line.
        let info = &replies[4].messages()[0];
        assert_eq!(info.0, "INFO");
        assert!(
            String::from_utf8_lossy(&stderr).contains(&info.1),
            "CLI stderr {:?} vs {info:?}",
            String::from_utf8_lossy(&stderr)
        );
    }
    let alerts = sample_through_protocol(&["now=1767268800", "tz=UTC"]);
    assert_eq!(
        alerts.replies[4].body_text().lines().count(),
        2,
        "the sample holds one alert on its last day"
    );
}

/// US Pacific time 2024-11 to 2026-03, in Splunk's serialized form, written by hand:
/// PST from 2024-11-03T09:00Z, PDT from 2025-03-09T10:00Z, PST from 2025-11-02T09:00Z.
const PACIFIC: &str = "### SERIALIZED TIMEZONE FORMAT 1.0;\
    Y-25200 YW 50 44 54;Y-28800 NW 50 53 54;\
    @1730624400 1;@1741514400 0;@1762074000 1;$";

/// info.csv as splunkd writes it (a subset of its columns): `now` and `_tz` of the search.
fn pacific_info_csv() -> Vec<u8> {
    format!(
        "_sid,_search_StartTime,now,_tz,label\n\
         1750000000.42,1750000000.123,1750000000.000000000,\"{PACIFIC}\",emailoutlier\n"
    )
    .into_bytes()
}

/// The dataset with 10.0.0.1's spike moved to 1749960000: 04:00Z on June 15, which is today in
/// UTC but 21:00 on June 14 in Los Angeles, where today starts at 1749970800 (07:00Z).
fn boundary_input(args: &[&str], dispatch: &Path) -> Vec<u8> {
    let input = session_input(args, path_text(dispatch));
    String::from_utf8(input)
        .expect("UTF-8 input")
        .replace("10.0.0.1,1749949200,2000000", "10.0.0.1,1749960000,2000000")
        .into_bytes()
}

#[test]
fn info_csv_zone_moves_the_day_boundary() {
    let dir = dispatch_dir(&pacific_info_csv());

    // now and zone from info.csv: the spike happened yesterday in Los Angeles.
    let pacific = run(&boundary_input(&[], dir.path()));
    pacific.assert_success();
    let last = pacific.last();
    assert_eq!(last.body_text(), ALERT_HEADER, "no alert");
    let info = &last.messages()[0];
    assert_eq!(info.0, "INFO");
    for part in [
        "today's rows 0, alerts 0",
        "now=1750000000 (from info.csv)",
        "UTC-07:00 PDT",
        "(from info.csv), today starts at 2025-06-15T07:00:00Z",
    ] {
        assert!(info.1.contains(part), "{info:?} should contain {part:?}");
    }

    // Same info.csv, zone overridden by the option: the spike is today's and alerts.
    let utc = run(&boundary_input(&["tz=UTC"], dir.path()));
    utc.assert_success();
    let last = utc.last();
    assert_eq!(
        last.body_text(),
        format!("{ALERT_HEADER}10.0.0.1,1749960000,2000000,168803.75,100,3.18,244936.73\n")
    );
    let info = &last.messages()[0].1;
    assert!(
        info.contains("now=1750000000 (from info.csv), tz=UTC (UTC+00:00 UTC) (from option), today starts at 2025-06-15T00:00:00Z"),
        "{info}"
    );
}

#[test]
fn real_splunk_info_csv_files() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/scpv2-recordings/dispatch-info");
    if !dir.is_dir() {
        println!(
            "note: {} is absent; real info.csv test skipped",
            dir.display()
        );
        return;
    }
    // now, and the start of its day in US Pacific time (checked with python3 zoneinfo).
    for (file, now, day_start, starts) in [
        (
            "countmatches.execute.info.csv",
            "1434859155",
            1_434_783_600,
            "2015-06-20T07:00:00Z",
        ),
        (
            "generatehello.execute.info.csv",
            "1434737211",
            1_434_697_200,
            "2015-06-19T07:00:00Z",
        ),
        (
            "sum.execute.reduce.info.csv",
            "1434913637",
            1_434_870_000,
            "2015-06-21T07:00:00Z",
        ),
    ] {
        let bytes = std::fs::read(dir.join(file)).expect("a real info.csv");
        let dispatch = dispatch_dir(&bytes);
        // One row a second before the day starts (prior), one at its first second (today).
        let body = format!(
            "dest_ip,_time,bytes_out\nmx,{},10\nmx,{day_start},20\n",
            day_start - 1
        );
        let mut input = getinfo_in(&[], path_text(dispatch.path()), false);
        input.extend(execute(true, body.as_bytes()));
        let run = run(&input);
        run.assert_success();
        let info = &run.last().messages()[0].1;
        for part in [
            "rows read 2, hosts 1, today's rows 1".to_owned(),
            format!("now={now} (from info.csv)"),
            format!("(from info.csv), today starts at {starts}"),
        ] {
            assert!(info.contains(&part), "{file}: {info:?} lacks {part:?}");
        }
    }
}

#[test]
fn annotate_mode_returns_every_row_with_its_statistics() {
    let run = run_args(&[], &session_input(&[NOW, "tz=UTC", "mode=annotate"], ""));
    run.assert_success();
    let last = run.last();
    let text = last.body_text();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "dest_ip,_time,bytes_out,avg_bytes_out,stdev_bytes_out,num_data_samples,\
             per_source_avg_bytes_out,per_source_stdev_bytes_out,\
             num_standard_deviations_away_from_server_average,\
             num_standard_deviations_away_from_client_average,is_outlier"
        )
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 12, "every input row, in input order");
    let inputs: Vec<String> = CHUNKS
        .concat()
        .lines()
        .map(|l| l.trim_end_matches(",,,").to_owned())
        .collect();
    // (samples, prior mean, prior stdev) per destination; global stdev 576682.4924873975.
    let per_host = |ip: &str| match ip {
        "10.0.0.1" => ("5", "100", 8.164_965_809_277_26),
        "10.0.0.2" => ("5", "5000", 163.299_316_185_545_2),
        _ => ("2", "70", 0.0),
    };
    for (row, input) in rows.iter().zip(&inputs) {
        assert_eq!(row.len(), 11, "{row:?}");
        assert_eq!(row[..3].join(","), *input);
        assert_eq!(row[3], "168803.75");
        let stdev: f64 = row[4].parse().unwrap();
        assert!((stdev - 576_682.492_487_397_5).abs() < 1e-6, "{row:?}");
        let (samples, prior_mean, prior_stdev) = per_host(row[0]);
        assert_eq!((row[5], row[6]), (samples, prior_mean), "{row:?}");
        let got: f64 = row[7].parse().unwrap();
        assert!((got - prior_stdev).abs() < 1e-9, "{row:?}");
        let alert = row[1] == "1749949200";
        assert_eq!(row[10], if alert { "1" } else { "0" }, "{row:?}");
    }
    // The alert row's ratios match the alerts mode's; 10.0.0.3's prior stdev is 0: no ratio.
    assert_eq!(&rows[9][8..], ["3.18", "244936.73", "1"]);
    assert_eq!(&rows[11][8..], ["0.29", "", "0"]);
    assert!(last.messages()[0].1.contains("alerts 1"));
}
