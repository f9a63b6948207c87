//! Field order and number printing of the output rows.
//!
//! - Averages and standard deviations: [`write_shortest`], the shortest decimal that reads back
//!   as the same `f64`, never with an exponent (`3.9900000000000055`, `28`).
//! - `num_standard_deviations_*`: [`write_rounded2`], `round(x, 2)` of the exact binary value,
//!   ties away from zero, always two decimals (`3.10`, `4.00`).
//! - A null (no value, division by zero, or a non-finite result) is an empty field.
//!
//! # Example
//! ```
//! use emailoutlier::detect::output::{write_rounded2, write_shortest};
//! let mut out = Vec::new();
//! write_shortest(&mut out, 3.99 * 100.0 / 100.0);
//! out.push(b',');
//! write_rounded2(&mut out, 2.555);
//! assert_eq!(out, b"3.99,2.56");
//! ```

use std::io::Write as _;

/// Name of the output field with the distance from the server-wide average.
pub const SERVER_RATIO_FIELD: &str = "num_standard_deviations_away_from_server_average";
/// Name of the output field with the distance from the destination's own prior average.
pub const CLIENT_RATIO_FIELD: &str = "num_standard_deviations_away_from_client_average";
/// Name of the annotate-mode field with the per-destination row count.
pub const SAMPLES_FIELD: &str = "num_data_samples";
/// Name of the annotate-mode field that says whether the row is an alert (`1`) or not (`0`).
pub const OUTLIER_FIELD: &str = "is_outlier";

/// The alert header: `<by>, <time>, <value>, avg_<value>, per_source_avg_<value>`, then the two
/// ratio fields, as the SPL's `table` orders them.
pub fn alert_fields(value: &str, by: &str, time: &str) -> Vec<String> {
    vec![
        by.to_owned(),
        time.to_owned(),
        value.to_owned(),
        format!("avg_{value}"),
        format!("per_source_avg_{value}"),
        SERVER_RATIO_FIELD.to_owned(),
        CLIENT_RATIO_FIELD.to_owned(),
    ]
}

/// The fields annotate mode appends to every input row, in output order.
pub fn annotate_fields(value: &str) -> Vec<String> {
    vec![
        format!("avg_{value}"),
        format!("stdev_{value}"),
        SAMPLES_FIELD.to_owned(),
        format!("per_source_avg_{value}"),
        format!("per_source_stdev_{value}"),
        SERVER_RATIO_FIELD.to_owned(),
        CLIENT_RATIO_FIELD.to_owned(),
        OUTLIER_FIELD.to_owned(),
    ]
}

/// Name of the predictive method's field with the one-sided tail probability.
pub const P_VALUE_FIELD: &str = "p_value";

/// The computed fields of `method=predictive`, in output order (alerts, annotate and backtest
/// modes; annotate and backtest append `is_outlier`): `typical_<value>, upper_<value>,
/// p_value, num_data_samples`.
pub fn predictive_fields(value: &str) -> Vec<String> {
    vec![
        format!("typical_{value}"),
        format!("upper_{value}"),
        P_VALUE_FIELD.to_owned(),
        SAMPLES_FIELD.to_owned(),
    ]
}

/// Appends a probability with two significant digits, so that tiny values keep their
/// magnitude: `p ≥ 0.0001` as a decimal (`0.5`, `0.012`, `0.00012`), smaller ones with an
/// exponent (`3.2e-14`), `0` as `0`. Non-finite values append nothing.
///
/// ```
/// use emailoutlier::detect::output::write_p_value;
/// let texts: Vec<String> = [0.5, 0.01234, 1.26e-4, 3.21e-14, 0.0, 1.0]
///     .map(|p| { let mut out = Vec::new(); write_p_value(&mut out, p); String::from_utf8(out).unwrap() })
///     .into();
/// assert_eq!(texts, ["0.5", "0.012", "0.00013", "3.2e-14", "0", "1"]);
/// ```
pub fn write_p_value(out: &mut Vec<u8>, p: f64) {
    if !p.is_finite() {
        return;
    }
    // Round to two significant digits through the exponent form, then print the rounded
    // value shortest: `{:.1e}` rounds the exact binary value half to even on its digits.
    let start = out.len();
    let _ = write!(out, "{p:.1e}");
    let rounded = std::str::from_utf8(out.get(start..).unwrap_or_default())
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .unwrap_or(p);
    out.truncate(start);
    if rounded == 0.0 || rounded.abs() >= 1e-4 {
        let _ = write!(out, "{rounded}");
    } else {
        let _ = write!(out, "{rounded:e}");
    }
}

/// Appends the shortest decimal text that parses back to `x`, without an exponent.
/// Non-finite values append nothing (an empty field).
pub fn write_shortest(out: &mut Vec<u8>, x: f64) {
    if x.is_finite() {
        // Writing to a Vec cannot fail.
        let _ = write!(out, "{x}");
    }
}

/// Appends `round(x, 2)` with exactly two decimals: the exact binary value of `x` rounded to
/// the nearest hundredth, ties away from zero (`2.555` → `2.56`, `0.125` → `0.13`,
/// `1.005` → `1.00` because the double nearest 1.005 lies below it). Non-finite values append
/// nothing (an empty field).
pub fn write_rounded2(out: &mut Vec<u8>, x: f64) {
    if !x.is_finite() {
        return;
    }
    let bits = x.to_bits();
    let negative = bits >> 63 == 1;
    #[allow(clippy::cast_possible_truncation)]
    let biased_exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    // |x| = mantissa · 2^exponent exactly.
    let (mantissa, exponent) = if biased_exponent == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased_exponent - 1075)
    };
    if exponent >= 0 {
        // An integer: nothing to round, and `{:.2}` prints integers exactly.
        let _ = write!(out, "{x:.2}");
        return;
    }
    let shift = exponent.unsigned_abs();
    let hundredths = u128::from(mantissa) * 100;
    // hundredths < 2^60, so for shift > 61 the value is below 1/2 of a hundredth.
    let rounded = if shift > 61 {
        0
    } else {
        (hundredths + (1u128 << (shift - 1))) >> shift
    };
    if negative && rounded != 0 {
        out.push(b'-');
    }
    let _ = write!(out, "{}.{:02}", rounded / 100, rounded % 100);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rounded(x: f64) -> String {
        let mut out = Vec::new();
        write_rounded2(&mut out, x);
        String::from_utf8(out).unwrap()
    }

    fn shortest(x: f64) -> String {
        let mut out = Vec::new();
        write_shortest(&mut out, x);
        String::from_utf8(out).unwrap()
    }

    /// Independent reference: the exact decimal expansion of `x` (every f64 has one of at most
    /// 1074 fraction digits), rounded half away from zero by decimal string arithmetic.
    pub(crate) fn reference_round2(x: f64) -> String {
        let exact = format!("{:.1100}", x.abs());
        let (int, frac) = exact.split_once('.').unwrap();
        let mut digits: Vec<u8> = int
            .bytes()
            .chain(frac.bytes().take(2))
            .map(|b| b - b'0')
            .collect();
        if frac.as_bytes()[2] >= b'5' {
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, 1);
                    break;
                }
                i -= 1;
                if digits[i] == 9 {
                    digits[i] = 0;
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
        let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        let (i, f) = text.split_at(text.len() - 2);
        let i = i.trim_start_matches('0');
        let body = format!("{}.{f}", if i.is_empty() { "0" } else { i });
        if x.is_sign_negative() && body != "0.00" {
            format!("-{body}")
        } else {
            body
        }
    }

    #[test]
    fn rounding_hand_computed() {
        let cases: &[(f64, &str)] = &[
            (2.555, "2.56"), // the double nearest 2.555 is 2.55500000000000015987…
            (0.125, "0.13"), // an exact tie goes away from zero ({:.2} says 0.12)
            (0.375, "0.38"),
            (1.005, "1.00"), // the double is 1.00499999999999989342…
            (3.1, "3.10"),
            (4.0, "4.00"),
            (0.0, "0.00"),
            (0.004, "0.00"),
            (0.005, "0.01"),    // 0.005000000000000000104…
            (99.995, "100.00"), // 99.9950000000000045474…
            (2.675, "2.67"),    // 2.67499999999999982236…
            (1e-300, "0.00"),
            (5e-324, "0.00"),
            (1e20, "100000000000000000000.00"),
            (9007199254740993.0, "9007199254740992.00"),
            (-2.555, "-2.56"),
            (-0.001, "0.00"),
        ];
        for &(x, want) in cases {
            assert_eq!(rounded(x), want, "{x:?}");
        }
        assert_eq!(rounded(f64::INFINITY), "");
        assert_eq!(rounded(f64::NAN), "");
        // The common shortcuts get some of these wrong, which is why this code exists.
        assert_eq!(format!("{:.2}", 0.125), "0.12");
        // 0.015 is 0.01499999999999999944…, but 0.015 * 100 rounds to exactly 1.5.
        assert_eq!((0.015f64 * 100.0).round() / 100.0, 0.02);
        assert_eq!(rounded(0.015), "0.01");
    }

    #[test]
    fn shortest_hand_computed() {
        let sum = (0..100).fold(0.0, |s: f64, _| s + 3.99);
        assert_eq!(shortest(sum / 100.0), "3.9900000000000055");
        assert_eq!(shortest(28.0), "28");
        assert_eq!(shortest(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(shortest(1e21), "1000000000000000000000");
        assert_eq!(shortest(1.5e-7), "0.00000015");
        assert_eq!(shortest(-2.5), "-2.5");
        assert_eq!(shortest(f64::INFINITY), "");
        assert_eq!(shortest(f64::NAN), "");
    }

    #[test]
    fn field_names_follow_the_value_field() {
        assert_eq!(
            alert_fields("bytes_out", "dest_ip", "_time").join(","),
            "dest_ip,_time,bytes_out,avg_bytes_out,per_source_avg_bytes_out,\
             num_standard_deviations_away_from_server_average,\
             num_standard_deviations_away_from_client_average"
        );
        assert_eq!(
            annotate_fields("bytes").join(","),
            "avg_bytes,stdev_bytes,num_data_samples,per_source_avg_bytes,per_source_stdev_bytes,\
             num_standard_deviations_away_from_server_average,\
             num_standard_deviations_away_from_client_average,is_outlier"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn rounding_matches_exact_decimal_reference(x in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO) {
            prop_assert_eq!(rounded(x), reference_round2(x));
        }

        /// Values on and next to exact ties n/100 + 1/200 (the hard cases).
        #[test]
        fn rounding_near_ties(n in 0u64..10_000_000, k in 0u32..8, ulps in -2i64..=2) {
            let tie = (n as f64) / 100.0 + 0.005;
            let x = (tie / f64::from(1u32 << k)).to_bits().checked_add_signed(ulps).map(f64::from_bits).unwrap();
            prop_assert_eq!(rounded(x), reference_round2(x));
        }

        #[test]
        fn shortest_round_trips_without_exponent(x in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL) {
            let text = shortest(x);
            prop_assert!(!text.contains(['e', 'E']));
            prop_assert_eq!(text.parse::<f64>().unwrap().to_bits(), x.to_bits());
        }
    }
}
