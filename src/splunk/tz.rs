//! Time zones of a search and the one question the detection asks of them: when did the local
//! calendar day that contains `now` begin (`relative_time(now, "@d")`)?
//!
//! A search's zone comes from one of three places (see [`SearchZone`]): Splunk's own serialized
//! zone (the `_tz` column of `info.csv`, parsed by [`SerializedZone::parse`]), an IANA name given
//! as the `tz=` option, or the system's local zone.
//!
//! # Splunk's serialized zone format
//!
//! Worked out from real `info.csv` files (Splunk 6.3); everything else is rejected:
//!
//! ```text
//! zone       = "### SERIALIZED TIMEZONE FORMAT 1.0;" type+ transition* "$"
//! type       = "Y" int " " dst clock abbr ";"       one per local time type, numbered from 0
//! dst        = "Y" | "N"                            is this type daylight saving time?
//! clock      = "W" | "S" | "G"                      tzfile's wall/standard/UT indicator
//! abbr       = *(" " hex hex)                       the abbreviation's bytes ("50 44 54" = PDT)
//! transition = "@" int " " digits ";"               from this epoch second on, this type applies
//! int        = ["-"] digits
//! ```
//!
//! Transitions must be strictly increasing and name an existing type.
//!
//! # Example
//!
//! ```
//! use emailoutlier::splunk::tz::{SearchZone, SerializedZone};
//!
//! // US Pacific around 2015: PDT from 2015-03-08T10:00Z, PST from 2015-11-01T09:00Z.
//! let text = "### SERIALIZED TIMEZONE FORMAT 1.0;\
//!             Y-25200 YW 50 44 54;Y-28800 NW 50 53 54;\
//!             @1425808800 0;@1446368400 1;$";
//! let zone = SearchZone::Serialized(SerializedZone::parse(text)?);
//! // 2015-06-21T03:59:15Z is 2015-06-20 20:59:15 PDT; that day began at 2015-06-20T07:00:00Z.
//! assert_eq!(zone.start_of_day(1_434_859_155)?, 1_434_783_600);
//! # Ok::<(), emailoutlier::splunk::tz::TzError>(())
//! ```

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// The header every serialized zone starts with.
const HEADER: &str = "### SERIALIZED TIMEZONE FORMAT 1.0;";
/// Most local time types a serialized zone may declare (tzfile allows 256).
pub const MAX_LOCAL_TIME_TYPES: usize = 256;
/// Most transitions a serialized zone may list (real ones hold a few hundred).
pub const MAX_TRANSITIONS: usize = 100_000;
/// Longest abbreviation, in bytes, of a local time type.
pub const MAX_ABBREVIATION_BYTES: usize = 16;
/// Largest UTC offset magnitude in seconds (25:59:59, as RFC 9557 and jiff allow).
pub const MAX_OFFSET_SECS: i32 = 93_599;
/// Earliest supported `now`, in epoch seconds (0001-01-01T00:00:00Z).
pub const MIN_NOW_SECS: i64 = -62_135_596_800;
/// Latest supported `now`, in epoch seconds (9998-12-31T23:59:59Z).
pub const MAX_NOW_SECS: i64 = 253_370_764_799;

const SECS_PER_DAY: i64 = 86_400;
/// How far before `now` the start of its local day is searched. A local day lasts at most
/// 24 h plus a backward clock change, and offsets are within ±26 h, so 4 days always hold
/// the day's first instant and begin on an earlier local day.
const WINDOW_SECS: i64 = 4 * SECS_PER_DAY;
/// Characters of offending text quoted in an error.
const SNIPPET_CHARS: usize = 24;

/// A time zone that cannot be parsed, found or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TzError {
    /// The serialized zone does not follow the grammar.
    #[error(
        "serialized time zone is malformed at byte {position}: expected {expected}, found {found}"
    )]
    Syntax {
        /// Byte offset into the serialized text.
        position: usize,
        /// What the grammar allows here.
        expected: &'static str,
        /// The text found there, escaped and truncated.
        found: String,
    },
    /// The serialized zone is well formed but says something impossible.
    #[error("serialized time zone is invalid at byte {position}: {problem}")]
    Invalid {
        /// Byte offset into the serialized text.
        position: usize,
        /// What is wrong, naming the value.
        problem: String,
    },
    /// The serialized zone lists more entries than allowed.
    #[error("serialized time zone has more than {limit} {what} (at byte {position})")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: usize,
        /// Byte offset of the first entry over the limit.
        position: usize,
    },
    /// `tz=` names no zone of the IANA time zone database.
    #[error(
        "unknown time zone {name}: use an IANA time zone name such as Europe/Paris, \
         America/New_York or UTC"
    )]
    UnknownZone {
        /// The name given, escaped and truncated.
        name: String,
    },
    /// `now` is not a finite number of epoch seconds in the supported range.
    #[error(
        "now={now} is outside the supported range of epoch seconds \
         ({MIN_NOW_SECS} to {MAX_NOW_SECS})"
    )]
    NowOutOfRange {
        /// The value of `now`.
        now: String,
    },
}

/// Quotes at most [`SNIPPET_CHARS`] characters of `text`, escaped, for an error message.
pub(crate) fn snippet(text: &str) -> String {
    if text.is_empty() {
        return "end of text".to_owned();
    }
    let mut out = String::from("`");
    for (i, c) in text.chars().enumerate() {
        if i == SNIPPET_CHARS {
            out.push('…');
            break;
        }
        out.extend(c.escape_debug());
    }
    out.push('`');
    out
}

/// tzfile's indicator of which clock a transition time was specified in. It does not change
/// any offset; it is kept so that a parsed zone says everything its text said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionClock {
    /// `W`: local wall-clock time.
    Wall,
    /// `S`: local standard time.
    Standard,
    /// `G`: universal time (GMT).
    Universal,
}

/// One local time type of a serialized zone (`Y-25200 YW 50 44 54;` is PDT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTimeType {
    /// Seconds east of UTC.
    pub utc_offset: i32,
    /// Whether this is daylight saving time.
    pub is_dst: bool,
    /// The transition clock indicator.
    pub clock: TransitionClock,
    /// The abbreviation, e.g. `PDT` (invalid UTF-8 replaced).
    pub abbreviation: String,
}

/// A time zone in Splunk's serialized form, the `_tz` column of `info.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerializedZone {
    types: Vec<LocalTimeType>,
    /// `(epoch seconds, type index)`, strictly increasing, every index valid.
    transitions: Vec<(i64, usize)>,
    /// The type in effect before the first transition.
    initial: LocalTimeType,
}

impl SerializedZone {
    /// Parses Splunk's serialized zone (grammar in the [module docs](self)).
    ///
    /// # Errors
    ///
    /// [`TzError::Syntax`] when the text breaks the grammar, [`TzError::Invalid`] for an
    /// impossible value (offset beyond ±25:59:59, unknown type index, transitions out of
    /// order, abbreviation too long) and [`TzError::TooMany`] past [`MAX_LOCAL_TIME_TYPES`] or
    /// [`MAX_TRANSITIONS`]. Every error names the byte position.
    pub fn parse(text: &str) -> Result<Self, TzError> {
        let mut cur = Cursor { text, pos: 0 };
        cur.literal(HEADER, "the header `### SERIALIZED TIMEZONE FORMAT 1.0;`")?;
        let mut types = Vec::new();
        let mut transitions: Vec<(i64, usize)> = Vec::new();
        loop {
            match cur.peek() {
                Some(b'Y') if transitions.is_empty() => {
                    if types.len() == MAX_LOCAL_TIME_TYPES {
                        return Err(cur.too_many("local time types", MAX_LOCAL_TIME_TYPES));
                    }
                    types.push(cur.local_time_type()?);
                }
                Some(b'@') if !types.is_empty() => {
                    if transitions.len() == MAX_TRANSITIONS {
                        return Err(cur.too_many("transitions", MAX_TRANSITIONS));
                    }
                    let start = cur.pos;
                    let (at, index) = cur.transition()?;
                    if index >= types.len() {
                        return Err(cur.invalid(
                            start,
                            format!(
                                "transition at {at} names local time type {index}, \
                                 but only {} are declared",
                                types.len()
                            ),
                        ));
                    }
                    if let Some(&(previous, _)) = transitions.last() {
                        if at <= previous {
                            return Err(cur.invalid(
                                start,
                                format!("transition at {at} does not follow {previous}"),
                            ));
                        }
                    }
                    transitions.push((at, index));
                }
                Some(b'$') if !types.is_empty() => {
                    cur.pos += 1;
                    break;
                }
                _ => {
                    return Err(cur.syntax(if types.is_empty() {
                        "a local time type `Y<offset> <Y|N><W|S|G> <hex bytes>;`"
                    } else if transitions.is_empty() {
                        "a local time type, a transition `@<epoch> <type>;` or the final `$`"
                    } else {
                        "a transition `@<epoch> <type>;` or the final `$`"
                    }));
                }
            }
        }
        if cur.pos != text.len() {
            return Err(cur.syntax("the end of text after `$`"));
        }
        // tzfile's historical rule: before the first transition, the first standard-time type.
        let initial = types
            .iter()
            .find(|t| !t.is_dst)
            .or_else(|| types.first())
            .cloned()
            .ok_or_else(|| cur.syntax("a local time type"))?;
        Ok(SerializedZone {
            types,
            transitions,
            initial,
        })
    }

    /// The local time types, in the order declared (transitions refer to them by index).
    pub fn types(&self) -> &[LocalTimeType] {
        &self.types
    }

    /// The transitions as `(epoch seconds, type index)`, strictly increasing.
    pub fn transitions(&self) -> &[(i64, usize)] {
        &self.transitions
    }

    /// The local time type in effect at `epoch_secs`.
    ///
    /// Before the first transition this is the first non-DST type (type 0 if all are DST), as
    /// tzfile readers traditionally chose; from the last transition on, that transition's type.
    pub fn local_type_at(&self, epoch_secs: i64) -> &LocalTimeType {
        let after = self
            .transitions
            .partition_point(|&(at, _)| at <= epoch_secs);
        after
            .checked_sub(1)
            .and_then(|i| self.transitions.get(i))
            .and_then(|&(_, index)| self.types.get(index))
            .unwrap_or(&self.initial)
    }

    /// Seconds east of UTC at `epoch_secs` (see [`local_type_at`](Self::local_type_at)).
    pub fn offset_at(&self, epoch_secs: i64) -> i32 {
        self.local_type_at(epoch_secs).utc_offset
    }

    /// `(start, offset)` segments covering `[lo, now]`: the offset at `lo`, then each change.
    fn segments(&self, lo: i64, now: i64) -> Vec<(i64, i32)> {
        let mut segments = vec![(lo, self.offset_at(lo))];
        let first = self.transitions.partition_point(|&(at, _)| at <= lo);
        let later = self.transitions.get(first..).unwrap_or_default();
        for &(at, index) in later.iter().take_while(|&&(at, _)| at <= now) {
            let offset = self.types.get(index).unwrap_or(&self.initial).utc_offset;
            segments.push((at, offset));
        }
        segments
    }
}

/// Reads the serialized grammar, remembering the byte position for errors.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.rest().bytes().next()
    }

    fn syntax(&self, expected: &'static str) -> TzError {
        TzError::Syntax {
            position: self.pos,
            expected,
            found: snippet(self.rest()),
        }
    }

    fn invalid(&self, position: usize, problem: String) -> TzError {
        TzError::Invalid { position, problem }
    }

    fn too_many(&self, what: &'static str, limit: usize) -> TzError {
        TzError::TooMany {
            what,
            limit,
            position: self.pos,
        }
    }

    fn literal(&mut self, literal: &str, expected: &'static str) -> Result<(), TzError> {
        if self.rest().starts_with(literal) {
            self.pos += literal.len();
            Ok(())
        } else {
            Err(self.syntax(expected))
        }
    }

    /// `["-"] digits` as an `i64`.
    fn integer(&mut self, expected: &'static str) -> Result<i64, TzError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        let digits_from = start + usize::from(negative);
        let digits = self
            .text
            .get(digits_from..)
            .unwrap_or_default()
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits == 0 {
            return Err(self.syntax(expected));
        }
        let end = digits_from + digits;
        let number = self.text.get(start..end).unwrap_or_default();
        let value = number.parse::<i64>().map_err(|_| {
            self.invalid(
                start,
                format!("{} does not fit in 64 bits", snippet(number)),
            )
        })?;
        self.pos = end;
        Ok(value)
    }

    /// `Y<offset> <Y|N><W|S|G>[ <hex byte>]*;`
    fn local_time_type(&mut self) -> Result<LocalTimeType, TzError> {
        self.literal("Y", "`Y` starting a local time type")?;
        let offset_at = self.pos;
        let offset = self.integer("a UTC offset in seconds")?;
        let utc_offset = i32::try_from(offset)
            .ok()
            .filter(|o| o.abs() <= MAX_OFFSET_SECS)
            .ok_or_else(|| {
                self.invalid(
                    offset_at,
                    format!("UTC offset {offset} s is beyond ±{MAX_OFFSET_SECS} s"),
                )
            })?;
        self.literal(" ", "a space after the UTC offset")?;
        let is_dst = match self.peek() {
            Some(b'Y') => true,
            Some(b'N') => false,
            _ => return Err(self.syntax("`Y` or `N` (daylight saving time or not)")),
        };
        self.pos += 1;
        let clock = match self.peek() {
            Some(b'W') => TransitionClock::Wall,
            Some(b'S') => TransitionClock::Standard,
            Some(b'G') => TransitionClock::Universal,
            _ => return Err(self.syntax("`W`, `S` or `G` (transition clock)")),
        };
        self.pos += 1;
        let mut bytes = Vec::new();
        while self.peek() == Some(b' ') {
            if bytes.len() == MAX_ABBREVIATION_BYTES {
                return Err(self.too_many("abbreviation bytes", MAX_ABBREVIATION_BYTES));
            }
            self.pos += 1;
            let hex = self
                .rest()
                .get(..2)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
            let byte = hex
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| self.syntax("two hex digits of the abbreviation"))?;
            bytes.push(byte);
            self.pos += 2;
        }
        self.literal(";", "`;` or ` <hex byte>` ending a local time type")?;
        Ok(LocalTimeType {
            utc_offset,
            is_dst,
            clock,
            abbreviation: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    /// `@<epoch> <type index>;`
    fn transition(&mut self) -> Result<(i64, usize), TzError> {
        self.literal("@", "`@` starting a transition")?;
        let at = self.integer("the transition's epoch seconds")?;
        self.literal(" ", "a space after the transition's epoch seconds")?;
        if self.peek() == Some(b'-') {
            return Err(self.syntax("a local time type index"));
        }
        let index_at = self.pos;
        let index = self.integer("a local time type index")?;
        let index = usize::try_from(index).map_err(|_| {
            self.invalid(
                index_at,
                format!("local time type index {index} is too large"),
            )
        })?;
        self.literal(";", "`;` ending a transition")?;
        Ok((at, index))
    }
}

/// The time zone a search runs in.
#[derive(Debug, Clone)]
pub enum SearchZone {
    /// Splunk's serialized zone from `info.csv`.
    Serialized(SerializedZone),
    /// A zone of the IANA database, named with the `tz=` option.
    Iana {
        /// The zone's canonical name (as given when the database has none).
        name: String,
        /// The zone.
        zone: TimeZone,
    },
    /// The process's local zone (`TZ`, then `/etc/localtime`).
    System(TimeZone),
}

impl SearchZone {
    /// Looks up an IANA zone name (ASCII case-insensitive), e.g. `Europe/Paris`.
    ///
    /// # Errors
    ///
    /// [`TzError::UnknownZone`] naming what was given, with examples of valid names.
    ///
    /// # Example
    ///
    /// ```
    /// use emailoutlier::splunk::tz::SearchZone;
    ///
    /// assert_eq!(SearchZone::iana("asia/tokyo")?.describe(), "Asia/Tokyo");
    /// assert!(SearchZone::iana("Mars/Olympus_Mons").is_err());
    /// # Ok::<(), emailoutlier::splunk::tz::TzError>(())
    /// ```
    pub fn iana(name: &str) -> Result<SearchZone, TzError> {
        let unknown = || TzError::UnknownZone {
            name: snippet(name),
        };
        if name.is_empty() || name.len() > 64 {
            return Err(unknown());
        }
        let zone = TimeZone::get(name).map_err(|_| unknown())?;
        let name = zone.iana_name().unwrap_or(name).to_owned();
        Ok(SearchZone::Iana { name, zone })
    }

    /// The first instant (epoch seconds) of the local calendar day containing `now_epoch_secs`:
    /// Splunk's `relative_time(now, "@d")`.
    ///
    /// Usually local midnight. On a day whose midnight does not exist (a clock change at 00:00
    /// skipping forward) it is the first instant that does; days of 23 or 25 hours and clocks
    /// turned back across midnight are handled, because the answer is the earliest instant
    /// whose local date is that of `now`.
    ///
    /// # Errors
    ///
    /// [`TzError::NowOutOfRange`] when `now_epoch_secs` is outside
    /// [`MIN_NOW_SECS`]..=[`MAX_NOW_SECS`].
    pub fn start_of_day(&self, now_epoch_secs: i64) -> Result<i64, TzError> {
        let now = now_epoch_secs;
        if !(MIN_NOW_SECS..=MAX_NOW_SECS).contains(&now) {
            return Err(TzError::NowOutOfRange {
                now: now.to_string(),
            });
        }
        let lo = now - WINDOW_SECS;
        let segments = match self {
            SearchZone::Serialized(zone) => zone.segments(lo, now),
            SearchZone::Iana { zone, .. } | SearchZone::System(zone) => {
                jiff_segments(zone, lo, now)?
            }
        };
        Ok(first_instant_of_local_day(now, &segments))
    }

    /// Seconds east of UTC and the abbreviation at `epoch_secs`.
    pub fn local_time_at(&self, epoch_secs: i64) -> (i32, String) {
        match self {
            SearchZone::Serialized(zone) => {
                let local = zone.local_type_at(epoch_secs);
                (local.utc_offset, local.abbreviation.clone())
            }
            SearchZone::Iana { zone, .. } | SearchZone::System(zone) => {
                let ts = Timestamp::from_second(epoch_secs.clamp(MIN_NOW_SECS, MAX_NOW_SECS))
                    .unwrap_or(Timestamp::UNIX_EPOCH);
                let info = zone.to_offset_info(ts);
                (info.offset().seconds(), info.abbreviation().to_owned())
            }
        }
    }

    /// Names the zone for an INFO message: `America/Los_Angeles`, `Splunk serialized zone (…)`
    /// or `system zone …`.
    pub fn describe(&self) -> String {
        match self {
            SearchZone::Serialized(zone) => format!(
                "Splunk serialized zone ({} local time types, {} transitions)",
                zone.types.len(),
                zone.transitions.len()
            ),
            SearchZone::Iana { name, .. } => name.clone(),
            SearchZone::System(zone) => match zone.iana_name() {
                Some(name) => format!("system zone {name}"),
                None => "system zone (no IANA name)".to_owned(),
            },
        }
    }

    /// Like [`describe`](Self::describe), with the offset in effect at `epoch_secs`, e.g.
    /// `America/Los_Angeles (UTC-07:00 PDT)` or `Splunk serialized zone (UTC-07:00 PDT)`.
    pub fn describe_at(&self, epoch_secs: i64) -> String {
        let (offset, abbreviation) = self.local_time_at(epoch_secs);
        let now = format!("{} {}", format_offset(offset), abbreviation.escape_debug());
        let now = now.trim_end();
        match self {
            SearchZone::Serialized(_) => format!("Splunk serialized zone ({now})"),
            _ => format!("{} ({now})", self.describe()),
        }
    }
}

/// `UTC-07:00`, `UTC+05:30`, `UTC+00:00`, `UTC-00:25:21`.
fn format_offset(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 {
        format!("UTC{sign}{h:02}:{m:02}")
    } else {
        format!("UTC{sign}{h:02}:{m:02}:{s:02}")
    }
}

/// `(start, offset)` segments of a jiff zone covering `[lo, now]`.
fn jiff_segments(zone: &TimeZone, lo: i64, now: i64) -> Result<Vec<(i64, i32)>, TzError> {
    let lo_ts = Timestamp::from_second(lo).map_err(|_| TzError::NowOutOfRange {
        now: now.to_string(),
    })?;
    let mut segments = vec![(lo, zone.to_offset(lo_ts).seconds())];
    for transition in zone
        .following(lo_ts)
        .map(|t| (t.timestamp().as_second(), t.offset().seconds()))
        .take_while(|&(at, _)| at <= now)
    {
        segments.push(transition);
    }
    Ok(segments)
}

/// The earliest instant whose local date equals that of `now`, given the offsets in effect
/// over a window ending at `now` as `(start, offset)` segments in time order, each lasting
/// until the next starts (the last until `now`).
fn first_instant_of_local_day(now: i64, segments: &[(i64, i32)]) -> i64 {
    let offset_now = segments.last().map_or(0, |&(_, offset)| offset);
    let day_lo = (now + i64::from(offset_now)).div_euclid(SECS_PER_DAY) * SECS_PER_DAY;
    let day_hi = day_lo + SECS_PER_DAY;
    let ends = segments.iter().skip(1).map(|&(start, _)| start);
    for (&(start, offset), end) in segments.iter().zip(ends.chain([now + 1])) {
        // Inside a segment local time is `t + offset`: the day spans these instants.
        let first = start.max(day_lo - i64::from(offset));
        if first < end.min(day_hi - i64::from(offset)) {
            return first;
        }
    }
    now
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DISPATCH_INFO: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/scpv2-recordings/dispatch-info"
    );

    /// `(file name, now)` of the three real info.csv files.
    const REAL: [(&str, i64); 3] = [
        ("countmatches.execute.info.csv", 1_434_859_155),
        ("generatehello.execute.info.csv", 1_434_737_211),
        ("sum.execute.reduce.info.csv", 1_434_913_637),
    ];

    /// The `_tz` cell of a real info.csv (column found by header name), or `None` with a note
    /// when ../shared is absent.
    fn real_tz(file: &str) -> Option<String> {
        let path = format!("{DISPATCH_INFO}/{file}");
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("note: {path} absent, real _tz test skipped");
            return None;
        };
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let column = reader.headers().unwrap().iter().position(|h| h == "_tz");
        let record = reader.records().next().unwrap().unwrap();
        Some(record.get(column.unwrap()).unwrap().to_owned())
    }

    /// US Pacific 2014–2016 written by hand, types in another order than Splunk's:
    /// DST starts 2nd Sunday of March 02:00 PST (10:00Z), ends 1st Sunday of November
    /// 02:00 PDT (09:00Z).
    const PACIFIC_FIXTURE: &str = "### SERIALIZED TIMEZONE FORMAT 1.0;\
        Y-28800 NW 50 53 54;Y-25200 YW 50 44 54;\
        @1394359200 1;@1414918800 0;\
        @1425808800 1;@1446368400 0;\
        @1457863200 1;@1478422800 0;$";

    fn zone(text: &str) -> SearchZone {
        SearchZone::Serialized(SerializedZone::parse(text).unwrap())
    }

    fn la() -> SearchZone {
        SearchZone::iana("America/Los_Angeles").unwrap()
    }

    #[test]
    fn real_tz_parses_as_us_pacific() {
        for (file, _) in REAL {
            let Some(text) = real_tz(file) else { return };
            let zone = SerializedZone::parse(&text).unwrap();
            let abbreviations: Vec<_> = zone.types().iter().map(|t| &t.abbreviation).collect();
            assert_eq!(abbreviations, ["PDT", "PST", "PWT", "PPT"]);
            assert_eq!(zone.types()[3].clock, TransitionClock::Universal);
            assert_eq!(zone.transitions().len(), 185);
            // 2015-06-21T03:59:15Z: PDT.
            assert_eq!(zone.offset_at(1_434_859_155), -25_200);
            // 2015-01-15T00:00:00Z: PST.
            assert_eq!(zone.offset_at(1_421_280_000), -28_800);
            // DST 2015 begins at 2015-03-08T10:00:00Z.
            assert_eq!(zone.offset_at(1_425_808_799), -28_800);
            assert_eq!(zone.offset_at(1_425_808_800), -25_200);
            // 1943-06-01T00:00:00Z: Pacific War Time.
            assert_eq!(zone.local_type_at(-838_944_000).abbreviation, "PWT");
            // 1900-01-01T00:00:00Z, before the first transition: first non-DST type, PST.
            assert_eq!(zone.offset_at(-2_208_988_800), -28_800);
            // 2040-01-01T00:00:00Z, after the last transition (2037-11-01, to PST).
            assert_eq!(zone.offset_at(2_208_988_800), -28_800);
        }
    }

    #[test]
    fn real_tz_day_start_of_each_files_now() {
        // 1434859155 = 2015-06-21T03:59:15Z = 2015-06-20 20:59:15 PDT → 2015-06-20T07:00Z.
        // 1434737211 = 2015-06-19T18:06:51Z = 2015-06-19 11:06:51 PDT → 2015-06-19T07:00Z.
        // 1434913637 = 2015-06-21T19:07:17Z = 2015-06-21 12:07:17 PDT → 2015-06-21T07:00Z.
        let expected = [1_434_783_600, 1_434_697_200, 1_434_870_000];
        for ((file, now), day_start) in REAL.into_iter().zip(expected) {
            let Some(text) = real_tz(file) else { return };
            assert_eq!(zone(&text).start_of_day(now), Ok(day_start), "{file}");
            assert_eq!(zone(PACIFIC_FIXTURE).start_of_day(now), Ok(day_start));
            assert_eq!(la().start_of_day(now), Ok(day_start));
        }
    }

    #[test]
    fn own_pacific_fixture_agrees_with_real_tz() {
        let Some(text) = real_tz(REAL[0].0) else {
            return;
        };
        let (real, fixture) = (zone(&text), zone(PACIFIC_FIXTURE));
        // 2014-01-01T00:00Z to 2017-01-01T00:00Z every 1 h 7 min 13 s.
        for now in (1_388_534_400..1_483_228_800).step_by(4_033) {
            assert_eq!(
                real.start_of_day(now),
                fixture.start_of_day(now),
                "now={now}"
            );
        }
    }

    #[test]
    fn real_tz_agrees_with_jiff_los_angeles_2010_to_2036() {
        let Some(text) = real_tz(REAL[0].0) else {
            return;
        };
        let (real, la) = (zone(&text), la());
        let SearchZone::Iana { zone: tz, .. } = &la else {
            unreachable!()
        };
        let mut instants: Vec<i64> = (1_262_304_000..2_114_380_800).step_by(11_987).collect();
        // Each transition and the instants around it and around local midnights near it.
        let SearchZone::Serialized(serialized) = &real else {
            unreachable!()
        };
        for &(at, _) in serialized.transitions() {
            for delta in [-90_000, -86_400, -3_601, -1, 0, 1, 3_599, 86_399, 90_000] {
                instants.push(at + delta);
            }
        }
        for now in instants
            .into_iter()
            .filter(|n| (1_262_304_000..2_114_380_800).contains(n))
        {
            let ours = real.start_of_day(now).unwrap();
            assert_eq!(Ok(ours), la.start_of_day(now), "now={now}");
            // jiff's own start_of_day is an independent oracle.
            let jiff = Timestamp::from_second(now)
                .unwrap()
                .to_zoned_datetime(tz.clone())
                .start_of_day()
                .unwrap()
                .timestamp()
                .as_second();
            assert_eq!(ours, jiff, "now={now}");
        }
    }

    #[test]
    fn pacific_fixture_23_and_25_hour_days() {
        let z = zone(PACIFIC_FIXTURE);
        // 2015-03-08 (23 h): begins 00:00 PST = 08:00Z; 2015-03-09 begins 00:00 PDT = 07:00Z.
        assert_eq!(z.start_of_day(1_425_807_000), Ok(1_425_801_600)); // 01:30 PST
        assert_eq!(z.start_of_day(1_425_841_200), Ok(1_425_801_600)); // 12:00 PDT
        assert_eq!(z.start_of_day(1_425_884_399), Ok(1_425_801_600)); // 23:59:59 PDT
        assert_eq!(z.start_of_day(1_425_884_400), Ok(1_425_884_400));
        assert_eq!(1_425_884_400 - 1_425_801_600, 23 * 3600);
        // 2015-11-01 (25 h): begins 00:00 PDT = 07:00Z; 2015-11-02 begins 00:00 PST = 08:00Z.
        assert_eq!(z.start_of_day(1_446_370_200), Ok(1_446_361_200)); // second 01:30 (PST)
        assert_eq!(z.start_of_day(1_446_451_199), Ok(1_446_361_200)); // 23:59:59 PST
        assert_eq!(z.start_of_day(1_446_451_200), Ok(1_446_451_200));
        assert_eq!(1_446_451_200 - 1_446_361_200, 25 * 3600);
    }

    /// Sao Paulo 2018/19 written by hand: -03 then DST -02 from 2018-11-04 00:00 local
    /// (03:00Z, 00:00 → 01:00), back to -03 on 2019-02-17 00:00 local (02:00Z, → 23:00 on
    /// the 16th).
    const SAO_PAULO_FIXTURE: &str = "### SERIALIZED TIMEZONE FORMAT 1.0;\
        Y-10800 NW 2d 30 33;Y-7200 YW 2d 30 32;@1541300400 1;@1550368800 0;$";

    #[test]
    fn fixture_gap_at_midnight_starts_day_at_first_existing_instant() {
        let z = zone(SAO_PAULO_FIXTURE);
        // 2018-11-04 12:00 -02 = 14:00Z; 00:00..01:00 does not exist: the day starts at 03:00Z.
        assert_eq!(z.start_of_day(1_541_340_000), Ok(1_541_300_400));
        assert_eq!(z.start_of_day(1_541_300_400), Ok(1_541_300_400));
        // One second earlier is 2018-11-03 23:59:59 -03: that day began 03:00Z on the 3rd.
        assert_eq!(z.start_of_day(1_541_300_399), Ok(1_541_214_000));
    }

    #[test]
    fn fixture_fall_back_at_midnight_25_hour_day() {
        let z = zone(SAO_PAULO_FIXTURE);
        // 2019-02-16 began at 00:00 -02 = 02:00Z and lasts until 2019-02-17 00:00 -03 = 03:00Z.
        // 2019-02-16 23:30 -03 (after the change) = 2019-02-17T02:30Z.
        assert_eq!(z.start_of_day(1_550_370_600), Ok(1_550_282_400));
        // 2019-02-16 23:30 -02 (before the change) = 2019-02-17T01:30Z.
        assert_eq!(z.start_of_day(1_550_367_000), Ok(1_550_282_400));
        // 2019-02-17 00:30 -03 = 03:30Z.
        assert_eq!(z.start_of_day(1_550_374_200), Ok(1_550_372_400));
    }

    #[test]
    fn fixture_gap_across_midnight_starts_at_the_transition() {
        // +00 until 2020-01-01T23:30Z, then +01: local 23:30 jumps to 00:30 on 2020-01-02.
        let z = zone("### SERIALIZED TIMEZONE FORMAT 1.0;Y0 NW 41;Y3600 YW 42;@1577921400 1;$");
        // 2020-01-02 12:00 +01 = 11:00Z; the day's first instant is 00:30 +01 = 23:30Z.
        assert_eq!(z.start_of_day(1_577_962_800), Ok(1_577_921_400));
    }

    #[test]
    fn fixture_fold_across_midnight_takes_first_midnight() {
        // +01 until 2020-01-01T23:30Z (local 00:30 on the 2nd), then +00 (local 23:30 on the
        // 1st again). Type 0 is first and non-DST, so it applies before the transition.
        let z = zone("### SERIALIZED TIMEZONE FORMAT 1.0;Y3600 NW 41;Y0 NW 42;@1577921400 1;$");
        // 2020-01-02 12:00 +00 = 12:00Z; the day first began at 00:00 +01 = 2020-01-01T23:00Z.
        assert_eq!(z.start_of_day(1_577_966_400), Ok(1_577_919_600));
        // 2020-01-01T23:40Z is 23:40 +00 on the 1st, a day that began 2019-12-31T23:00Z.
        assert_eq!(z.start_of_day(1_577_922_000), Ok(1_577_833_200));
    }

    #[test]
    fn before_first_transition_uses_first_standard_type() {
        let z = SerializedZone::parse(
            "### SERIALIZED TIMEZONE FORMAT 1.0;Y3600 YW;Y-3600 NW;Y7200 NW;@0 0;$",
        )
        .unwrap();
        assert_eq!(z.offset_at(-1), -3600);
        assert_eq!(z.offset_at(0), 3600);
        let all_dst =
            SerializedZone::parse("### SERIALIZED TIMEZONE FORMAT 1.0;Y60 YS;Y120 YS;$").unwrap();
        assert_eq!(all_dst.offset_at(0), 60);
        assert_eq!(all_dst.types()[0].abbreviation, "");
    }

    #[test]
    fn iana_local_day_differs_from_utc_day() {
        // 2024-07-01 05:00 JST = 2024-06-30T20:00Z; the day began 2024-06-30T15:00Z.
        let tokyo = SearchZone::iana("Asia/Tokyo").unwrap();
        assert_eq!(tokyo.start_of_day(1_719_777_600), Ok(1_719_759_600));
        // Same instant is 2024-07-01 08:00 NZST (+12); the day began 2024-06-30T12:00Z.
        let auckland = SearchZone::iana("Pacific/Auckland").unwrap();
        assert_eq!(auckland.start_of_day(1_719_777_600), Ok(1_719_748_800));
        // 2015-06-21T03:59:15Z is the evening of 2015-06-20 in Los Angeles.
        assert_eq!(la().start_of_day(1_434_859_155), Ok(1_434_783_600));
    }

    #[test]
    fn iana_23_and_25_hour_days() {
        let ny = SearchZone::iana("America/New_York").unwrap();
        // 2024-03-10 begins 00:00 EST = 05:00Z; 2024-03-11 begins 00:00 EDT = 04:00Z: 23 h.
        assert_eq!(ny.start_of_day(1_710_086_400), Ok(1_710_046_800)); // 12:00 EDT = 16:00Z
        assert_eq!(ny.start_of_day(1_710_129_599), Ok(1_710_046_800));
        assert_eq!(ny.start_of_day(1_710_129_600), Ok(1_710_129_600));
        // 2024-11-03 begins 00:00 EDT = 04:00Z; 2024-11-04 begins 00:00 EST = 05:00Z: 25 h.
        assert_eq!(ny.start_of_day(1_730_617_200), Ok(1_730_606_400)); // 2nd 01:00 = 06:00Z
        assert_eq!(ny.start_of_day(1_730_696_399), Ok(1_730_606_400));
        assert_eq!(ny.start_of_day(1_730_696_400), Ok(1_730_696_400));
    }

    #[test]
    fn iana_day_without_midnight() {
        // America/Sao_Paulo 2018-11-04: 00:00 -03 jumped to 01:00 -02 at 03:00Z.
        let sao_paulo = SearchZone::iana("America/Sao_Paulo").unwrap();
        assert_eq!(sao_paulo.start_of_day(1_541_340_000), Ok(1_541_300_400));
        // America/Havana 2024-03-10: 00:00 CST jumped to 01:00 CDT at 05:00Z; 12:00 = 16:00Z.
        let havana = SearchZone::iana("America/Havana").unwrap();
        assert_eq!(havana.start_of_day(1_710_086_400), Ok(1_710_046_800));
    }

    #[test]
    fn iana_agrees_with_jiff_start_of_day_where_gaps_begin_at_midnight() {
        for name in [
            "America/Sao_Paulo",
            "Asia/Beirut",
            "America/Havana",
            "Asia/Gaza",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "Europe/London",
            "America/Santiago",
        ] {
            let zone = SearchZone::iana(name).unwrap();
            let SearchZone::Iana { zone: tz, .. } = &zone else {
                unreachable!()
            };
            for now in (1_262_304_000..2_114_380_800_i64).step_by(97_213) {
                let jiff = Timestamp::from_second(now)
                    .unwrap()
                    .to_zoned_datetime(tz.clone())
                    .start_of_day()
                    .unwrap()
                    .timestamp()
                    .as_second();
                assert_eq!(zone.start_of_day(now), Ok(jiff), "{name} now={now}");
            }
        }
    }

    #[test]
    fn iana_names() {
        assert_eq!(
            SearchZone::iana("europe/paris").unwrap().describe(),
            "Europe/Paris"
        );
        assert_eq!(
            SearchZone::iana("UTC").unwrap().start_of_day(90_000),
            Ok(86_400)
        );
        for bad in [
            "",
            "Mars/Base",
            "Europe/Pariss",
            &"A".repeat(200),
            "../etc/passwd",
        ] {
            let err = SearchZone::iana(bad).unwrap_err();
            assert!(matches!(err, TzError::UnknownZone { .. }), "{bad}");
            assert!(err.to_string().contains("Europe/Paris"), "{err}");
        }
        let err = SearchZone::iana("Mars/Base").unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown time zone `Mars/Base`: use an IANA time zone name such as \
             Europe/Paris, America/New_York or UTC"
        );
    }

    #[test]
    fn describe() {
        let z = zone(PACIFIC_FIXTURE);
        assert_eq!(
            z.describe(),
            "Splunk serialized zone (2 local time types, 6 transitions)"
        );
        assert_eq!(
            z.describe_at(1_434_859_155),
            "Splunk serialized zone (UTC-07:00 PDT)"
        );
        assert_eq!(
            la().describe_at(1_421_280_000),
            "America/Los_Angeles (UTC-08:00 PST)"
        );
        let india = SearchZone::iana("Asia/Kolkata").unwrap();
        assert_eq!(india.describe_at(0), "Asia/Kolkata (UTC+05:30 IST)");
        let fixed = SearchZone::System(TimeZone::fixed(jiff::tz::Offset::UTC));
        assert!(fixed.describe().starts_with("system zone"));
        assert_eq!(format_offset(-1521), "UTC-00:25:21");
    }

    #[test]
    fn now_out_of_range() {
        let z = zone(PACIFIC_FIXTURE);
        for now in [i64::MIN, MIN_NOW_SECS - 1, MAX_NOW_SECS + 1, i64::MAX] {
            assert!(matches!(
                z.start_of_day(now),
                Err(TzError::NowOutOfRange { .. })
            ));
            assert!(matches!(
                la().start_of_day(now),
                Err(TzError::NowOutOfRange { .. })
            ));
        }
        assert!(la().start_of_day(MIN_NOW_SECS).is_ok());
        assert!(la().start_of_day(MAX_NOW_SECS).is_ok());
        assert!(z.start_of_day(MAX_NOW_SECS).is_ok());
    }

    fn syntax_at(text: &str) -> (usize, &'static str, String) {
        match SerializedZone::parse(text) {
            Err(TzError::Syntax {
                position,
                expected,
                found,
            }) => (position, expected, found),
            other => panic!("{text:?}: {other:?}"),
        }
    }

    #[test]
    fn malformed_zones_name_position_and_found_text() {
        let h = HEADER;
        let (position, _, found) = syntax_at("");
        assert_eq!((position, found.as_str()), (0, "end of text"));
        let (position, expected, found) = syntax_at("### SERIALIZED TIMEZONE FORMAT 2.0;Y0 NW;$");
        assert_eq!(position, 0);
        assert!(expected.contains("header"));
        assert_eq!(found, "`### SERIALIZED TIMEZONE …`");
        assert_eq!(syntax_at(&format!("{h}$")).0, h.len()); // no type
        assert_eq!(syntax_at(&format!("{h}Y0 NW")).0, h.len() + 5); // truncated
        assert_eq!(syntax_at(&format!("{h}Yx NW;$")).0, h.len() + 1); // bad number
        assert_eq!(syntax_at(&format!("{h}Y- NW;$")).0, h.len() + 1);
        assert_eq!(syntax_at(&format!("{h}Y+5 NW;$")).0, h.len() + 1);
        assert_eq!(syntax_at(&format!("{h}Y0 XW;$")).0, h.len() + 3); // bad DST flag
        assert_eq!(syntax_at(&format!("{h}Y0 NX;$")).0, h.len() + 4); // bad clock
        assert_eq!(syntax_at(&format!("{h}Y0 NW 5;$")).0, h.len() + 6); // one hex digit
        assert_eq!(syntax_at(&format!("{h}Y0 NW zz;$")).0, h.len() + 6);
        assert_eq!(syntax_at(&format!("{h}Y0 NW;@1 0;")).0, h.len() + 11); // missing `$`
        assert_eq!(syntax_at(&format!("{h}Y0 NW;@1 0;Y0 NW;$")).0, h.len() + 11);
        assert_eq!(syntax_at(&format!("{h}Y0 NW;@x 0;$")).0, h.len() + 7);
        assert_eq!(syntax_at(&format!("{h}Y0 NW;@1 -0;$")).0, h.len() + 9);
        assert_eq!(syntax_at(&format!("{h}Y0 NW;@1 0$")).0, h.len() + 10);
        assert_eq!(syntax_at(&format!("{h}Y0 NW;$ ")).0, h.len() + 7); // trailing text
        let (_, _, found) = syntax_at(&format!("{h}Y0 NW;\u{7}\"é{}", "x".repeat(50)));
        assert_eq!(found, format!("`\\u{{7}}\\\"é{}…`", "x".repeat(21)));
    }

    #[test]
    fn impossible_values_are_invalid() {
        let h = HEADER;
        for (text, position, words) in [
            (
                format!("{h}Y0 NW;@5 1;$"),
                h.len() + 6,
                "type 1, but only 1",
            ),
            (
                format!("{h}Y0 NW;@5 0;@5 0;$"),
                h.len() + 11,
                "at 5 does not follow 5",
            ),
            (
                format!("{h}Y0 NW;@5 0;@4 0;$"),
                h.len() + 11,
                "at 4 does not follow 5",
            ),
            (format!("{h}Y93600 NW;$"), h.len() + 1, "offset 93600 s"),
            (format!("{h}Y-99999999999 NW;$"), h.len() + 1, "beyond"),
            (
                format!("{h}Y0 NW;@99999999999999999999 0;$"),
                h.len() + 7,
                "64 bits",
            ),
            (
                format!("{h}Y0 NW;@1 99999999999999999999;$"),
                h.len() + 9,
                "64 bits",
            ),
        ] {
            match SerializedZone::parse(&text) {
                Err(TzError::Invalid {
                    position: p,
                    problem,
                }) => {
                    assert_eq!(p, position, "{text}");
                    assert!(problem.contains(words), "{problem}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn counts_are_capped() {
        let h = HEADER;
        let types = "Y0 NW;".repeat(MAX_LOCAL_TIME_TYPES);
        assert!(SerializedZone::parse(&format!("{h}{types}$")).is_ok());
        let err = SerializedZone::parse(&format!("{h}{types}Y0 NW;$")).unwrap_err();
        assert!(matches!(err, TzError::TooMany { limit: 256, .. }), "{err}");
        let transitions: String = (0..=MAX_TRANSITIONS).map(|i| format!("@{i} 0;")).collect();
        let err = SerializedZone::parse(&format!("{h}Y0 NW;{transitions}$")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "serialized time zone has more than 100000 transitions (at byte {})",
                h.len() + 6 + transitions.len() - format!("@{MAX_TRANSITIONS} 0;").len()
            )
        );
        let long = " 41".repeat(MAX_ABBREVIATION_BYTES + 1);
        let err = SerializedZone::parse(&format!("{h}Y0 NW{long};$")).unwrap_err();
        assert!(matches!(err, TzError::TooMany { limit: 16, .. }), "{err}");
    }

    #[test]
    fn every_proper_prefix_of_a_zone_is_an_error() {
        for end in 0..PACIFIC_FIXTURE.len() {
            assert!(
                SerializedZone::parse(&PACIFIC_FIXTURE[..end]).is_err(),
                "{end}"
            );
        }
    }

    /// The defining property of the answer: it is no later than `now`, has `now`'s local
    /// date, and the second before it has an earlier local date.
    fn assert_first_instant_of_day(zone: &SearchZone, now: i64) {
        let local_date = |t: i64| (t + i64::from(zone.local_time_at(t).0)).div_euclid(86_400);
        let start = zone.start_of_day(now).unwrap();
        assert!(start <= now, "now={now} start={start}");
        assert_eq!(local_date(start), local_date(now), "now={now}");
        assert!(local_date(start - 1) < local_date(now), "now={now}");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = SerializedZone::parse(&text);
        }

        #[test]
        fn near_grammar_text_never_panics(
            body in "[YN@$ 0-9a-fWSG;-]{0,80}",
            now in MIN_NOW_SECS..=MAX_NOW_SECS,
        ) {
            if let Ok(zone) = SerializedZone::parse(&format!("{HEADER}{body}")) {
                let zone = SearchZone::Serialized(zone);
                let _ = zone.start_of_day(now);
            }
        }

        #[test]
        fn start_of_day_is_the_first_instant_of_the_local_day(
            now in -2_208_988_800_i64..4_102_444_800,
            name in prop::sample::select(vec![
                "America/Los_Angeles", "America/Sao_Paulo", "Asia/Beirut",
                "Australia/Lord_Howe", "Pacific/Apia", "America/St_Johns", "Asia/Kathmandu",
            ]),
        ) {
            assert_first_instant_of_day(&SearchZone::iana(name).unwrap(), now);
            assert_first_instant_of_day(&zone(SAO_PAULO_FIXTURE), now);
            assert_first_instant_of_day(&zone(PACIFIC_FIXTURE), now);
        }
    }

    #[test]
    fn first_instant_holds_around_fixture_transitions() {
        for text in [SAO_PAULO_FIXTURE, PACIFIC_FIXTURE] {
            let z = zone(text);
            let SearchZone::Serialized(s) = &z else {
                unreachable!()
            };
            for &(at, _) in s.transitions() {
                for now in (at - 2 * 86_400..at + 2 * 86_400).step_by(599) {
                    assert_first_instant_of_day(&z, now);
                }
            }
        }
    }

    /// Fuzz finding F1: with more than 10,000 transitions in the 4-day window, only the first
    /// 10,000 were looked at, so "the offset at now" was wrong and the day start was not on
    /// now's local date. All transitions (at most MAX_TRANSITIONS) now count.
    #[test]
    fn regression_many_transitions_in_the_window() {
        let now = 1_434_843_000_i64;
        let mut text = String::from("### SERIALIZED TIMEZONE FORMAT 1.0;Y0 NW 41;Y3600 NW 42;");
        for i in 0..12_001_i64 {
            text.push_str(&format!("@{} {};", now - 20_000 + i, i % 2));
        }
        text.push('$');
        let zone = SearchZone::Serialized(SerializedZone::parse(&text).unwrap());
        // After the last transition (type 0, UTC) now+16155 is 2015-06-21 03:59:15 local, so
        // the day began at 2015-06-21T00:00:00Z = 1434844800.
        assert_eq!(zone.start_of_day(now + 16_155).unwrap(), 1_434_844_800);
    }
}
