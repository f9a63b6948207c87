//! Arbitrary bytes, one option token per line, into `detect::Options::parse`.
//!
//! Invariants: accepted options hold allowed values (threshold a finite number ≥ 0, at least
//! one sample, 1..=3650 baseline days, non-empty field names, a `tz` the zone lookup accepts); the order of the
//! tokens does not matter; an error's message is one line.
#![no_main]

use emailoutlier::detect::options::{Options, MAX_BASELINE_DAYS};
use emailoutlier::splunk::tz::SearchZone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let tokens: Vec<&str> = text.split('\n').filter(|t| !t.is_empty()).collect();
    match Options::parse(tokens.iter().copied()) {
        Ok(options) => {
            assert!(options.deviation_threshold.is_finite() && options.deviation_threshold >= 0.0);
            assert!(options.minimum_data_samples >= 1);
            assert!((1..=MAX_BASELINE_DAYS).contains(&options.baseline_days));
            assert!(options.now.is_none_or(f64::is_finite));
            for name in [&options.value, &options.by, &options.time] {
                assert!(!name.is_empty(), "an empty field name accepted");
            }
            if let Some(tz) = &options.tz {
                if let Err(e) = SearchZone::iana(tz) {
                    panic!("tz={tz:?} accepted by the options but not by the zone lookup: {e}");
                }
            }
            let reversed = Options::parse(tokens.iter().rev().copied());
            assert_eq!(
                reversed.as_ref(),
                Ok(&options),
                "token order changed the options"
            );
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                !message.contains(['\n', '\r']),
                "multi-line error: {message}"
            );
            assert!(
                message.len() < 1024,
                "error message of {} bytes",
                message.len()
            );
        }
    }
});
