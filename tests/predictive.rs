//! `method=predictive` through the real binary: the protocol and the CLI print the same rows
//! and the same INFO line, and a bad option is one ERROR naming it.

use crate::util::{execute, getinfo, run, run_raw, Run};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample.csv");

/// The sample in three data chunks and a final header-only chunk.
fn through_protocol(args: &[&str]) -> Run {
    let sample = std::fs::read_to_string(SAMPLE).expect("examples/sample.csv");
    let (header, rows) = sample.split_once('\n').expect("a header row");
    let rows: Vec<&str> = rows.lines().collect();
    let mut input = getinfo(args);
    for part in rows.chunks(rows.len() / 3 + 1) {
        input.extend(execute(
            false,
            format!("{header}\n{}\n", part.join("\n")).as_bytes(),
        ));
    }
    input.extend(execute(true, format!("{header}\n").as_bytes()));
    run(&input)
}

#[test]
fn protocol_and_cli_print_the_same_rows() {
    let cases: [&[&str]; 6] = [
        &["method=predictive"],
        &["method=predictive", "mode=backtest"],
        &[
            "method=predictive",
            "mode=backtest",
            "baseline=daytype",
            "baseline_days=14",
        ],
        &["method=predictive", "mode=annotate"],
        &["method=predictive", "baseline=daytype", "fpr=0.01"],
        &[
            "method=predictive",
            "min_bytes=0",
            "fpr=0.2",
            "mode=annotate",
        ],
    ];
    for extra in cases {
        let mut args = vec!["now=1767268800", "tz=UTC"];
        args.extend(extra);
        let protocol = through_protocol(&args);
        protocol.assert_success();
        let last = protocol.last();
        let mut cli_args = vec!["detect", SAMPLE];
        cli_args.extend(&args);
        let (stdout, stderr, status) = run_raw(&cli_args, b"");
        let stderr = String::from_utf8_lossy(&stderr);
        assert!(status.success(), "{stderr}");
        assert_eq!(
            last.body_text(),
            String::from_utf8_lossy(&stdout),
            "{args:?}"
        );
        assert!(last.body_text().lines().count() > 1, "{args:?}: some rows");
        let info = &last.messages()[0];
        assert_eq!(info.0, "INFO");
        assert!(
            info.1.contains("false alerts expected under the model"),
            "{info:?}"
        );
        assert!(
            stderr.contains(&info.1),
            "CLI stderr {stderr:?} vs {info:?}"
        );
    }
    let alerts = through_protocol(&["now=1767268800", "tz=UTC", "method=predictive"]);
    assert!(alerts.last().body_text().starts_with(
        "dest_ip,_time,bytes_out,typical_bytes_out,upper_bytes_out,p_value,num_data_samples\n"
    ));
}

#[test]
fn bad_predictive_options_are_one_error_naming_the_option() {
    for (args, keywords) in [
        (&["method=predictive", "fpr=0"][..], &["fpr", "\"0\""][..]),
        (&["fpr=0.01"], &["fpr", "method=predictive"]),
        (
            &["method=predictive", "deviation_threshold=2"],
            &["deviation_threshold", "method=seed"],
        ),
        (
            &["method=predictive", "baseline=week"],
            &["baseline", "all or daytype"],
        ),
    ] {
        let run = run(&getinfo(args));
        run.assert_error(keywords);
    }
}
