//! The `stash_new` spool format: risk events → bytes, and back.
//!
//! splunkd indexes a file in `$SPLUNK_HOME/var/spool/splunk/` whose name ends `.stash_new`
//! with Splunk's default `inputs.conf` `[batch://$SPLUNK_HOME/var/spool/splunk/...stash_new]`
//! (`sourcetype = stash_new`, `queue = stashparsing`, `move_policy = sinkhole`: read once,
//! then deleted; `time_before_close = 0`: without waiting for writes to stop, hence the
//! atomic rename of [`super::spool`]) and parses it with `props.conf` `[stash_new]` (Splunk
//! 8.2.12's system/default). What each rule means here:
//!
//! - `HEADER_MODE = firstline`: only the file's first line may be the `***SPLUNK***` header;
//!   its `key="value"` pairs set `index` and `source` of every event (written as
//!   `cim_actions.py` `get_header_item` does, a `"` in a value becoming `_`; here a line end
//!   too, so the header stays one line). No `sourcetype`: `TRANSFORMS-sourcetype =
//!   set_sourcetype_to_stash` makes every event `sourcetype=stash` after line breaking, and a
//!   header sourcetype would select other props for the breaking itself.
//! - `SHOULD_LINEMERGE = false` and `LINE_BREAKER = (\r?\n==##~~##~~  1E8N3D4E6V5E7N2T9
//!   ~~##~~##==\r?\n)`: events are exactly the text between breakers (the captured breaker is
//!   thrown away). The header, then each event preceded by `\n` + [`LINE_BREAKER`] + `\n`, as
//!   `cim_actions.py` `writeevents` joins them; nothing after the last event.
//! - `TRUNCATE = 0`: no event length limit. `MAX_TIMESTAMP_LOOKAHEAD = 64`: the timestamp must
//!   start the event — it is the row's `_time` in epoch seconds (as ES writes it), first.
//!   `MAX_DAYS_AGO = 10000`, `MAX_DAYS_HENCE = 2`: times outside that are not accepted by
//!   splunkd (it then uses another time for the event).
//! - Search time: `[stash]` `REPORT-1 = stash_extract` (`DELIMS = ",", "="`, `MV_ADD = true`,
//!   `CLEAN_KEYS = false`): pairs separated by `,`, a repeated key becomes a multivalue
//!   field, names are taken as written. Values are written `key="value"` with `\` → `\\` and
//!   `"` → `\"` (as `result2stash` escapes them), and a line feed or carriage return as the
//!   two characters `\n` / `\r`: an event is one line, so no value can contain a line
//!   breaker, break an event or merge two.
//!
//! # Example
//!
//! ```
//! use emailoutlier::alert::event::Event;
//! use emailoutlier::alert::stash::{read_stash, write_event, write_header};
//!
//! let event = Event {
//!     time: "1718928000".into(),
//!     fields: vec![("risk_object".into(), "10.0.0.2".into()), ("note".into(), "a \"b\"\nc".into())],
//! };
//! let mut file = Vec::new();
//! write_header(&mut file, "risk", "my search");
//! write_event(&mut file, &event);
//! assert_eq!(
//!     String::from_utf8_lossy(&file),
//!     "***SPLUNK*** index=\"risk\" source=\"my search\"\n==##~~##~~  1E8N3D4E6V5E7N2T9 ~~##~~##==\n\
//!      1718928000, risk_object=\"10.0.0.2\", note=\"a \\\"b\\\"\\nc\""
//! );
//! let stash = read_stash(&file)?;
//! assert_eq!((stash.index.as_str(), stash.source.as_str()), ("risk", "my search"));
//! assert_eq!(stash.events, [event]);
//! # Ok::<(), emailoutlier::alert::stash::StashError>(())
//! ```

use super::event::Event;

/// The text between the line ends of `[stash_new]`'s `LINE_BREAKER`.
pub const LINE_BREAKER: &str = "==##~~##~~  1E8N3D4E6V5E7N2T9 ~~##~~##==";
/// What starts the header line.
pub const HEADER_PREFIX: &str = "***SPLUNK***";
/// `[stash_new]` `MAX_TIMESTAMP_LOOKAHEAD`: the timestamp must lie in an event's first 64
/// characters.
pub const MAX_TIMESTAMP_LOOKAHEAD: usize = 64;

/// Appends the header line (no line end: the first event's breaker starts with one).
pub fn write_header(out: &mut Vec<u8>, index: &str, source: &str) {
    out.extend_from_slice(HEADER_PREFIX.as_bytes());
    for (key, value) in [("index", index), ("source", source)] {
        out.extend_from_slice(format!(" {key}=\"").as_bytes());
        for c in value.chars() {
            let c = if matches!(c, '"' | '\n' | '\r') {
                '_'
            } else {
                c
            };
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        out.push(b'"');
    }
}

/// Appends one event, preceded by the line breaker.
pub fn write_event(out: &mut Vec<u8>, event: &Event) {
    out.push(b'\n');
    out.extend_from_slice(LINE_BREAKER.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(event.time.as_bytes());
    for (name, value) in &event.fields {
        out.extend_from_slice(b", ");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        for &b in value.as_bytes() {
            match b {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'"' => out.extend_from_slice(b"\\\""),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                _ => out.push(b),
            }
        }
        out.push(b'"');
    }
}

/// A stash file read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stash {
    /// `index` of the header.
    pub index: String,
    /// `source` of the header.
    pub source: String,
    /// The events, with values unescaped.
    pub events: Vec<Event>,
}

/// A stash file that does not follow the format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stash file: {0}")]
pub struct StashError(String);

/// Reads a stash file by applying `[stash_new]` literally: the first line is the header
/// (`HEADER_MODE = firstline`); the rest is split wherever the `LINE_BREAKER` regex
/// `\r?\n==##~~##~~  1E8N3D4E6V5E7N2T9 ~~##~~##==\r?\n` matches, the match dropped; each event
/// is a timestamp within its first [`MAX_TIMESTAMP_LOOKAHEAD`] characters, then `, key="value"`
/// pairs (the writer's escapes undone).
///
/// # Errors
///
/// [`StashError`] naming the first thing that does not follow the format.
pub fn read_stash(bytes: &[u8]) -> Result<Stash, StashError> {
    let text = std::str::from_utf8(bytes).map_err(|_| StashError("not UTF-8".into()))?;
    let pieces = split_on_breaker(text);
    let (header, events) = pieces
        .split_first()
        .ok_or_else(|| StashError("empty".into()))?;
    let (header, rest_of_first) = header.split_once('\n').unwrap_or((header, ""));
    if !rest_of_first.is_empty() {
        return Err(StashError(format!(
            "text between the header line and the first breaker: {rest_of_first:?}"
        )));
    }
    let pairs = header
        .strip_prefix(HEADER_PREFIX)
        .ok_or_else(|| StashError(format!("first line is not a header: {header:?}")))?;
    let (_, header_fields) = parse_pairs(pairs, false)?;
    let get = |key: &str| {
        header_fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| StashError(format!("header has no {key}")))
    };
    let (index, source) = (get("index")?, get("source")?);
    let events = events
        .iter()
        .map(|raw| {
            let (time, fields) = parse_pairs(raw, true)?;
            Ok(Event { time, fields })
        })
        .collect::<Result<_, StashError>>()?;
    Ok(Stash {
        index,
        source,
        events,
    })
}

/// Splits `text` at every match of `\r?\n<LINE_BREAKER>\r?\n`, dropping the matches.
fn split_on_breaker(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut search = 0;
    let needle = format!("\n{LINE_BREAKER}");
    while let Some(found) = text.get(search..).and_then(|t| t.find(&needle)) {
        let at = search + found;
        let after = at + needle.len();
        let rest = text.get(after..).unwrap_or_default();
        let end = if rest.starts_with("\r\n") {
            Some(after + 2)
        } else if rest.starts_with('\n') {
            Some(after + 1)
        } else {
            None
        };
        match end {
            Some(end) => {
                let cut = if at > start && text.as_bytes().get(at - 1) == Some(&b'\r') {
                    at - 1
                } else {
                    at
                };
                pieces.push(text.get(start..cut).unwrap_or_default());
                start = end;
                search = end;
            }
            None => search = at + 1,
        }
    }
    pieces.push(text.get(start..).unwrap_or_default());
    pieces
}

/// Parses `[<timestamp>], key="value", …` (the timestamp only when `timestamp`).
fn parse_pairs(raw: &str, timestamp: bool) -> Result<(String, Vec<(String, String)>), StashError> {
    let mut rest = raw;
    let mut time = String::new();
    if timestamp {
        let end = rest.find(", ").unwrap_or(rest.len());
        time = rest.get(..end).unwrap_or_default().to_owned();
        if time.chars().count() > MAX_TIMESTAMP_LOOKAHEAD || time.is_empty() {
            return Err(StashError(format!("no timestamp at the start of {raw:?}")));
        }
        rest = rest.get(end..).unwrap_or_default();
    }
    let mut fields = Vec::new();
    loop {
        rest = match rest.strip_prefix(if timestamp { ", " } else { " " }) {
            Some(r) => r,
            None if rest.is_empty() => break,
            None => return Err(StashError(format!("expected a separator at {rest:?}"))),
        };
        let (key, after) = rest
            .split_once("=\"")
            .ok_or_else(|| StashError(format!("expected key=\"value\" at {rest:?}")))?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => break i,
                Some((_, '\\')) if timestamp => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, 'r')) => value.push('\r'),
                    Some((_, c @ ('\\' | '"'))) => value.push(c),
                    other => return Err(StashError(format!("bad escape {other:?} in {raw:?}"))),
                },
                Some((_, c)) => value.push(c),
                None => return Err(StashError(format!("unterminated value in {raw:?}"))),
            }
        };
        fields.push((key.to_owned(), value));
        rest = after.get(end + 1..).unwrap_or_default();
    }
    Ok((time, fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(time: &str, fields: &[(&str, &str)]) -> Event {
        Event {
            time: time.into(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn hostile_values_read_back_one_event_each() {
        let breaker = format!("x\n{LINE_BREAKER}\ny\r\n{LINE_BREAKER}\r\n");
        let events = vec![
            event(
                "1",
                &[("a", "q\"uo\"te"), ("b", "back\\slash\\"), ("c", "")],
            ),
            event("2.5", &[("m", "line1\nline2\r\n"), ("m", "ünï😀")]),
            event("3", &[("br", &breaker), ("comma", "a, b=\"c\", d")]),
        ];
        let mut file = Vec::new();
        write_header(&mut file, "risk", "s \"q\"\nx");
        for e in &events {
            write_event(&mut file, e);
        }
        let text = String::from_utf8(file.clone()).unwrap();
        assert_eq!(text.lines().count(), 1 + 2 * events.len(), "{text}");
        let stash = read_stash(&file).unwrap();
        assert_eq!(stash.source, "s _q__x");
        assert_eq!(stash.events, events);
    }

    #[test]
    fn reader_applies_the_breaker_regex() {
        let text = format!(
            "***SPLUNK*** index=\"i\" source=\"s\"\r\n{LINE_BREAKER}\r\n1, a=\"x\"\n{LINE_BREAKER} \n2, b=\"y\"\n{LINE_BREAKER}\n3"
        );
        let stash = read_stash(text.as_bytes());
        // The second breaker is followed by a space, so it is part of event 1's text (whose
        // value then fails to parse as a pair list): no split there.
        assert!(stash.is_err(), "{stash:?}");
        let text = format!("***SPLUNK*** index=\"i\" source=\"s\"\r\n{LINE_BREAKER}\r\n1, a=\"x\"\n{LINE_BREAKER}\n3");
        let stash = read_stash(text.as_bytes()).unwrap();
        assert_eq!(stash.events, [event("1", &[("a", "x")]), event("3", &[])]);
    }
}
