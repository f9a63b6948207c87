//! What counts as a number in a field: the whole text is a finite decimal.
//!
//! Grammar (semantics.md, "numeric"): `[+-]? (digits [. digits?]? | . digits) ([eE] [+-]? digits)?`
//! with no blanks anywhere. **(decision)** `.5` and `5.` are numeric (as C's `strtod` and
//! Splunk's `tonumber` read them); `.` alone, `e3`, `1e`, `0x1F`, `1,024`, `nan`, `inf`,
//! ` 12`, and text whose value overflows to infinity (`1e400`) are not.
//!
//! # Example
//! ```
//! use emailoutlier::detect::number::parse_number;
//! assert_eq!(parse_number(b"1e3"), Some(1000.0));
//! assert_eq!(parse_number(b"-3.5"), Some(-3.5));
//! assert_eq!(parse_number(b"1,024"), None);
//! assert_eq!(parse_number(b""), None);
//! ```

/// Integers with at most this many digits are below 2^53, so exact in an `f64`.
const MAX_EXACT_INTEGER_DIGITS: usize = 15;

/// Parses a field's bytes as a finite decimal number; `None` when the text is not numeric.
///
/// Pure integers of up to 15 digits take a fast path (exact); everything else is checked
/// against the grammar and converted by the standard library's correctly rounded parser.
#[inline]
pub fn parse_number(bytes: &[u8]) -> Option<f64> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if !digits.is_empty()
        && digits.len() <= MAX_EXACT_INTEGER_DIGITS
        && digits.iter().all(u8::is_ascii_digit)
    {
        let n = digits
            .iter()
            .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
        // n < 10^15 < 2^53: the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        let x = n as f64;
        return Some(if negative { -x } else { x });
    }
    parse_general(bytes)
}

/// The slow path: validate the grammar, then let `str::parse` round correctly.
#[cold]
fn parse_general(bytes: &[u8]) -> Option<f64> {
    if !is_decimal(bytes) {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    text.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// True when `bytes` matches the grammar in the module doc.
fn is_decimal(bytes: &[u8]) -> bool {
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    let int_digits = count_digits(bytes, i);
    i += int_digits;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = count_digits(bytes, i);
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = count_digits(bytes, i);
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == bytes.len()
}

fn count_digits(bytes: &[u8], from: usize) -> usize {
    bytes.get(from..).map_or(0, |rest| {
        rest.iter().take_while(|b| b.is_ascii_digit()).count()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numeric_texts() {
        let cases: &[(&str, f64)] = &[
            ("12", 12.0),
            ("-3.5", -3.5),
            ("+7", 7.0),
            ("1e3", 1000.0),
            ("1E+3", 1000.0),
            ("2.5e-1", 0.25),
            (".5", 0.5),
            ("5.", 5.0),
            ("-.5", -0.5),
            ("0", 0.0),
            ("007", 7.0),
            ("999999999999999", 999_999_999_999_999.0),
            ("9007199254740993", 9_007_199_254_740_992.0),
            ("3.99", 3.99),
            ("1e308", 1e308),
        ];
        for &(text, want) in cases {
            assert_eq!(parse_number(text.as_bytes()), Some(want), "{text:?}");
        }
    }

    #[test]
    fn non_numeric_texts() {
        for text in [
            "", " ", " 12", "12 ", "0x1F", "1,024", "nan", "NaN", "inf", "-inf", "infinity", ".",
            "-", "+", "e3", "1e", "1e+", "1.2.3", "--1", "1-", "١٢", "12abc", "1e400", "-1e400",
            "1_000",
        ] {
            assert_eq!(parse_number(text.as_bytes()), None, "{text:?}");
        }
        assert_eq!(parse_number(&[0xff, b'1']), None);
    }

    proptest! {
        /// Any text the grammar accepts parses to what `str::parse` gives, and `f64` Display
        /// text always parses back to the same value.
        #[test]
        fn agrees_with_std_on_grammar(
            sign in "[+-]?", int in "[0-9]{0,20}", frac in proptest::option::of("[0-9]{0,20}"),
            exp in proptest::option::of("[eE][+-]?[0-9]{1,3}"),
        ) {
            let text = format!("{sign}{int}{}{}", frac.as_deref().map(|f| format!(".{f}")).unwrap_or_default(), exp.unwrap_or_default());
            let has_digits = !int.is_empty() || frac.as_deref().is_some_and(|f| !f.is_empty());
            let std = text.parse::<f64>().ok().filter(|x| x.is_finite());
            let ours = parse_number(text.as_bytes());
            if has_digits {
                prop_assert_eq!(ours.map(f64::to_bits), std.map(f64::to_bits), "{}", text);
            } else {
                prop_assert_eq!(ours, None, "{}", text);
            }
        }

        #[test]
        fn display_round_trips(x in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO) {
            let text = x.to_string();
            prop_assert_eq!(parse_number(text.as_bytes()).map(f64::to_bits), Some(x.to_bits()));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..30)) {
            let _ = parse_number(&bytes);
        }
    }
}
