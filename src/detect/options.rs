//! The command's SPL-style `name=value` options, parsed once into [`Options`].
//!
//! | option | allowed | default |
//! |---|---|---|
//! | `deviation_threshold` | a number ≥ 0 | `3` |
//! | `minimum_data_samples` | an integer ≥ 1 | `4` |
//! | `now` | epoch seconds (may have a fraction) | the search's `now`, else the clock |
//! | `tz` | an IANA time zone name (`America/New_York`, `UTC`) | the search's zone, else the system's |
//! | `value` | a field name | `bytes_out` |
//! | `by` | a field name | `dest_ip` |
//! | `time` | a field name | `_time` |
//! | `mode` | `alerts`, `annotate` or `backtest` | `alerts` |
//! | `baseline_days` | an integer from 1 to 3650, with `mode=backtest` only | `30` |
//! | `method` | `seed` or `predictive` | `seed` |
//! | `fpr` | a probability, 1e-12 ≤ p < 0.5 (`method=predictive`) | `0.001` |
//! | `min_bytes` | a number ≥ 0 (`method=predictive`) | `100000000` (100 MB) |
//! | `baseline` | `all` or `daytype` (`method=predictive`) | `all` |
//!
//! A value wrapped in double quotes (`tz="America/New_York"`) has them removed. Unknown,
//! repeated and `=`-less tokens are errors. An option of the other method is an error
//! (**decision**: `deviation_threshold` with `method=predictive`, or `fpr`, `min_bytes`,
//! `baseline` without it, would otherwise be silently ignored).
//!
//! # Example
//! ```
//! use emailoutlier::detect::options::{Mode, Options};
//! let options = Options::parse(["deviation_threshold=2.5", "tz=America/New_York"])?;
//! assert_eq!(options.deviation_threshold, 2.5);
//! assert_eq!(options.minimum_data_samples, 4);
//! assert_eq!(options.tz.as_deref(), Some("America/New_York"));
//! assert_eq!(options.mode, Mode::Alerts);
//! assert!(Options::parse(["threshold=2"]).is_err());
//! # Ok::<(), emailoutlier::detect::options::OptionsError>(())
//! ```

use super::number::parse_number;
use super::output::{alert_fields, annotate_fields, predictive_fields, OUTLIER_FIELD};

/// Longest part of a bad value quoted back in an error message, in characters.
const MAX_QUOTED_CHARS: usize = 64;
/// Earliest and latest `now` (epoch seconds) the time-zone code can place in a day:
/// 0001-01-01T00:00:00Z and 9998-12-31T23:59:59Z (`crate::splunk::tz::MIN_NOW_SECS` and
/// `MAX_NOW_SECS`).
const NOW_RANGE_SECONDS: (f64, f64) = (-62_135_596_800.0, 253_370_764_799.0);

/// Default of `baseline_days`: the shipped saved search's `-30d@d`.
pub const DEFAULT_BASELINE_DAYS: u32 = 30;
/// Largest `baseline_days` accepted: ten years of daily rows.
pub const MAX_BASELINE_DAYS: u32 = 3650;

/// What the command returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Only the alert rows with the SPL's seven fields (the detection's output).
    #[default]
    Alerts,
    /// Every input row with all computed fields and `is_outlier`; holds all rows in memory.
    Annotate,
    /// Every input row with annotate's fields as the search would have computed them at the end
    /// of the row's own local day, over the `baseline_days` before it; holds all rows in memory.
    Backtest,
}

/// How a destination's row is judged against its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MethodName {
    /// The ESCU search's rule (`avg + deviation_threshold · stdev`, global and per host).
    #[default]
    Seed,
    /// A prediction interval on `ln(1 + bytes)` per host (see [`crate::detect::predictive`]).
    Predictive,
}

/// Which prior days a `method=predictive` baseline uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Baseline {
    /// All prior days of the host.
    #[default]
    All,
    /// Prior days of the same type (weekday or weekend) as the row, when there are enough.
    Daytype,
}

/// Validated options of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `T` in `bytes_out > avg + T * stdev`; ≥ 0, default 3.
    pub deviation_threshold: f64,
    /// A destination needs at least this many rows to alert; ≥ 1, default 4.
    pub minimum_data_samples: u64,
    /// The search's `now` in epoch seconds, when given as an option.
    pub now: Option<f64>,
    /// IANA time zone name, when given as an option (known to the bundled time-zone database).
    pub tz: Option<String>,
    /// Name of the numeric field compared (default `bytes_out`).
    pub value: String,
    /// Name of the field that groups rows by destination (default `dest_ip`).
    pub by: String,
    /// Name of the epoch-seconds time field (default `_time`).
    pub time: String,
    /// Alerts only, or every row annotated.
    pub mode: Mode,
    /// Days before a row's day that `mode=backtest` puts in its window (1..=3650, default 30).
    pub baseline_days: u32,
    /// The detection method.
    pub method: MethodName,
    /// `method=predictive`: the chance that an ordinary day crosses the bound; 1e-12 ≤ p < 0.5.
    pub fpr: f64,
    /// `method=predictive`: a row with fewer bytes never alerts; ≥ 0.
    pub min_bytes: f64,
    /// `method=predictive`: all prior days, or those of the row's day type.
    pub baseline: Baseline,
}

/// Default of `min_bytes`: 100 MB (see README, "Detection quality").
pub const DEFAULT_MIN_BYTES: f64 = 100e6;
/// Default of `fpr`.
pub const DEFAULT_FPR: f64 = 0.001;
/// Smallest `fpr`: statrs' t quantile is accurate down to about 1e-20 (see
/// [`crate::detect::predictive`]), and the masking test uses `fpr / n`.
pub const MIN_FPR: f64 = 1e-12;
/// Options only `method=seed` reads.
const SEED_OPTIONS: [&str; 1] = ["deviation_threshold"];
/// Options only `method=predictive` reads.
const PREDICTIVE_OPTIONS: [&str; 3] = ["fpr", "min_bytes", "baseline"];

impl Default for Options {
    fn default() -> Options {
        Options {
            deviation_threshold: 3.0,
            minimum_data_samples: 4,
            now: None,
            tz: None,
            value: "bytes_out".to_owned(),
            by: "dest_ip".to_owned(),
            time: "_time".to_owned(),
            mode: Mode::Alerts,
            baseline_days: DEFAULT_BASELINE_DAYS,
            method: MethodName::Seed,
            fpr: DEFAULT_FPR,
            min_bytes: DEFAULT_MIN_BYTES,
            baseline: Baseline::All,
        }
    }
}

/// Names of all options, in the order error messages list them.
pub const KNOWN_OPTIONS: [&str; 13] = [
    "deviation_threshold",
    "minimum_data_samples",
    "now",
    "tz",
    "value",
    "by",
    "time",
    "mode",
    "baseline_days",
    "method",
    "fpr",
    "min_bytes",
    "baseline",
];

/// Why the options were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// A token is not of the form `name=value`.
    #[error("argument \"{token}\" is not of the form name=value; options are: {}", KNOWN_OPTIONS.join(", "))]
    MissingEquals {
        /// The token, escaped and truncated.
        token: String,
    },
    /// The name is not an option of this command.
    #[error("unknown option \"{name}\"; options are: {}", KNOWN_OPTIONS.join(", "))]
    Unknown {
        /// The name, escaped and truncated.
        name: String,
    },
    /// The same option was given twice.
    #[error("option {name} is given more than once; give it once")]
    Repeated {
        /// The option's name.
        name: &'static str,
    },
    /// Two of `value`, `by` and `time` name the same field.
    #[error("options {first} and {second} both name the field \"{field}\"; each must name a different field")]
    SameField {
        /// The first option.
        first: &'static str,
        /// The second option.
        second: &'static str,
        /// The field, escaped and truncated.
        field: String,
    },
    /// `value`, `by` or `time` names a field the command computes and outputs itself.
    #[error("option {name} names the field \"{field}\", which the command outputs itself; rename it first (| rename {field} AS other) and pass the new name")]
    OutputClash {
        /// The option.
        name: &'static str,
        /// The field, escaped and truncated.
        field: String,
    },
    /// An option given with a mode it does not apply to.
    #[error("option {name} applies to mode={mode} only; add mode={mode} or remove {name}")]
    WrongMode {
        /// The option's name.
        name: &'static str,
        /// The mode it needs.
        mode: &'static str,
    },
    /// An option of one method is given with the other.
    #[error(
        "option {name} applies to method={applies} only, and this run uses method={method}; {hint}"
    )]
    OtherMethod {
        /// The option's name.
        name: &'static str,
        /// The method the option belongs to.
        applies: &'static str,
        /// The method of this run.
        method: &'static str,
        /// What to do.
        hint: &'static str,
    },
    /// The value is not allowed for this option.
    #[error("invalid value \"{value}\" for option {name}: expected {allowed}")]
    Invalid {
        /// The option's name.
        name: &'static str,
        /// The value, escaped and truncated.
        value: String,
        /// What the option accepts.
        allowed: &'static str,
    },
}

impl Options {
    /// Parses `name=value` tokens; options not given keep their defaults.
    ///
    /// # Errors
    /// [`OptionsError`] for a token without `=`, an unknown or repeated option, or a value the
    /// option does not allow; the message names the option, the value and what is allowed.
    pub fn parse<'a, I: IntoIterator<Item = &'a str>>(args: I) -> Result<Options, OptionsError> {
        let mut options = Options::default();
        let mut seen = [false; KNOWN_OPTIONS.len()];
        for token in args {
            let Some((raw_name, raw_value)) = token.split_once('=') else {
                return Err(OptionsError::MissingEquals {
                    token: quote(token),
                });
            };
            let Some(index) = KNOWN_OPTIONS.iter().position(|&known| known == raw_name) else {
                return Err(OptionsError::Unknown {
                    name: quote(raw_name),
                });
            };
            let name = KNOWN_OPTIONS[index];
            if std::mem::replace(&mut seen[index], true) {
                return Err(OptionsError::Repeated { name });
            }
            options.set(name, unquote(raw_value))?;
        }
        options.check_method(&seen)?;
        options.check_fields()?;
        let given = |name: &str| {
            KNOWN_OPTIONS
                .iter()
                .zip(seen)
                .any(|(&known, seen)| seen && known == name)
        };
        if given("baseline_days") && options.mode != Mode::Backtest {
            return Err(OptionsError::WrongMode {
                name: "baseline_days",
                mode: "backtest",
            });
        }
        Ok(options)
    }

    /// An option given for the other method is an error, not silently ignored.
    fn check_method(&self, seen: &[bool; KNOWN_OPTIONS.len()]) -> Result<(), OptionsError> {
        let given = |name: &str| {
            KNOWN_OPTIONS
                .iter()
                .zip(seen)
                .any(|(known, &given)| given && *known == name)
        };
        let (foreign, applies, method, hint): (&[&'static str], _, _, _) = match self.method {
            MethodName::Seed => (
                &PREDICTIVE_OPTIONS,
                "predictive",
                "seed",
                "add method=predictive or remove the option",
            ),
            MethodName::Predictive => (
                &SEED_OPTIONS,
                "seed",
                "predictive",
                "method=predictive uses fpr= instead; remove the option",
            ),
        };
        match foreign.iter().find(|name| given(name)) {
            Some(&name) => Err(OptionsError::OtherMethod {
                name,
                applies,
                method,
                hint,
            }),
            None => Ok(()),
        }
    }

    /// `value`, `by` and `time` must name three different fields, none named like a computed
    /// output field: either would give the output two columns of the same name.
    fn check_fields(&self) -> Result<(), OptionsError> {
        let named = [
            ("value", &self.value),
            ("by", &self.by),
            ("time", &self.time),
        ];
        for (i, &(first, field)) in named.iter().enumerate() {
            if let Some(&(second, _)) = named.iter().skip(i + 1).find(|(_, f)| *f == field) {
                return Err(OptionsError::SameField {
                    first,
                    second,
                    field: quote(field),
                });
            }
        }
        // The alert fields after the three input ones are computed; annotate and backtest
        // compute more, and replace an input column of the same name (so `by=is_outlier`
        // would drop the host column from their output).
        let computed = match (self.method, self.mode) {
            (MethodName::Seed, Mode::Alerts) => {
                alert_fields(&self.value, &self.by, &self.time).split_off(3)
            }
            (MethodName::Seed, Mode::Annotate | Mode::Backtest) => annotate_fields(&self.value),
            (MethodName::Predictive, Mode::Alerts) => predictive_fields(&self.value),
            (MethodName::Predictive, Mode::Annotate | Mode::Backtest) => {
                let mut names = predictive_fields(&self.value);
                names.push(OUTLIER_FIELD.to_owned());
                names
            }
        };
        match named.iter().find(|(_, f)| computed.contains(f)) {
            Some(&(name, field)) => Err(OptionsError::OutputClash {
                name,
                field: quote(field),
            }),
            None => Ok(()),
        }
    }

    fn set(&mut self, name: &'static str, value: &str) -> Result<(), OptionsError> {
        let invalid = |allowed| OptionsError::Invalid {
            name,
            value: quote(value),
            allowed,
        };
        match name {
            "deviation_threshold" => {
                self.deviation_threshold = parse_number(value.as_bytes())
                    .filter(|t| *t >= 0.0)
                    .ok_or_else(|| invalid("a number >= 0, such as 3 or 2.5"))?;
            }
            "minimum_data_samples" => {
                self.minimum_data_samples = Some(value)
                    .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|v| v.parse::<u64>().ok())
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| invalid("a whole number >= 1, such as 4"))?;
            }
            "now" => {
                let (earliest, latest) = NOW_RANGE_SECONDS;
                self.now = Some(
                    parse_number(value.as_bytes())
                        .filter(|t| (earliest..=latest).contains(t))
                        .ok_or_else(|| {
                            invalid("epoch seconds between years 1 and 9998, such as 1700000000")
                        })?,
                );
            }
            "tz" => {
                jiff::tz::TimeZone::get(value).map_err(|_| {
                    invalid("an IANA time zone name, such as UTC or America/New_York")
                })?;
                self.tz = Some(value.to_owned());
            }
            "value" | "by" | "time" => {
                if value.is_empty() {
                    return Err(invalid("a field name"));
                }
                let field = match name {
                    "value" => &mut self.value,
                    "by" => &mut self.by,
                    _ => &mut self.time,
                };
                value.clone_into(field);
            }
            "baseline_days" => {
                self.baseline_days = Some(value)
                    .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|v| v.parse::<u32>().ok())
                    .filter(|n| (1..=MAX_BASELINE_DAYS).contains(n))
                    .ok_or_else(|| invalid("a whole number from 1 to 3650, such as 30"))?;
            }
            "method" => {
                self.method = match value {
                    "seed" => MethodName::Seed,
                    "predictive" => MethodName::Predictive,
                    _ => return Err(invalid("seed or predictive")),
                };
            }
            "fpr" => {
                self.fpr = parse_number(value.as_bytes())
                    .filter(|p| (MIN_FPR..0.5).contains(p))
                    .ok_or_else(|| {
                        invalid("a probability from 1e-12 to below 0.5, such as 0.001 or 1e-4")
                    })?;
            }
            "min_bytes" => {
                self.min_bytes = parse_number(value.as_bytes())
                    .filter(|b| *b >= 0.0)
                    .ok_or_else(|| invalid("a number of bytes >= 0, such as 100000000 or 0"))?;
            }
            "baseline" => {
                self.baseline = match value {
                    "all" => Baseline::All,
                    "daytype" => Baseline::Daytype,
                    _ => return Err(invalid("all or daytype")),
                };
            }
            _ => {
                self.mode = match value {
                    "alerts" => Mode::Alerts,
                    "annotate" => Mode::Annotate,
                    "backtest" => Mode::Backtest,
                    _ => return Err(invalid("alerts, annotate or backtest")),
                };
            }
        }
        Ok(())
    }
}

/// Removes one pair of surrounding double quotes, if any.
fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// Escapes control characters and quotes, and truncates to [`MAX_QUOTED_CHARS`] characters,
/// so a hostile value cannot break or flood a one-line message.
pub(crate) fn quote(text: &str) -> String {
    let mut quoted: String = text
        .chars()
        .take(MAX_QUOTED_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MAX_QUOTED_CHARS).is_some() {
        quoted.push('…');
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(tokens: &[&str]) -> String {
        Options::parse(tokens.iter().copied())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn defaults() {
        let options = Options::parse([]).unwrap();
        assert_eq!(options, Options::default());
        assert_eq!(options.deviation_threshold, 3.0);
        assert_eq!(options.minimum_data_samples, 4);
        assert_eq!((options.now, options.tz), (None, None));
        assert_eq!(
            (
                options.value.as_str(),
                options.by.as_str(),
                options.time.as_str()
            ),
            ("bytes_out", "dest_ip", "_time")
        );
        assert_eq!(options.mode, Mode::Alerts);
    }

    #[test]
    fn every_option() {
        let options = Options::parse([
            "deviation_threshold=0",
            "minimum_data_samples=1",
            "now=1700000000.5",
            "tz=\"America/New_York\"",
            "value=bytes",
            "by=dest",
            "time=day",
            "mode=annotate",
        ])
        .unwrap();
        assert_eq!(
            options,
            Options {
                deviation_threshold: 0.0,
                minimum_data_samples: 1,
                now: Some(1_700_000_000.5),
                tz: Some("America/New_York".into()),
                value: "bytes".into(),
                by: "dest".into(),
                time: "day".into(),
                mode: Mode::Annotate,
                baseline_days: 30,
                ..Options::default()
            }
        );
        assert_eq!(
            Options::parse(["deviation_threshold=1e1"])
                .unwrap()
                .deviation_threshold,
            10.0
        );
    }

    #[test]
    fn errors_name_option_value_and_allowed() {
        assert_eq!(
            err(&["deviation_threshold=-1"]),
            "invalid value \"-1\" for option deviation_threshold: expected a number >= 0, such as 3 or 2.5"
        );
        assert_eq!(
            err(&["deviation_threshold=nan"]),
            "invalid value \"nan\" for option deviation_threshold: expected a number >= 0, such as 3 or 2.5"
        );
        for bad in ["0", "4.0", "-4", "", "x", "99999999999999999999999"] {
            assert_eq!(
                err(&[&format!("minimum_data_samples={bad}")]),
                format!("invalid value \"{bad}\" for option minimum_data_samples: expected a whole number >= 1, such as 4")
            );
        }
        assert!(err(&["now=yesterday"])
            .starts_with("invalid value \"yesterday\" for option now: expected epoch seconds"));
        assert!(err(&["now=1e12"]).contains("for option now"));
        assert_eq!(
            err(&["tz=Mars/Olympus"]),
            "invalid value \"Mars/Olympus\" for option tz: expected an IANA time zone name, such as UTC or America/New_York"
        );
        assert_eq!(
            err(&["by="]),
            "invalid value \"\" for option by: expected a field name"
        );
        assert_eq!(
            err(&["mode=all"]),
            "invalid value \"all\" for option mode: expected alerts, annotate or backtest"
        );
    }

    #[test]
    fn unknown_repeated_and_bare_tokens() {
        assert_eq!(
            err(&["threshold=3"]),
            "unknown option \"threshold\"; options are: deviation_threshold, minimum_data_samples, now, tz, value, by, time, mode, baseline_days, method, fpr, min_bytes, baseline"
        );
        assert_eq!(
            err(&["mode=alerts", "mode=annotate"]),
            "option mode is given more than once; give it once"
        );
        assert!(err(&["annotate"]).starts_with(
            "argument \"annotate\" is not of the form name=value; options are: deviation_threshold"
        ));
    }

    #[test]
    fn fields_must_differ_and_not_clash_with_the_output() {
        // Regression: by=x time=x value=x gave the output (and required_fields) x three times.
        assert_eq!(
            err(&["by=x", "time=x"]),
            "options by and time both name the field \"x\"; each must name a different field"
        );
        assert_eq!(
            err(&["value=dest_ip"]),
            "options value and by both name the field \"dest_ip\"; each must name a different field"
        );
        // Regression: by=avg_bytes_out gave the alert header avg_bytes_out twice.
        assert_eq!(
            err(&["by=avg_bytes_out"]),
            "option by names the field \"avg_bytes_out\", which the command outputs itself; \
             rename it first (| rename avg_bytes_out AS other) and pass the new name"
        );
        assert!(
            err(&["value=num_standard_deviations_away_from_server_average"])
                .starts_with("option value names the field")
        );
        assert!(Options::parse(["value=avg_bytes_out"]).is_ok());
        // Regression: annotate and backtest replace an input column named like one of their
        // computed fields, so by=is_outlier dropped the host column from their output.
        for (options, field) in [
            (&["mode=annotate", "by=is_outlier"][..], "is_outlier"),
            (
                &["mode=backtest", "time=num_data_samples"],
                "num_data_samples",
            ),
            (&["mode=backtest", "by=stdev_bytes_out"], "stdev_bytes_out"),
            (
                &["mode=annotate", "method=predictive", "by=is_outlier"],
                "is_outlier",
            ),
            (
                &["mode=backtest", "method=predictive", "by=p_value"],
                "p_value",
            ),
        ] {
            assert!(
                err(options).starts_with(&format!("option by names the field \"{field}\""))
                    || err(options)
                        .starts_with(&format!("option time names the field \"{field}\"")),
                "{options:?}: {}",
                err(options)
            );
        }
        // In alerts mode those fields are not output, so they stay usable there.
        assert!(Options::parse(["by=is_outlier"]).is_ok());
        assert!(Options::parse(["by=stdev_bytes_out"]).is_ok());
    }

    #[test]
    fn baseline_days_is_for_backtest_only() {
        let options = Options::parse(["mode=backtest"]).unwrap();
        assert_eq!((options.mode, options.baseline_days), (Mode::Backtest, 30));
        for (value, want) in [("1", 1), ("7", 7), ("3650", 3650), ("\"45\"", 45)] {
            let token = format!("baseline_days={value}");
            let options = Options::parse(["mode=backtest", token.as_str()]).unwrap();
            assert_eq!(options.baseline_days, want);
            // Token order does not matter.
            assert_eq!(
                Options::parse([token.as_str(), "mode=backtest"]).unwrap(),
                options
            );
        }
        for bad in ["0", "3651", "-1", "2.5", "", "x", "99999999999"] {
            assert_eq!(
                err(&["mode=backtest", &format!("baseline_days={bad}")]),
                format!("invalid value \"{bad}\" for option baseline_days: expected a whole number from 1 to 3650, such as 30")
            );
        }
        for other in [&[][..], &["mode=alerts"], &["mode=annotate"]] {
            let mut tokens = other.to_vec();
            tokens.push("baseline_days=7");
            assert_eq!(
                err(&tokens),
                "option baseline_days applies to mode=backtest only; add mode=backtest or remove baseline_days"
            );
        }
        assert_eq!(
            err(&["mode=backtest", "baseline_days=7", "baseline_days=8"]),
            "option baseline_days is given more than once; give it once"
        );
    }

    #[test]
    fn now_range_is_the_time_zone_code_range() {
        use crate::splunk::tz::{MAX_NOW_SECS, MIN_NOW_SECS};
        assert_eq!(
            NOW_RANGE_SECONDS,
            (MIN_NOW_SECS as f64, MAX_NOW_SECS as f64)
        );
        // Regression: year -9999 passed getinfo, then failed on the first rows.
        assert_eq!(
            err(&["now=-377705116800"]),
            "invalid value \"-377705116800\" for option now: expected epoch seconds between years 1 and 9998, such as 1700000000"
        );
        assert!(Options::parse(["now=253370764799"]).is_ok());
        assert!(Options::parse(["now=-62135596800"]).is_ok());
    }

    #[test]
    fn hostile_values_are_escaped_and_truncated() {
        let long = format!("{}\n\"", "x".repeat(100));
        let message = err(&[&format!("mode={long}")]);
        assert_eq!(
            message,
            format!(
                "invalid value \"{}…\" for option mode: expected alerts, annotate or backtest",
                "x".repeat(64)
            )
        );
        assert_eq!(
            err(&["mode=a\nb\"c"]),
            "invalid value \"a\\nb\\\"c\" for option mode: expected alerts, annotate or backtest"
        );
    }

    #[test]
    fn predictive_options() {
        let options = Options::parse([
            "method=predictive",
            "fpr=1e-4",
            "min_bytes=0",
            "baseline=daytype",
        ])
        .unwrap();
        assert_eq!(
            (
                options.method,
                options.fpr,
                options.min_bytes,
                options.baseline
            ),
            (MethodName::Predictive, 1e-4, 0.0, Baseline::Daytype)
        );
        let defaults = Options::parse(["method=predictive"]).unwrap();
        assert_eq!(
            (defaults.fpr, defaults.min_bytes, defaults.baseline),
            (0.001, 100e6, Baseline::All)
        );
        assert_eq!(Options::parse([]).unwrap().method, MethodName::Seed);
        for bad in [
            "0", "0.5", "0.7", "-0.1", "1", "nan", "x", "", "1e-400", "9e-13",
        ] {
            assert_eq!(
                err(&["method=predictive", &format!("fpr={bad}")]),
                format!("invalid value \"{bad}\" for option fpr: expected a probability from 1e-12 to below 0.5, such as 0.001 or 1e-4")
            );
        }
        assert_eq!(
            Options::parse(["method=predictive", "fpr=1e-12"])
                .unwrap()
                .fpr,
            1e-12
        );
        assert_eq!(
            Options::parse(["method=predictive", "fpr=0.4999"])
                .unwrap()
                .fpr,
            0.4999
        );
        assert_eq!(
            err(&["method=predictive", "min_bytes=-1"]),
            "invalid value \"-1\" for option min_bytes: expected a number of bytes >= 0, such as 100000000 or 0"
        );
        assert_eq!(
            err(&["method=predictive", "baseline=weekly"]),
            "invalid value \"weekly\" for option baseline: expected all or daytype"
        );
        assert_eq!(
            err(&["method=robust"]),
            "invalid value \"robust\" for option method: expected seed or predictive"
        );
    }

    #[test]
    fn options_of_the_other_method_are_errors() {
        for option in ["fpr=0.01", "min_bytes=0", "baseline=all"] {
            let name = option.split('=').next().unwrap();
            for method in [&[][..], &["method=seed"]] {
                let tokens = [method, &[option]].concat();
                assert_eq!(
                    err(&tokens),
                    format!("option {name} applies to method=predictive only, and this run uses method=seed; add method=predictive or remove the option")
                );
            }
        }
        assert_eq!(
            err(&["deviation_threshold=3", "method=predictive"]),
            "option deviation_threshold applies to method=seed only, and this run uses method=predictive; method=predictive uses fpr= instead; remove the option"
        );
        // The computed fields of the predictive output clash with input field names.
        assert_eq!(
            err(&["method=predictive", "by=p_value"]),
            "option by names the field \"p_value\", which the command outputs itself; rename it first (| rename p_value AS other) and pass the new name"
        );
        assert!(
            Options::parse(["method=predictive", "value=bytes", "by=typical_bytes_out"]).is_ok()
        );
        assert!(Options::parse(["method=predictive", "by=typical_bytes"]).is_ok());
        assert!(
            err(&["method=predictive", "value=bytes", "by=upper_bytes"]).contains("outputs itself")
        );
    }
}
