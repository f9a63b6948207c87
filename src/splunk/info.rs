//! `<dispatch_dir>/info.csv`: the search's own `now` and time zone, parsed once into a
//! [`DispatchInfo`]. Bytes in, no file I/O here.
//!
//! splunkd writes the file as a CSV header plus one data row of the search's settings (later
//! rows carry `msgType`/`msg` messages and are ignored). Two columns matter: `now`, the time
//! `relative_time(now(), …)` uses (`1434859155.000000000`), and `_tz`, the search's zone in
//! Splunk's serialized form (see [`crate::splunk::tz`]).
//!
//! # Example
//!
//! ```
//! use emailoutlier::splunk::info::parse_info_csv;
//!
//! let csv = "_sid,now,_tz\n\
//!            1434859155.44,1434859155.000000000,\"### SERIALIZED TIMEZONE FORMAT 1.0;\
//!            Y-25200 YW 50 44 54;Y-28800 NW 50 53 54;@1425808800 0;@1446368400 1;$\"\n";
//! let info = parse_info_csv(csv.as_bytes())?;
//! assert_eq!(info.now, Some(1_434_859_155.0));
//! assert_eq!(info.zone.map(|z| z.offset_at(1_434_859_155)), Some(-25_200));
//! # Ok::<(), emailoutlier::splunk::info::InfoError>(())
//! ```

use crate::splunk::tz::{snippet, SerializedZone, TzError, MAX_NOW_SECS, MIN_NOW_SECS};

/// Column holding the search's `now` in epoch seconds.
const NOW_COLUMN: &str = "now";
/// Column holding the search's serialized time zone.
const TZ_COLUMN: &str = "_tz";

/// What info.csv says about the search's time. A column that is absent or empty is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchInfo {
    /// The search's `now`, epoch seconds (a scheduled search's scheduled time).
    pub now: Option<f64>,
    /// The search's time zone.
    pub zone: Option<SerializedZone>,
}

/// An info.csv that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InfoError {
    /// The file holds no header row.
    #[error("info.csv in the dispatch directory is empty")]
    Empty,
    /// The file holds a header but no data row.
    #[error("info.csv in the dispatch directory has a header but no data row")]
    NoDataRow,
    /// The CSV reader failed.
    #[error("info.csv in the dispatch directory is not valid CSV: {message}")]
    Csv {
        /// The reader's message.
        message: String,
    },
    /// A column's value is not UTF-8 text.
    #[error("info.csv column `{column}` is not valid UTF-8 text")]
    NotUtf8 {
        /// The column.
        column: &'static str,
    },
    /// `now` is not a decimal number of epoch seconds in the supported range.
    #[error(
        "info.csv column `now` holds {value}, not epoch seconds between {MIN_NOW_SECS} and \
         {MAX_NOW_SECS} such as 1434859155.000000000"
    )]
    BadNow {
        /// The value, escaped and truncated.
        value: String,
    },
    /// `_tz` is not a serialized zone this command can read.
    #[error("info.csv column `_tz`: {cause}")]
    BadZone {
        /// Why the zone was rejected.
        cause: TzError,
    },
}

/// Parses the bytes of an info.csv: the header row and the first data row.
///
/// # Errors
///
/// [`InfoError::Empty`] / [`InfoError::NoDataRow`] for a file without a header or data row,
/// [`InfoError::Csv`] when the CSV reader fails, and [`InfoError::NotUtf8`],
/// [`InfoError::BadNow`] or [`InfoError::BadZone`] for a present, non-empty `now` or `_tz` that
/// cannot be used (naming the column and the value).
pub fn parse_info_csv(bytes: &[u8]) -> Result<DispatchInfo, InfoError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut header = csv::ByteRecord::new();
    let mut row = csv::ByteRecord::new();
    let csv_error = |e: csv::Error| InfoError::Csv {
        message: e.to_string(),
    };
    if !reader.read_byte_record(&mut header).map_err(csv_error)? {
        return Err(InfoError::Empty);
    }
    if !reader.read_byte_record(&mut row).map_err(csv_error)? {
        return Err(InfoError::NoDataRow);
    }
    let cell = |column: &'static str| -> Result<Option<&str>, InfoError> {
        let Some(index) = header.iter().position(|name| name == column.as_bytes()) else {
            return Ok(None);
        };
        match row.get(index) {
            None | Some(b"") => Ok(None),
            Some(value) => std::str::from_utf8(value)
                .map(Some)
                .map_err(|_| InfoError::NotUtf8 { column }),
        }
    };
    let now = cell(NOW_COLUMN)?.map(parse_now).transpose()?;
    let zone = cell(TZ_COLUMN)?
        .map(|text| SerializedZone::parse(text).map_err(|cause| InfoError::BadZone { cause }))
        .transpose()?;
    Ok(DispatchInfo { now, zone })
}

/// A decimal number (optional sign, digits, optional fraction, optional exponent) within the
/// range of dates the time-zone code supports.
fn parse_now(text: &str) -> Result<f64, InfoError> {
    let bad = || InfoError::BadNow {
        value: snippet(text),
    };
    if !is_decimal(text) {
        return Err(bad());
    }
    text.parse::<f64>()
        .ok()
        // Both bounds are exactly representable as f64.
        .filter(|now| (MIN_NOW_SECS as f64..=MAX_NOW_SECS as f64).contains(now))
        .ok_or_else(bad)
}

fn is_decimal(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DISPATCH_INFO: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/scpv2-recordings/dispatch-info"
    );

    const ZONE: &str = "### SERIALIZED TIMEZONE FORMAT 1.0;Y3600 NW 43 45 54;$";

    #[test]
    fn real_info_csv_files() {
        for (file, now) in [
            ("countmatches.execute.info.csv", 1_434_859_155.0),
            ("generatehello.execute.info.csv", 1_434_737_211.0),
            ("sum.execute.reduce.info.csv", 1_434_913_637.0),
        ] {
            let path = format!("{DISPATCH_INFO}/{file}");
            let Ok(bytes) = std::fs::read(&path) else {
                eprintln!("note: {path} absent, real info.csv test skipped");
                return;
            };
            let info = parse_info_csv(&bytes).unwrap();
            assert_eq!(info.now, Some(now), "{file}");
            let zone = info.zone.unwrap();
            // 2015-06-21T03:59:15Z is PDT; 2015-01-15T00:00:00Z is PST.
            assert_eq!(zone.offset_at(1_434_859_155), -25_200);
            assert_eq!(zone.offset_at(1_421_280_000), -28_800);
            assert_eq!(zone.transitions().len(), 185);
        }
    }

    #[test]
    fn columns_found_by_name_and_later_rows_ignored() {
        let csv = format!("a,_tz,b,now\nx,\"{ZONE}\",y,1.5e9\n,,,,msgType,msg\nbroken\"\n");
        let info = parse_info_csv(csv.as_bytes()).unwrap();
        assert_eq!(info.now, Some(1_500_000_000.0));
        assert_eq!(info.zone.unwrap().offset_at(0), 3600);
    }

    #[test]
    fn missing_or_empty_columns_are_none() {
        let none = DispatchInfo {
            now: None,
            zone: None,
        };
        assert_eq!(parse_info_csv(b"_sid,label\n1,x\n"), Ok(none.clone()));
        assert_eq!(parse_info_csv(b"_sid,now,_tz\n1,,\n"), Ok(none.clone()));
        // A data row shorter than the header.
        assert_eq!(parse_info_csv(b"_sid,now,_tz\n1\n"), Ok(none));
        let only_now = parse_info_csv(b"now\n-12.25\n").unwrap();
        assert_eq!((only_now.now, only_now.zone), (Some(-12.25), None));
    }

    #[test]
    fn empty_or_header_only() {
        assert_eq!(parse_info_csv(b""), Err(InfoError::Empty));
        assert_eq!(parse_info_csv(b"now,_tz\n"), Err(InfoError::NoDataRow));
    }

    #[test]
    fn malformed_now_is_named_with_its_value() {
        for value in [
            "abc", "nan", "inf", "1e400", " 12", "1,024", "0x1F", ".", "1e", "--1",
        ] {
            assert_eq!(
                parse_info_csv(format!("now\n\"{value}\"\n").as_bytes()),
                Err(InfoError::BadNow {
                    value: format!("`{value}`")
                }),
                "{value}"
            );
        }
        let err = parse_info_csv(b"now\nx234567890123456789012345678\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "info.csv column `now` holds `x23456789012345678901234…`, not epoch seconds \
             between -62135596800 and 253370764799 such as 1434859155.000000000"
        );
    }

    #[test]
    fn now_outside_the_supported_dates_is_named_with_its_value() {
        // Regression: 1e300 used to pass here and fail later printed with 301 digits.
        for value in ["1e300", "-1e300", "253370764800", "-62135596801"] {
            assert_eq!(
                parse_info_csv(format!("now\n{value}\n").as_bytes()),
                Err(InfoError::BadNow {
                    value: format!("`{value}`")
                }),
                "{value}"
            );
        }
        for value in ["253370764799", "-62135596800"] {
            assert!(parse_info_csv(format!("now\n{value}\n").as_bytes()).is_ok());
        }
    }

    #[test]
    fn malformed_tz_names_column_and_position() {
        let err =
            parse_info_csv(b"now,_tz\n1,### SERIALIZED TIMEZONE FORMAT 1.0;Y0 NW;\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "info.csv column `_tz`: serialized time zone is malformed at byte 41: expected a \
             local time type, a transition `@<epoch> <type>;` or the final `$`, found end of \
             text"
        );
    }

    #[test]
    fn invalid_utf8_in_a_used_column() {
        assert_eq!(
            parse_info_csv(b"now,_tz\n\xff\xfe,\n"),
            Err(InfoError::NotUtf8 { column: "now" })
        );
        // Elsewhere it does not matter.
        assert_eq!(parse_info_csv(b"x,now\n\xff,7\n").unwrap().now, Some(7.0));
    }

    #[test]
    fn garbage_bytes() {
        let garbage: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        // Garbage has no `now`/`_tz` header: nothing is taken from it.
        let info = parse_info_csv(&garbage).unwrap();
        assert_eq!((info.now, info.zone), (None, None));
    }

    #[test]
    fn number_grammar() {
        for ok in [
            "0",
            "-3.5",
            "+2",
            "1e3",
            "1E-3",
            ".5",
            "5.",
            "1434859155.000000000",
        ] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in ["", "-", "+", ".", "e3", "1e", "1e+", "1 ", "1_000", "١"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_info_csv(&bytes);
        }

        #[test]
        fn arbitrary_cells_never_panic(now in ".{0,30}", tz in ".{0,60}") {
            let csv = format!("now,_tz\n\"{}\",\"{}\"\n", now.replace('"', "\"\""),
                              tz.replace('"', "\"\""));
            let _ = parse_info_csv(csv.as_bytes());
        }
    }
}
