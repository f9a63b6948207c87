//! One test per rule of semantics.md, with expected values computed by hand (the arithmetic is
//! in the comments), then a property test against an all-rows two-pass reference.

use super::*;
use crate::detect::test_sink::Lines;

const DAY_START: i64 = 1000;

/// Runs the engine over `dest_ip,_time,bytes_out` rows (`|`-separated, no quoting).
fn run_with(options: &[&str], header: &str, rows: &[&str]) -> (Lines, Summary) {
    let options = Options::parse(options.iter().copied()).unwrap();
    let mut engine = Engine::new(&options, DAY_START);
    let names: Vec<String> = header.split('|').map(String::from).collect();
    let columns = engine.bind(&names).unwrap();
    for row in rows {
        let fields: Vec<&[u8]> = row.split('|').map(str::as_bytes).collect();
        engine.feed(
            fields[columns.by],
            fields[columns.time],
            fields[columns.value],
            &fields,
        );
    }
    let mut lines = Lines::default();
    let summary = engine.finish(&mut lines).unwrap();
    (lines, summary)
}

fn run(options: &[&str], rows: &[&str]) -> Vec<String> {
    run_with(options, "dest_ip|_time|bytes_out", rows).0.rows
}

/// Host a: prior 10, 20, 30 (mean 20, stdev 10), today 100. Host b: 10 on all four days.
const BASIC: &[&str] = &[
    "a|100|10",
    "a|200|20",
    "a|300|30",
    "a|1000|100",
    "b|100|10",
    "b|200|10",
    "b|300|10",
    "b|1000|10",
];

#[test]
fn basic_alert_has_the_spl_fields_in_order() {
    // Global: sum 200 / 8 = 25; squared deviations 225+25+25+5625+4·225 = 6800, /7 → stdev
    // 31.1677…; T=1: 100 > 56.17 and 100 > 20 + 10. Ratios 75/31.1677 = 2.406 → 2.41,
    // 80/10 = 8 → 8.00.
    let (lines, summary) = run_with(&["deviation_threshold=1"], "dest_ip|_time|bytes_out", BASIC);
    assert_eq!(
        lines.header,
        "dest_ip,_time,bytes_out,avg_bytes_out,per_source_avg_bytes_out,\
         num_standard_deviations_away_from_server_average,\
         num_standard_deviations_away_from_client_average"
    );
    assert_eq!(lines.rows, ["a,1000,100,25,20,2.41,8.00"]);
    assert_eq!(
        summary.info(),
        "rows read 8, hosts 2, today's rows 2, alerts 1"
    );
    assert_eq!(summary.warning(), None);
}

#[test]
fn default_threshold_is_three() {
    // 25 + 3 · 31.17 = 118.5 > 100: no alert.
    assert!(run(&[], BASIC).is_empty());
    assert_eq!(
        run(&["deviation_threshold=2.4"], BASIC),
        ["a,1000,100,25,20,2.41,8.00"]
    );
    // 25 + 2.41 · 31.1677 = 100.1 > 100.
    assert!(run(&["deviation_threshold=2.41"], BASIC).is_empty());
}

#[test]
fn global_statistics_include_todays_rows() {
    // Global over 10,10,10,10,50: mean 18, (4·64 + 1024)/4 = 320 → stdev 17.888.
    // T=2: 18 + 35.78 > 50, no alert (without today's row the global stdev would be 0).
    let rows = ["a|100|10", "a|200|10", "a|300|10", "a|400|10", "a|1000|50"];
    assert!(run(&["deviation_threshold=2", "minimum_data_samples=1"], &rows).is_empty());
    // T=1: 50 > 35.89 → alert; 32/17.888 = 1.789 → 1.79; per-source stdev 0 → empty ratio.
    assert_eq!(
        run(&["deviation_threshold=1", "minimum_data_samples=1"], &rows),
        ["a,1000,50,18,10,1.79,"]
    );
}

#[test]
fn empty_dest_ip_counts_globally_but_never_groups_or_alerts() {
    // Global 10,20,30,100,10: mean 34 (40 without the empty-dest row), stdev √1430 = 37.815;
    // 66/37.815 = 1.745 → 1.75; client 80/10 → 8.00.
    let rows = ["a|100|10", "a|200|20", "a|300|30", "a|1000|100", "|500|10"];
    let (lines, summary) = run_with(&["deviation_threshold=1"], "dest_ip|_time|bytes_out", &rows);
    assert_eq!(lines.rows, ["a,1000,100,34,20,1.75,8.00"]);
    assert_eq!((summary.hosts, summary.rows_without_group), (1, 1));
    // Empty dest_ip rows alone, today and prior, any threshold: never an alert.
    let alone = ["|100|1", "|200|1", "|300|1", "|1000|1000000"];
    assert!(run(&["deviation_threshold=0", "minimum_data_samples=1"], &alone).is_empty());
}

#[test]
fn groups_are_the_exact_dest_ip_text() {
    // "a " is another destination than "a": it has no prior rows, so no per-source average.
    let rows = ["a|100|10", "a|200|20", "a|300|30", "b|100|0", "a |1000|100"];
    assert!(run(&["deviation_threshold=0", "minimum_data_samples=1"], &rows).is_empty());
    let same = ["a|100|10", "a|200|20", "a|300|30", "b|100|0", "a|1000|100"];
    assert_eq!(
        run(&["deviation_threshold=0", "minimum_data_samples=1"], &same).len(),
        1
    );
}

#[test]
fn num_data_samples_counts_rows_whatever_their_value() {
    // a has 4 rows, one with a non-numeric bytes_out. Global 10,20,100: mean 130/3 =
    // 43.333333333333336, stdev √2433.3 = 49.329; 56.667/49.329 = 1.149 → 1.15.
    // Per-source 10,20: mean 15, stdev √50; 85/7.0711 = 12.02.
    let rows = ["a|100|10", "a|200|20", "a|300|n/a", "a|1000|100"];
    let (lines, summary) = run_with(
        &["deviation_threshold=0", "minimum_data_samples=4"],
        "dest_ip|_time|bytes_out",
        &rows,
    );
    assert_eq!(lines.rows, ["a,1000,100,43.333333333333336,15,1.15,12.02"]);
    assert_eq!(summary.non_numeric_values, 1);
    assert_eq!(
        summary.warning().as_deref(),
        Some(
            "1 row has a non-numeric value (first: row 3: bytes_out=\"n/a\"); it counts in \
             num_data_samples but in no average or standard deviation"
        )
    );
    // num_data_samples >= M: 4 passes M=4 (above), fails M=5.
    assert!(run(&["deviation_threshold=0", "minimum_data_samples=5"], &rows).is_empty());
}

#[test]
fn non_numeric_time_is_neither_today_nor_prior() {
    // The "x" row: its 0 is in the global average (10+20+0+100)/4 = 32.5, not in the
    // per-source one (15), and it counts in num_data_samples (4 ≥ 4).
    // Global stdev √(6275/3) = 45.735; 67.5/45.735 = 1.476 → 1.48.
    let rows = ["a|100|10", "a|200|20", "a|x|0", "a|1000|100"];
    let (lines, summary) = run_with(
        &["deviation_threshold=0", "minimum_data_samples=4"],
        "dest_ip|_time|bytes_out",
        &rows,
    );
    assert_eq!(lines.rows, ["a,1000,100,32.5,15,1.48,12.02"]);
    assert_eq!((summary.non_numeric_times, summary.today_rows), (1, 1));
    assert_eq!(
        summary.warning().as_deref(),
        Some(
            "1 row has a non-numeric time (first: row 3: _time=\"x\"); it is neither today's \
             nor prior rows"
        )
    );
    // A huge value with a non-numeric or empty time never alerts.
    let rows = [
        "a|100|10",
        "a|200|20",
        "a|300|30",
        "a||5000",
        "a|later|5000",
    ];
    assert!(run(&["deviation_threshold=0", "minimum_data_samples=1"], &rows).is_empty());
}

#[test]
fn per_source_statistics_use_prior_rows_only() {
    // Per-source 10,20 → 15 (today's 100 and 200 not included). Global 10,20,100,200: mean
    // 82.5, stdev √(23275/3) = 88.081; 17.5/88.081 = 0.199 → 0.20, 117.5/88.081 = 1.334 →
    // 1.33; client 85/√50 = 12.02, 185/√50 = 26.163 → 26.16.
    let rows = ["a|100|10", "a|200|20", "a|1000|100", "a|1500|200"];
    assert_eq!(
        run(&["deviation_threshold=0", "minimum_data_samples=1"], &rows),
        [
            "a,1000,100,82.5,15,0.20,12.02",
            "a,1500,200,82.5,15,1.33,26.16"
        ]
    );
}

#[test]
fn day_start_is_inclusive_for_today() {
    // 999.5 is prior (so it is in the per-source average), 1000 is today.
    let rows = ["a|100|10", "a|999.5|20", "a|1000|100"];
    assert_eq!(
        run(&["deviation_threshold=0", "minimum_data_samples=1"], &rows),
        ["a,1000,100,43.333333333333336,15,1.15,12.02"]
    );
}

#[test]
fn no_prior_rows_means_null_per_source_and_no_alert() {
    // b's prior 10 makes the global stdev non-zero; a has only today's row.
    let rows = ["b|100|10", "a|1000|100"];
    assert!(run(&["deviation_threshold=0", "minimum_data_samples=1"], &rows).is_empty());
}

#[test]
fn one_prior_value_has_stdev_zero_and_an_empty_ratio() {
    // a's prior stdev is 0 (one value), so condition 3 is 100 > 10. Global 10,10,10,100:
    // mean 32.5, (3·506.25 + 4556.25)/3 = 2025 → stdev 45; 67.5/45 = 1.50.
    let rows = ["a|100|10", "b|200|10", "b|300|10", "a|1000|100"];
    assert_eq!(
        run(&["deviation_threshold=0", "minimum_data_samples=2"], &rows),
        ["a,1000,100,32.5,10,1.50,"]
    );
}

#[test]
fn comparisons_are_strict() {
    // Condition 3 with T=0: today's 20 equals the per-source average 20: no alert; 21 alerts.
    let prior = [
        "a|100|10", "a|200|20", "a|300|30", "b|1|0", "b|2|0", "b|3|0",
    ];
    let with = |today: &str| {
        let mut rows = prior.to_vec();
        rows.push(today);
        run(&["deviation_threshold=0", "minimum_data_samples=1"], &rows)
    };
    assert!(with("a|1000|20").is_empty());
    assert_eq!(with("a|1000|21").len(), 1);
    // 21.25: client ratio 1.25/10 = 0.125 exactly, rounded away from zero → 0.13. Global mean
    // 81.25/7 = 11.607142857142858, stdev 12.305 → 9.643/12.305 = 0.78.
    assert_eq!(
        with("a|1000|21.25"),
        ["a,1000,21.25,11.607142857142858,20,0.78,0.13"]
    );
    // Condition 3 with T=1 at exact equality: prior stdev is exactly 10, 30 = 20 + 1·10.
    let with_t1 = |today: &str| {
        let mut rows = prior.to_vec();
        rows.extend(["b|4|0"; 17]);
        rows.push(today);
        run(&["deviation_threshold=1", "minimum_data_samples=1"], &rows)
    };
    assert!(with_t1("a|1000|30").is_empty());
    assert_eq!(with_t1("a|1000|30.5").len(), 1);
    // Condition 2 with T=0: today's 10 equals the global mean (0 + 20 + 10)/3: no alert.
    let rows = ["a|100|0", "|200|20", "a|1000|10"];
    assert!(run(&["deviation_threshold=0", "minimum_data_samples=1"], &rows).is_empty());
    let rows = ["a|100|0", "|200|19", "a|1000|10"];
    assert_eq!(
        run(&["deviation_threshold=0", "minimum_data_samples=1"], &rows).len(),
        1
    );
}

#[test]
fn null_operands_drop_the_row() {
    // A non-numeric today's value, and no numeric value at all globally.
    let rows = ["a|100|10", "a|200|20", "a|1000|lots"];
    assert!(run(&["deviation_threshold=0", "minimum_data_samples=1"], &rows).is_empty());
    let rows = ["a|100|", "a|1000|"];
    assert!(run(&["deviation_threshold=0", "minimum_data_samples=1"], &rows).is_empty());
}

#[test]
fn output_keeps_input_text_and_order() {
    // "1e2" is 100 and "1000.0" is today, both printed as given; b's alert precedes a's
    // because its row comes first. Global 10,20,30,0,0,0,100,100: mean 32.5.
    let rows = [
        "a|100|10",
        "a|200|20",
        "a|300|30",
        "b|100|0",
        "b|200|0",
        "b|300|0",
        "b|1000|100",
        "a|1000.0|1e2",
    ];
    let out = run(&["deviation_threshold=0", "minimum_data_samples=1"], &rows);
    let keys: Vec<&str> = out
        .iter()
        .map(|r| &r[..r.match_indices(',').nth(2).unwrap().0])
        .collect();
    assert_eq!(keys, ["b,1000,100", "a,1000.0,1e2"]);
}

#[test]
fn averages_print_the_naive_sum_shortest() {
    // 100 × 3.99 summed in order is 399.00000000000057; / 100 → 3.9900000000000055.
    let rows: Vec<String> = (0..100).map(|i| format!("a|{i}|3.99")).collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let (lines, _) = run_with(&["mode=annotate"], "dest_ip|_time|bytes_out", &rows);
    // Equal values: stdev exactly 0, so both ratios are empty; nothing is today's.
    assert_eq!(
        lines.rows[0],
        "a,0,3.99,3.9900000000000055,0,100,3.9900000000000055,0,,,0"
    );
}

#[test]
fn field_names_follow_the_options() {
    let (lines, _) = run_with(
        &[
            "value=bytes",
            "by=dest",
            "time=day",
            "deviation_threshold=1",
        ],
        "day|bytes|dest",
        &[
            "100|10|a",
            "200|20|a",
            "300|30|a",
            "1000|100|a",
            "100|10|b",
            "200|10|b",
            "300|10|b",
            "1000|10|b",
        ],
    );
    assert_eq!(
        lines.header,
        "dest,day,bytes,avg_bytes,per_source_avg_bytes,\
         num_standard_deviations_away_from_server_average,\
         num_standard_deviations_away_from_client_average"
    );
    assert_eq!(lines.rows, ["a,1000,100,25,20,2.41,8.00"]);
}

#[test]
fn annotate_mode_prints_every_row_with_all_fields() {
    // BASIC plus an extra input column and an empty-dest row (global becomes 10..100 + 5:
    // sum 205 / 9 = 22.77777777777778).
    let rows: Vec<String> = BASIC
        .iter()
        .map(|r| format!("{r}|x"))
        .chain(["|1000|5|y".to_owned()])
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let (lines, summary) = run_with(
        &["mode=annotate", "deviation_threshold=1"],
        "dest_ip|_time|bytes_out|note",
        &rows,
    );
    assert_eq!(
        lines.header,
        "dest_ip,_time,bytes_out,note,avg_bytes_out,stdev_bytes_out,num_data_samples,\
         per_source_avg_bytes_out,per_source_stdev_bytes_out,\
         num_standard_deviations_away_from_server_average,\
         num_standard_deviations_away_from_client_average,is_outlier"
    );
    // Global stdev: Σ(x − 22.78)² over the 9 values = 7155.6, /8 → 29.907…; ratios
    // 12.78/29.907 = 0.427, 2.78/29.907 = 0.093, 7.22/29.907 = 0.241, 77.22/29.907 = 2.582,
    // 17.78/29.907 = 0.594. a's per-source 10,20,30: mean 20, stdev 10; b's: 10, stdev 0.
    let (avg, sd) = ("22.77777777777778", "29.90726407487727");
    let expected = [
        format!("a,100,10,x,{avg},{sd},4,20,10,0.43,1.00,0"),
        format!("a,200,20,x,{avg},{sd},4,20,10,0.09,0.00,0"),
        format!("a,300,30,x,{avg},{sd},4,20,10,0.24,1.00,0"),
        format!("a,1000,100,x,{avg},{sd},4,20,10,2.58,8.00,1"),
        format!("b,100,10,x,{avg},{sd},4,10,0,0.43,,0"),
        format!("b,200,10,x,{avg},{sd},4,10,0,0.43,,0"),
        format!("b,300,10,x,{avg},{sd},4,10,0,0.43,,0"),
        format!("b,1000,10,x,{avg},{sd},4,10,0,0.43,,0"),
        format!(",1000,5,y,{avg},{sd},,,,0.59,,0"),
    ];
    assert_eq!(lines.rows, expected);
    assert_eq!((summary.alerts, summary.output_rows), (1, 9));
}

#[test]
fn annotate_replaces_input_fields_named_like_computed_ones() {
    let (lines, _) = run_with(
        &["mode=annotate"],
        "dest_ip|is_outlier|_time|bytes_out",
        &["a|7|100|10"],
    );
    assert!(lines
        .header
        .starts_with("dest_ip,_time,bytes_out,avg_bytes_out,"));
    assert_eq!(lines.rows, ["a,100,10,10,0,1,10,0,,,0"]);
}

#[test]
fn missing_fields_are_named_with_the_fields_received() {
    let mut engine = Engine::new(&Options::default(), DAY_START);
    let fields: Vec<String> = ["dest_ip", "_time", "bytes"].map(String::from).into();
    assert_eq!(
        engine.bind(&fields).unwrap_err().to_string(),
        "the input has no field \"bytes_out\" (option value); fields received: dest_ip,_time,bytes"
    );
    let fields: Vec<String> = ["dest", "_time", "bytes_out"].map(String::from).into();
    assert_eq!(
        engine.bind(&fields).unwrap_err().to_string(),
        "the input has no field \"dest_ip\" (option by); fields received: dest,_time,bytes_out"
    );
}

#[test]
fn chunks_may_reorder_fields_in_alerts_mode_but_not_in_annotate_mode() {
    let first: Vec<String> = ["dest_ip", "_time", "bytes_out"].map(String::from).into();
    let second: Vec<String> = ["bytes_out", "dest_ip", "_time"].map(String::from).into();
    let mut alerts = Engine::new(&Options::default(), DAY_START);
    alerts.bind(&first).unwrap();
    assert_eq!(
        alerts.bind(&second).unwrap(),
        Columns {
            value: 0,
            by: 1,
            time: 2
        }
    );
    let options = Options::parse(["mode=annotate"]).unwrap();
    let mut annotate = Engine::new(&options, DAY_START);
    annotate.bind(&first).unwrap();
    annotate.bind(&first).unwrap();
    assert_eq!(
        annotate.bind(&second).unwrap_err().to_string(),
        "the input's fields changed from dest_ip,_time,bytes_out to bytes_out,dest_ip,_time; \
         mode=annotate needs the same fields in every chunk"
    );
}

#[test]
fn summary_counts_and_plural_warning() {
    let rows = ["a|100|1,024", "a|x|0x1F", "|y|", "a|1000|5"];
    let (_, summary) = run_with(&[], "dest_ip|_time|bytes_out", &rows);
    assert_eq!(
        summary,
        Summary {
            rows_read: 4,
            hosts: 1,
            today_rows: 1,
            output_rows: 0,
            alerts: 0,
            non_numeric_values: 3,
            first_non_numeric: Some("row 1: bytes_out=\"1,024\"".into()),
            non_numeric_times: 2,
            first_non_numeric_time: Some("row 2: _time=\"x\"".into()),
            rows_without_group: 1,
            backtest: None,
        }
    );
    assert_eq!(
        summary.warning().as_deref(),
        Some(
            "3 rows have a non-numeric value (first: row 1: bytes_out=\"1,024\"); they count in \
             num_data_samples but in no average or standard deviation; 2 rows have a \
             non-numeric time (first: row 2: _time=\"x\"); they are neither today's nor prior rows"
        )
    );
}

mod reference;
