//! `method=predictive` against closed forms: Student's t with 1 and 2 degrees of freedom has
//! an elementary quantile and tail, so hand-made hosts with 2 or 3 prior days check `U` and
//! `p_value` without trusting statrs; the rest checks the rules (floor, one prior day,
//! masking, daytype, modes) through the engine.

use super::*;
use crate::detect::engine::{Engine, Summary};
use crate::detect::options::Options;
use crate::detect::test_sink::Lines;

const DAY: i64 = 86_400;
/// 2026-01-01T00:00:00Z, a Thursday.
const TODAY: i64 = 1_767_225_600;

/// Runs `options` over `(host, days before today, bytes)` rows; returns the rows, the summary
/// and the INFO note.
fn run(options: &[&str], rows: &[(&str, i64, f64)]) -> (Lines, Summary, Option<String>) {
    let options = Options::parse(options.iter().copied()).unwrap();
    let mut engine = Engine::new(&options, TODAY);
    let header: Vec<String> = ["dest_ip", "_time", "bytes_out"].map(String::from).into();
    engine.bind(&header).unwrap();
    for &(host, back, bytes) in rows {
        let time = (TODAY - back * DAY).to_string();
        let value = format!("{bytes:?}");
        let fields: [&[u8]; 3] = [host.as_bytes(), time.as_bytes(), value.as_bytes()];
        engine.feed(fields[0], fields[1], fields[2], &fields);
    }
    let mut lines = Lines::default();
    let (summary, note) = engine.finish_with_note(&mut lines).unwrap();
    (lines, summary, note)
}

/// `e^y − 1`: the bytes whose `ln(1 + bytes)` is `y`.
fn bytes(y: f64) -> f64 {
    y.exp_m1()
}

fn field(row: &str, i: usize) -> f64 {
    row.split(',').nth(i).unwrap().parse().unwrap()
}

/// t⁻¹(p; 2) = (2p − 1) / √(2p(1 − p)); P(T > t; 2) = 1/2 − t / (2√(2 + t²)).
fn t2_quantile(p: f64) -> f64 {
    (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt()
}
fn t2_sf(t: f64) -> f64 {
    0.5 - t / (2.0 * (2.0 + t * t).sqrt())
}
/// t⁻¹(p; 1) = tan(π(p − 1/2)); P(T > t; 1) = 1/2 − atan(t)/π.
fn t1_quantile(p: f64) -> f64 {
    (std::f64::consts::PI * (p - 0.5)).tan()
}
fn t1_sf(t: f64) -> f64 {
    // For t > 0, 1/2 − atan(t)/π = atan(1/t)/π without the cancellation.
    if t > 0.0 {
        (1.0 / t).atan() / std::f64::consts::PI
    } else {
        0.5 - t.atan() / std::f64::consts::PI
    }
}

fn close(got: f64, want: f64, relative: f64) -> bool {
    (got - want).abs() <= relative * want.abs().max(1e-300)
}

#[test]
fn bound_and_p_value_match_the_closed_form_with_two_degrees_of_freedom() {
    // Prior y = 1, 2, 3: m = 2, s = 1, n = 3; scale = √(4/3); fpr 0.01.
    let q = t2_quantile(0.99);
    let scale = (4.0f64 / 3.0).sqrt();
    let upper = 2.0 + q * scale; // 10.0420…
    let rows = [
        ("a", 3, bytes(1.0)),
        ("a", 2, bytes(2.0)),
        ("a", 1, bytes(3.0)),
        ("a", 0, bytes(11.0)),
    ];
    let (lines, summary, note) = run(&["method=predictive", "fpr=0.01", "min_bytes=0"], &rows);
    assert_eq!(
        lines.header,
        "dest_ip,_time,bytes_out,typical_bytes_out,upper_bytes_out,p_value,num_data_samples"
    );
    assert_eq!(lines.rows.len(), 1, "{:?}", lines.rows);
    let row = &lines.rows[0];
    assert_eq!(field(row, 3), bytes(2.0).round()); // e² − 1 = 6.389 → 6
    assert!(
        (field(row, 4) - bytes(upper)).abs() <= 1.0,
        "{row} vs {upper}"
    );
    let p = t2_sf((11.0 - 2.0) / scale);
    assert!(close(field(row, 5), p, 0.05), "{row} vs {p}");
    assert_eq!(field(row, 6), 4.0);
    assert_eq!(summary.alerts, 1);
    assert_eq!(
        note.as_deref(),
        Some("method=predictive fpr=0.01: 1 row judged, so about 0.01 false alerts expected under the model (judged × fpr)")
    );

    // The fit itself, to 1e-12: statrs' quantile against the closed form.
    let mut method = Predictive::<1>::new(0.01, 0.0, 4, Calendar::utc(TODAY), "bytes_out");
    let mut logs = Logs::default();
    for y in [1.0, 2.0, 3.0] {
        logs.push(y, 1.0);
    }
    let fit = method.fit(1.0, logs.n, logs.sum, logs.sum_squares).unwrap();
    assert!(close(fit.mean, 2.0, 1e-15));
    assert!(close(fit.scale, scale, 1e-15));
    assert!(close(fit.upper, upper, 1e-12), "{} vs {upper}", fit.upper);
    let p = p_value(11.0, &fit).unwrap();
    assert!(close(p, t2_sf(9.0 / scale), 1e-12), "{p}");

    // Just below the bound: no alert; just above: an alert.
    for (y, alert) in [(upper - 1e-6, false), (upper + 1e-6, true)] {
        let rows = [rows[0], rows[1], rows[2], ("a", 0, bytes(y))];
        let (lines, ..) = run(&["method=predictive", "fpr=0.01", "min_bytes=0"], &rows);
        assert_eq!(lines.rows.len(), usize::from(alert), "y = {y}");
    }
}

#[test]
fn bound_and_p_value_match_the_closed_form_with_one_degree_of_freedom() {
    // Prior y = 4, 6: m = 5, s = √2, n = 2; scale = √2 · √(3/2) = √3; fpr 0.1.
    let mut method = Predictive::<1>::new(0.1, 0.0, 3, Calendar::utc(TODAY), "bytes_out");
    let mut logs = Logs::default();
    for y in [4.0, 6.0] {
        logs.push(y, 4.0);
    }
    let fit = method.fit(4.0, logs.n, logs.sum, logs.sum_squares).unwrap();
    let upper = 5.0 + t1_quantile(0.9) * 3f64.sqrt();
    assert!(close(fit.upper, upper, 1e-12), "{} vs {upper}", fit.upper);
    for y in [5.0, 7.5, 20.0, 3.0] {
        let p = p_value(y, &fit).unwrap();
        let want = t1_sf((y - 5.0) / 3f64.sqrt());
        assert!(close(p, want, 1e-12), "y {y}: {p} vs {want}");
    }
}

#[test]
fn a_constant_host_alerts_on_a_clearly_larger_day_not_on_one_more_byte() {
    // Nine prior days of exactly 1,000,000 bytes: s = 0, so s_eff = S_MIN.
    let prior: Vec<(&str, i64, f64)> = (1..=9).map(|d| ("c", d, 1e6)).collect();
    let y = log_bytes(1e6);
    let mut method = Predictive::<1>::new(0.001, 0.0, 4, Calendar::utc(TODAY), "bytes_out");
    let q = method.quantile(8, 0.001).unwrap();
    let upper = y + q * S_MIN * (1.0 + 1.0 / 9.0f64).sqrt();
    let with_today = |x: f64| {
        let mut rows = prior.clone();
        rows.push(("c", 0, x));
        run(&["method=predictive", "min_bytes=0"], &rows).0.rows
    };
    assert!(with_today(1e6 + 1.0).is_empty(), "one more byte");
    assert!(
        with_today(bytes(upper) * 0.99).is_empty(),
        "just under the floor's bound"
    );
    let rows = with_today(bytes(upper) * 1.01);
    assert_eq!(rows.len(), 1);
    // The bound: e^(q · 0.1 · √(10/9)) ≈ 1.6 times the constant.
    assert_eq!(field(&rows[0], 3), 1e6);
    assert!((field(&rows[0], 4) - bytes(upper)).abs() <= 1.0);
    assert!(
        bytes(upper) > 1.5e6 && bytes(upper) < 1.7e6,
        "{}",
        bytes(upper)
    );
}

#[test]
fn one_prior_day_gives_no_verdict() {
    let rows = [("a", 1, 100.0), ("a", 0, 1e12)];
    let (lines, summary, _) = run(
        &["method=predictive", "minimum_data_samples=1", "min_bytes=0"],
        &rows,
    );
    assert!(lines.rows.is_empty());
    assert_eq!(summary.alerts, 0);
    let (lines, ..) = run(
        &[
            "method=predictive",
            "minimum_data_samples=1",
            "mode=annotate",
        ],
        &rows,
    );
    assert_eq!(
        lines.header,
        "dest_ip,_time,bytes_out,typical_bytes_out,upper_bytes_out,p_value,num_data_samples,is_outlier"
    );
    // No bound with one value: empty typical, upper and p_value, never an outlier.
    assert_eq!(
        lines.rows,
        [
            "a,1767139200,100.0,,,,2,0",
            "a,1767225600,1000000000000.0,,,,2,0"
        ]
    );
}

#[test]
fn minimum_data_samples_and_min_bytes_still_apply() {
    let mut rows: Vec<(&str, i64, f64)> = (1..=5).map(|d| ("a", d, 1000.0 + d as f64)).collect();
    rows.push(("a", 0, 1e9));
    // 6 rows: alerts with minimum 6, not with minimum 7.
    let alerts = |options: &[&str]| run(options, &rows).0.rows.len();
    assert_eq!(alerts(&["method=predictive", "minimum_data_samples=6"]), 1);
    assert_eq!(alerts(&["method=predictive", "minimum_data_samples=7"]), 0);
    // 1e9 bytes: alerts with min_bytes=1e9, not above it.
    assert_eq!(alerts(&["method=predictive", "min_bytes=1e9"]), 1);
    assert_eq!(alerts(&["method=predictive", "min_bytes=1000000001"]), 0);
}

/// 27 ordinary days (y ~ 18 ± 0.3 in a fixed pattern), then `campaign` days of y = 22 (≈ 55
/// times the usual volume) just before today, and today y = 22 as well.
fn campaign_rows(campaign: i64) -> Vec<(&'static str, i64, f64)> {
    let pattern = [-0.3, 0.1, 0.25, -0.15, 0.0, 0.3, -0.2, 0.15, -0.05];
    let mut rows: Vec<(&str, i64, f64)> = (0..27)
        .map(|i| {
            (
                "x",
                28 + campaign - i,
                bytes(18.0 + pattern[i as usize % 9]),
            )
        })
        .collect();
    rows.extend((1..=campaign).map(|d| ("x", d, bytes(22.0))));
    rows.push(("x", 0, bytes(22.0)));
    rows
}

#[test]
fn a_campaign_does_not_mask_its_later_days() {
    for campaign in 1..=K as i64 {
        let (lines, ..) = run(&["method=predictive"], &campaign_rows(campaign));
        assert_eq!(lines.rows.len(), 1, "day {} of a campaign", campaign + 1);
        // The typical day is the ordinary one (e^18 ≈ 65.7 MB), not raised by the campaign.
        let typical = field(&lines.rows[0], 3);
        assert!(typical > bytes(17.9) && typical < bytes(18.1), "{typical}");
    }
    // Without the re-estimation the plain bound of three campaign days hides the fourth, and
    // none of the three exceeds it (so "leave out what exceeds the plain bound" would not help).
    let rows = campaign_rows(3);
    let mut method = Predictive::<1>::new(0.001, 0.0, 4, Calendar::utc(TODAY), "bytes_out");
    let mut baseline = Baseline::<1>::default();
    for &(_, back, x) in &rows[..rows.len() - 1] {
        method.accumulate(&mut baseline, x, (TODAY - back * DAY) as f64);
    }
    let logs = baseline.parts[0];
    let plain = method
        .fit(baseline.shift, logs.n, logs.sum, logs.sum_squares)
        .unwrap();
    assert!(
        plain.upper > 22.0,
        "the plain bound {} is masked",
        plain.upper
    );
    let robust = method.robust_fit(baseline.shift, &logs).unwrap();
    assert_eq!(robust.n, 27, "the three campaign days left out");
    assert!(robust.upper < 20.0);
}

#[test]
fn an_ordinary_host_keeps_all_its_days() {
    // 29 days in the fixed pattern: no top day exceeds the bound without it.
    let pattern = [-0.3, 0.1, 0.25, -0.15, 0.0, 0.3, -0.2, 0.15, -0.05];
    let mut method = Predictive::<1>::new(0.001, 0.0, 4, Calendar::utc(TODAY), "bytes_out");
    let mut baseline = Baseline::<1>::default();
    for i in 0..29 {
        method.accumulate(&mut baseline, bytes(18.0 + pattern[i % 9]), 0.0);
    }
    let logs = baseline.parts[0];
    assert_eq!(
        logs.top,
        [18.3, 18.3, 18.3, 18.25, 18.25].map(|y| log_bytes(bytes(y)))
    );
    assert_eq!(method.robust_fit(baseline.shift, &logs).unwrap().n, 29);
}

#[test]
fn daytype_uses_the_same_type_and_falls_back_to_all() {
    // Today (Thursday 1 Jan 2026) is a weekday. Host w: weekdays y = 20, weekends y = 16.
    // 3 = days before today of Monday 29 Dec; 4, 5 = Sunday, Saturday.
    let weekdays = [1, 2, 3, 6, 7, 8, 9];
    let weekends = [4, 5, 11, 12];
    let mut rows: Vec<(&str, i64, f64)> = Vec::new();
    for (i, &d) in weekdays.iter().enumerate() {
        rows.push(("w", d, bytes(20.0 + 0.1 * (i % 3) as f64)));
    }
    for (i, &d) in weekends.iter().enumerate() {
        rows.push(("w", d, bytes(16.0 + 0.1 * (i % 3) as f64)));
    }
    rows.push(("w", 0, bytes(20.5)));
    let typical = |options: &[&str]| {
        let (lines, ..) = run(options, &rows);
        let row = lines
            .rows
            .iter()
            .find(|r| r.contains(",1767225600,"))
            .unwrap()
            .clone();
        field(&row, 3).ln_1p()
    };
    let annotate = ["method=predictive", "mode=annotate"];
    let daytype = ["method=predictive", "mode=annotate", "baseline=daytype"];
    // All: mean of 7 weekdays and 4 weekends; daytype: the weekday mean only.
    let weekday_mean = (20.0 * 7.0 + 0.1 * (0.0 + 1.0 + 2.0 + 0.0 + 1.0 + 2.0 + 0.0)) / 7.0;
    // (typical is printed in whole bytes: ln of it is within 1e-6 of the mean)
    assert!((typical(&daytype) - weekday_mean).abs() < 1e-6);
    assert!(typical(&annotate) < 19.0);
    // With minimum_data_samples=9 a type needs 8 prior days: weekdays have 7 → all days.
    let fallback = [&daytype[..], &["minimum_data_samples=9"]].concat();
    assert_eq!(typical(&fallback), typical(&annotate));
    // A weekend row of the annotate output is judged against the weekends (mean 16.075).
    let (lines, ..) = run(&daytype, &rows);
    let sunday = lines
        .rows
        .iter()
        .find(|r| r.contains(",1766880000,"))
        .unwrap();
    assert!((field(sunday, 3).ln_1p() - 16.075).abs() < 1e-6, "{sunday}");
}

/// The default sample of 400 hosts × 30 days, today being `TODAY`.
fn sample_400_hosts() -> String {
    let mut csv = Vec::new();
    let spec = crate::cli::sample::SampleSpec {
        hosts: 400,
        now: TODAY + 43_200,
        ..Default::default()
    };
    crate::cli::sample::write_sample(&spec, &mut csv).unwrap();
    String::from_utf8(csv).unwrap()
}

#[test]
fn annotate_and_alerts_agree_on_the_same_rows() {
    let text = sample_400_hosts();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    for extra in [&[][..], &["baseline=daytype"], &["fpr=0.05", "min_bytes=0"]] {
        let outputs: Vec<Lines> = ["mode=alerts", "mode=annotate"]
            .iter()
            .map(|mode| {
                let mut args = vec!["method=predictive", mode];
                args.extend(extra);
                let options = Options::parse(args).unwrap();
                let mut engine = Engine::new(&options, TODAY);
                let header: Vec<String> =
                    ["dest_ip", "_time", "bytes_out"].map(String::from).into();
                engine.bind(&header).unwrap();
                for row in &rows {
                    let fields: Vec<&[u8]> = row.iter().map(|f| f.as_bytes()).collect();
                    engine.feed(fields[0], fields[1], fields[2], &fields);
                }
                let mut lines = Lines::default();
                engine.finish(&mut lines).unwrap();
                lines
            })
            .collect();
        let outliers: Vec<String> = outputs[1]
            .rows
            .iter()
            .filter_map(|r| r.strip_suffix(",1").map(str::to_owned))
            .collect();
        assert!(!outliers.is_empty(), "{extra:?}");
        assert_eq!(outputs[0].rows, outliers, "{extra:?}");
    }
}

#[test]
fn tiny_fpr_keeps_a_finite_bound() {
    // Regression: fpr 1e-300 panicked inside statrs; the options now stop at 1e-12 and the
    // masking level at 1e-20. df = 1 is the closed form, df above 10⁵ is capped.
    for (fpr, df) in [
        (1e-12, 28),
        (1e-9, 2),
        (1e-20, 3),
        (0.499, 1),
        (1e-12, 1),
        (1e-6, 100_000),
    ] {
        let mut method = Predictive::<1>::new(fpr, 0.0, 4, Calendar::utc(TODAY), "bytes_out");
        let q = method.quantile(df, fpr).unwrap();
        assert!(q.is_finite() && q > 0.0, "fpr {fpr} df {df}: {q}");
        // The tail beyond the quantile is fpr again.
        let back = if df == 1 {
            t1_sf(q)
        } else {
            StudentsT::new(0.0, 1.0, df as f64).unwrap().sf(q)
        };
        assert!(close(back, fpr, 1e-5), "fpr {fpr} df {df}: sf(q) = {back}");
    }
    let mut method = Predictive::<1>::new(1e-12, 0.0, 4, Calendar::utc(TODAY), "bytes_out");
    assert!(close(
        method.quantile(1, 1e-12).unwrap(),
        t1_quantile(1.0 - 1e-12),
        1e-3
    ));
    assert_eq!(
        method.quantile(10_000_000, 0.01),
        method.quantile(MAX_DF, 0.01)
    );
    assert_eq!(method.quantile(5, 1e-300), method.quantile(5, MIN_LEVEL));
}

/// splitmix64: a small deterministic generator for the calibration test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

#[test]
fn calibrated_on_data_that_follows_the_model() {
    // 20,000 hosts × 30 days of log-normal bytes (ln-mean 14..22, ln-sd 0.2..1), no bursts,
    // no weekends: the share of hosts whose ordinary today alerts should be about fpr.
    let mut rng = Rng(7);
    let hosts: Vec<(String, f64, f64)> = (0..20_000)
        .map(|i| {
            let mu = 14.0 + 8.0 * rng.uniform();
            let sigma = 0.2 + 0.8 * rng.uniform();
            (format!("h{i}"), mu, sigma)
        })
        .collect();
    let mut rows: Vec<(String, i64, String)> = Vec::new();
    for (name, mu, sigma) in &hosts {
        for back in (0..30).rev() {
            let x = (mu + sigma * rng.normal()).exp_m1().round();
            rows.push((name.clone(), TODAY - back * DAY, format!("{x}")));
        }
    }
    for (fpr, low, high) in [(0.01, 100, 400), (0.001, 10, 40)] {
        let fpr_option = format!("fpr={fpr}");
        let options = Options::parse(["method=predictive", "min_bytes=0", &fpr_option]).unwrap();
        let mut engine = Engine::new(&options, TODAY);
        let header: Vec<String> = ["dest_ip", "_time", "bytes_out"].map(String::from).into();
        engine.bind(&header).unwrap();
        for (host, time, value) in &rows {
            engine.feed(
                host.as_bytes(),
                time.to_string().as_bytes(),
                value.as_bytes(),
                &[],
            );
        }
        let mut lines = Lines::default();
        let alerts = engine.finish(&mut lines).unwrap().alerts;
        // Expected 200 and 20; within a factor of 2 either way.
        assert!(
            (low..=high).contains(&alerts),
            "fpr {fpr}: {alerts} alerts of 20000"
        );
        eprintln!("calibration: fpr {fpr}: {alerts} false alerts of 20000 hosts");
    }
}

#[test]
fn backtest_judges_today_as_alerts_mode_does() {
    // 400 hosts × 30 days; backtest with the default 30-day window sees all of today's
    // baseline, so its rows of today carry the same fields and verdicts as mode=annotate.
    let text = sample_400_hosts();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    for extra in [
        &["fpr=0.05", "min_bytes=0"][..],
        &["baseline=daytype", "fpr=0.05"],
    ] {
        let output = |mode: &str| {
            let mut args = vec!["method=predictive", mode];
            args.extend(extra);
            let options = Options::parse(args).unwrap();
            let mut engine = Engine::new(&options, TODAY);
            let header: Vec<String> = ["dest_ip", "_time", "bytes_out"].map(String::from).into();
            engine.bind(&header).unwrap();
            for row in &rows {
                let fields: Vec<&[u8]> = row.iter().map(|f| f.as_bytes()).collect();
                engine.feed(fields[0], fields[1], fields[2], &fields);
            }
            let mut lines = Lines::default();
            engine.finish(&mut lines).unwrap();
            lines
        };
        let today = |lines: &Lines| -> Vec<String> {
            lines
                .rows
                .iter()
                .filter(|r| r.contains(&format!(",{TODAY},")))
                .cloned()
                .collect()
        };
        let annotate = output("mode=annotate");
        let backtest = output("mode=backtest");
        assert_eq!(annotate.header, backtest.header);
        let (a, b) = (today(&annotate), today(&backtest));
        assert_eq!(a.len(), 400);
        // Same verdicts; bounds equal to rounding (the window sums in double-double).
        for (a, b) in a.iter().zip(&b) {
            assert_eq!(a.rsplit(',').next(), b.rsplit(',').next(), "{a} vs {b}");
            for i in [3, 4] {
                let (x, y) = (field(a, i), field(b, i));
                assert!((x - y).abs() <= 1.0 + 1e-9 * x, "{a} vs {b}");
            }
        }
        assert!(
            b.iter().any(|r| r.ends_with(",1")),
            "{extra:?}: some alerts"
        );
        // Earlier days are judged too: a host's first days have no bound.
        let first_day = TODAY - 29 * DAY;
        let first = backtest
            .rows
            .iter()
            .find(|r| r.contains(&format!(",{first_day},")))
            .unwrap();
        assert!(first.ends_with(",,,1,0"), "{first}");
    }
}

#[test]
fn extreme_values_never_panic_and_print_nulls_for_overflow() {
    // Negative bytes count as 0; 1e308 gives y ≈ 709.2 and e^U overflows to an empty field.
    let rows = [
        ("z", 4, -5.0),
        ("z", 3, 0.0),
        ("z", 2, 1e308),
        ("z", 1, 1e-300),
        ("z", 0, 1e308),
        ("w", 3, 1e308),
        ("w", 2, 1e308),
        ("w", 1, 1e308),
        ("w", 0, 1e308),
    ];
    for mode in ["mode=alerts", "mode=annotate", "mode=backtest"] {
        for baseline in ["baseline=all", "baseline=daytype"] {
            let (lines, ..) = run(&["method=predictive", mode, baseline, "min_bytes=0"], &rows);
            for row in &lines.rows {
                let fields: Vec<&str> = row.split(',').collect();
                assert_eq!(
                    fields.len(),
                    if mode == "mode=alerts" { 7 } else { 8 },
                    "{row}"
                );
                if let Ok(p) = fields[5].parse::<f64>() {
                    assert!((0.0..=1.0).contains(&p), "{row}");
                }
            }
        }
    }
    // Host w: four equal huge days: typical is e^709.2 − 1 = 1e308, the bound overflows.
    let (lines, ..) = run(
        &["method=predictive", "mode=annotate", "min_bytes=0"],
        &rows,
    );
    let today = lines
        .rows
        .iter()
        .find(|r| r.starts_with("w,1767225600,"))
        .unwrap();
    assert!(today.ends_with(",0"), "{today}");
    assert_eq!(today.split(',').nth(4), Some(""), "{today}");
}
