//! The CLI in process, with byte buffers for stdin, stdout and stderr.

use super::sample::DEFAULT_NOW;
use super::*;

/// Runs the CLI; returns stdout and stderr as text, or the error (checking stdout is empty).
fn cli(args: &[&str], stdin: &str) -> Result<(String, String), String> {
    let args = args.iter().map(OsString::from).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    match run_with_stderr(args, &mut stdin.as_bytes(), &mut out, &mut err) {
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

/// 10.0.0.1 sends 1000, 2000 on the two prior days and 9000 today (2026-01-01 UTC);
/// 10.0.0.2 sends 1000 every day.
const INPUT: &str = "\
dest_ip,_time,bytes_out
10.0.0.1,1767052800,1000
10.0.0.1,1767139200,2000
10.0.0.1,1767225600,9000
10.0.0.2,1767052800,1000
10.0.0.2,1767139200,1000
10.0.0.2,1767225600,1000
";

const HEADER: &str = "dest_ip,_time,bytes_out,avg_bytes_out,per_source_avg_bytes_out,\
num_standard_deviations_away_from_server_average,num_standard_deviations_away_from_client_average\n";

#[test]
fn detect_csv_golden() {
    // Global: 15000/6 = 2500; squared deviations 4·1500² + 500² + 6500² = 51.5e6, /5 → stdev
    // 3209.36; T=1: 9000 > 5709. Per-source 1000, 2000: mean 1500, stdev 707.107.
    // Ratios 6500/3209.36 = 2.025 → 2.03, 7500/707.107 = 10.607 → 10.61.
    let (out, err) = cli(
        &[
            "detect",
            "-",
            "now=1767268800",
            "tz=UTC",
            "deviation_threshold=1",
            "minimum_data_samples=3",
        ],
        INPUT,
    )
    .unwrap();
    assert_eq!(
        out,
        format!("{HEADER}10.0.0.1,1767225600,9000,2500,1500,2.03,10.61\n")
    );
    assert_eq!(
        err,
        "emailoutlier: INFO: rows read 6, hosts 2, today's rows 2, alerts 1; \
         now=1767268800 (from option), tz=UTC (UTC+00:00 UTC) (from option), \
         today starts at 2026-01-01T00:00:00Z\n"
    );
}

#[test]
fn detect_uses_the_local_day_of_the_time_zone() {
    // 12:00 UTC is 07:00 in New York: the day began at 05:00 UTC, after the last row, so there
    // are no today's rows.
    let (out, err) = cli(
        &[
            "detect",
            "-",
            "now=1767268800",
            "tz=America/New_York",
            "deviation_threshold=1",
            "minimum_data_samples=3",
        ],
        INPUT,
    )
    .unwrap();
    assert_eq!(out, HEADER);
    assert!(err.contains("today's rows 0, alerts 0"), "{err}");
    assert!(
        err.contains("today starts at 2026-01-01T05:00:00Z"),
        "{err}"
    );
}

#[test]
fn detect_from_a_file_equals_stdin() {
    let path = std::env::temp_dir().join(format!("emailoutlier-cli-{}.csv", std::process::id()));
    std::fs::write(&path, INPUT).unwrap();
    let options = [
        "now=1767268800",
        "tz=UTC",
        "deviation_threshold=1",
        "minimum_data_samples=3",
    ];
    let mut args = vec!["detect", path.to_str().unwrap()];
    args.extend(options);
    let from_file = cli(&args, "").unwrap();
    std::fs::remove_file(&path).unwrap();
    args[1] = "-";
    assert_eq!(from_file, cli(&args, INPUT).unwrap());
}

#[test]
fn detect_json_golden() {
    // Global 1000, 5000, 1000, 1000: mean 2000, stdev √(12e6/3) = 2000 → 3000/2000 = 1.50.
    // 10.0.0.1's single prior value has stdev 0: its client ratio is null.
    let input = "dest_ip,_time,bytes_out\n10.0.0.1,1767139200,1000\n10.0.0.1,1767225600,5000\n\
                 10.0.0.2,1767139200,1000\n10.0.0.2,1767225600,1000\n";
    let args = [
        "detect",
        "-",
        "--format",
        "json",
        "now=1767268800",
        "tz=UTC",
        "deviation_threshold=0",
        "minimum_data_samples=2",
    ];
    let (out, _) = cli(&args, input).unwrap();
    assert_eq!(
        out,
        "[\n  {\"dest_ip\":\"10.0.0.1\",\"_time\":\"1767225600\",\"bytes_out\":\"5000\",\
         \"avg_bytes_out\":\"2000\",\"per_source_avg_bytes_out\":\"1000\",\
         \"num_standard_deviations_away_from_server_average\":\"1.50\",\
         \"num_standard_deviations_away_from_client_average\":null}\n]\n"
    );
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value.as_array().map(Vec::len), Some(1));
    // No alerts: an empty array.
    let (out, _) = cli(
        &["detect", "-", "--format=json", "now=1767268800", "tz=UTC"],
        input,
    )
    .unwrap();
    assert_eq!(out, "[]\n");
}

#[test]
fn detect_annotate_and_quoting() {
    // A field with a comma and an extra column survive, quoted as CSV needs.
    let input = "dest_ip,_time,bytes_out,note\n\"mail,1\",1767139200,10,\"a \"\"b\"\"\"\n";
    let (out, err) = cli(
        &["detect", "-", "mode=annotate", "now=1767268800", "tz=UTC"],
        input,
    )
    .unwrap();
    assert_eq!(
        out,
        "dest_ip,_time,bytes_out,note,avg_bytes_out,stdev_bytes_out,num_data_samples,\
         per_source_avg_bytes_out,per_source_stdev_bytes_out,\
         num_standard_deviations_away_from_server_average,\
         num_standard_deviations_away_from_client_average,is_outlier\n\
         \"mail,1\",1767139200,10,\"a \"\"b\"\"\",10,0,1,10,0,,,0\n"
    );
    assert!(
        err.contains("rows read 1, hosts 1, today's rows 0, alerts 0"),
        "{err}"
    );
}

#[test]
fn detect_warns_about_non_numeric_values() {
    let input = "dest_ip,_time,bytes_out\n10.0.0.1,1767139200,\"1,024\"\n";
    let (_, err) = cli(&["detect", "-", "now=1767268800", "tz=UTC"], input).unwrap();
    assert!(
        err.starts_with(
            "emailoutlier: WARN: 1 row has a non-numeric value (first: row 1: bytes_out=\"1,024\")"
        ),
        "{err}"
    );
}

#[test]
fn detect_errors() {
    let missing = cli(&["detect", "/nonexistent/tstats.csv"], "").unwrap_err();
    assert!(
        missing.starts_with("cannot open /nonexistent/tstats.csv: "),
        "{missing}"
    );
    assert_eq!(
        cli(&["detect", "-", "now=1767268800"], "dest,_time,bytes_out\n").unwrap_err(),
        "the input has no field \"dest_ip\" (option by); fields received: dest,_time,bytes_out"
    );
    assert_eq!(
        cli(&["detect", "-", "threshold=1"], INPUT).unwrap_err(),
        "unknown option \"threshold\"; options are: deviation_threshold, minimum_data_samples, \
         now, tz, value, by, time, mode, baseline_days, method, fpr, min_bytes, baseline"
    );
    assert_eq!(
        cli(&["detect", "-", "--format", "xml"], INPUT).unwrap_err(),
        "invalid --format \"xml\": expected csv or json; run `emailoutlier help` for usage"
    );
    assert_eq!(
        cli(&["detect"], INPUT).unwrap_err(),
        "detect needs an input: a CSV file, or - for stdin; run `emailoutlier help` for usage"
    );
    assert!(cli(&["detect", "-", "--verbose"], INPUT)
        .unwrap_err()
        .contains("--verbose"));
    let ragged = cli(
        &["detect", "-", "now=1767268800"],
        "dest_ip,_time,bytes_out\na,1\n",
    )
    .unwrap_err();
    assert!(ragged.starts_with("cannot read - as CSV: "), "{ragged}");
    assert_eq!(
        cli(&["detect", "-", "now=1767268800"], "").unwrap_err(),
        "the input has no field \"bytes_out\" (option value); fields received: "
    );
}

#[test]
fn subcommands_and_usage() {
    assert_eq!(cli(&["help"], "").unwrap().0, USAGE);
    assert_eq!(cli(&["detect", "--help"], "").unwrap().0, USAGE);
    assert_eq!(cli(&["evaluate", "--help"], "").unwrap().0, USAGE);
    assert_eq!(
        cli(&[], "").unwrap_err(),
        "missing subcommand: detect, evaluate, sample or help; run `emailoutlier help` for usage"
    );
    assert_eq!(
        cli(&["scan"], "").unwrap_err(),
        "unknown subcommand \"scan\": expected detect, evaluate, sample or help; run `emailoutlier help` for usage"
    );
}

#[test]
fn sample_arguments() {
    let (out, _) = cli(
        &[
            "sample", "--hosts", "2", "--days", "3", "--seed", "9", "--now", "86400",
        ],
        "",
    )
    .unwrap();
    let times: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    // Days 1970-01-02 minus two, up to the day of now; a past day may be missing.
    assert!(
        times.iter().all(|t| ["-86400", "0", "86400"].contains(t)),
        "{times:?}"
    );
    assert_eq!(times.iter().filter(|t| **t == "86400").count(), 2);
    assert_eq!(
        cli(&["sample", "--hosts", "0"], "").unwrap_err(),
        "invalid value \"0\" for --hosts: expected a whole number from 1 to 16777216; run \
         `emailoutlier help` for usage"
    );
    assert!(cli(&["sample", "--days", "x"], "")
        .unwrap_err()
        .contains("for --days"));
    let (out, _) = cli(&["sample", "--hosts", "30", "--missing-percent", "0"], "").unwrap();
    assert_eq!(out.lines().count(), 1 + 30 * 30);
    assert!(cli(&["sample", "--missing-percent", "101"], "")
        .unwrap_err()
        .contains("0 to 100"));
    assert!(cli(&["sample", "extra"], "").unwrap_err().contains("extra"));
}

#[test]
fn sample_hard_flags_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels.csv");
    let labels_arg = labels.to_str().unwrap();
    // --hard, with a flag that overrides it given before it.
    let args = [
        "sample",
        "--campaign-percent",
        "50",
        "--hard",
        "--hosts",
        "40",
        "--days",
        "20",
        "--labels",
        labels_arg,
    ];
    let (hard, _) = cli(&args, "").unwrap();
    let spec = sample::SampleSpec {
        hosts: 40,
        days: 20,
        campaign_percent: Some(50.0),
        ..sample::SampleSpec::hard()
    };
    let (mut expected, mut expected_labels) = (Vec::new(), Vec::new());
    sample::write_labelled_sample(&spec, &mut expected, Some(&mut expected_labels)).unwrap();
    assert_eq!(hard.as_bytes(), expected);
    assert_eq!(std::fs::read(&labels).unwrap(), expected_labels);
    // Half the 40 hosts have a campaign of 1 to 5 days.
    let label_rows = expected_labels.iter().filter(|&&b| b == b'\n').count() - 1;
    assert!((10..=100).contains(&label_rows), "{label_rows}");
    // Each feature flag on its own changes the default output; none changes it when given
    // its default value.
    let (default, _) = cli(&["sample", "--hosts", "40"], "").unwrap();
    for (flag, value) in [
        ("--volume-decades", "3"),
        ("--day-sigma-max", "1"),
        ("--weekend-percent", "50"),
        ("--late-percent", "20"),
        ("--burst-percent", "5"),
        ("--campaign-percent", "10"),
    ] {
        let (out, _) = cli(&["sample", "--hosts", "40", flag, value], "").unwrap();
        assert_ne!(out, default, "{flag}");
    }
    for (flag, value) in [
        ("--weekend-percent", "100"),
        ("--late-percent", "0"),
        ("--burst-percent", "0"),
    ] {
        let (out, _) = cli(&["sample", "--hosts", "40", flag, value], "").unwrap();
        assert_eq!(out, default, "{flag}");
    }
    assert_eq!(
        cli(&["sample", "--burst-percent", "101"], "").unwrap_err(),
        "invalid value \"101\" for --burst-percent: expected a number from 0 to 100; run \
         `emailoutlier help` for usage"
    );
    assert!(cli(&["sample", "--day-sigma-max", "0"], "")
        .unwrap_err()
        .contains("for --day-sigma-max: expected a number from 0.05 to 2"));
    assert!(cli(&["sample", "--volume-decades", "nan"], "")
        .unwrap_err()
        .contains("for --volume-decades"));
}

#[test]
fn sample_piped_into_detect_shows_the_injected_exfiltration() {
    let (sample, _) = cli(&["sample"], "").unwrap();
    let now = DEFAULT_NOW.to_string();
    let (alerts, err) = cli(&["detect", "-", &format!("now={now}"), "tz=UTC"], &sample).unwrap();
    let today = (DEFAULT_NOW - DEFAULT_NOW % 86_400).to_string();
    let rows: Vec<Vec<&str>> = alerts
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(!rows.is_empty(), "{err}");
    for row in &rows {
        assert_eq!(row[1], today);
        // The injected days are 20–80 GB.
        assert!(row[2].parse::<f64>().unwrap() > 2e10, "{row:?}");
    }
}

#[test]
fn bundled_example_is_the_generator_output() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample.csv");
    let bundled = std::fs::read_to_string(path).unwrap();
    let (generated, _) = cli(&["sample", "--hosts", "40"], "").unwrap();
    assert_eq!(
        bundled, generated,
        "regenerate with: emailoutlier sample --hosts 40 > examples/sample.csv"
    );
    let (alerts, _) = cli(
        &["detect", path, &format!("now={DEFAULT_NOW}"), "tz=UTC"],
        "",
    )
    .unwrap();
    assert!(alerts.lines().count() > 1, "{alerts}");
}

#[test]
fn day_start_follows_the_zone_across_dst() {
    let day_start = |now: &str, tz: &str| {
        resolve_clock(&Options::parse([now, tz]).unwrap())
            .unwrap()
            .day_start()
            .unwrap()
    };
    // UTC and Tokyo (+09:00) see different days at 2026-01-01T20:00Z.
    assert_eq!(day_start("now=1767297600", "tz=UTC"), 1_767_225_600);
    assert_eq!(day_start("now=1767297600", "tz=Asia/Tokyo"), 1_767_279_600);
    // New York, 2025-03-09, a 23-hour day: 23:00 EDT belongs to the day that began at
    // 00:00 EST = 05:00Z.
    assert_eq!(
        day_start("now=1741575600", "tz=America/New_York"),
        1_741_496_400
    );
    // New York, 2025-11-02, a 25-hour day: 23:30 EST, day began 00:00 EDT = 04:00Z.
    assert_eq!(
        day_start("now=1762144200", "tz=America/New_York"),
        1_762_056_000
    );
    // São Paulo, 2018-11-04: midnight did not exist; the day began at 01:00 -02 = 03:00Z.
    assert_eq!(
        day_start("now=1541340000", "tz=America/Sao_Paulo"),
        1_541_300_400
    );
    // A fraction of a second before midnight still belongs to the previous day.
    assert_eq!(day_start("now=1767225599.9", "tz=UTC"), 1_767_139_200);
}
