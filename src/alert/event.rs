//! Risk events: which fields a result row becomes, as Enterprise Security's risk action writes
//! them.
//!
//! ES's actions build an event with Splunk_SA_CIM's `cim_actions.py` (`result2stash`): the
//! row's `_time` first, then `search_name`, then `key="value"` pairs, a multivalue field as
//! the same key repeated, internal fields (`_*` but `_time`/`_raw`, `date_*`, `punct`, `sid`,
//! `rid`, `orig_sid`, `orig_rid`) dropped, and fields that name event metadata (`_time`,
//! `_raw`, `host`, `source`, `sourcetype`, `index`, `splunk_server`, `linecount`,
//! `eventtype`, `tag`, `tag::*`, `search_name`, …) renamed `orig_<name>`. An event here is:
//!
//! `<_time>, search_name="…", risk_object="…", risk_object_type="…", risk_score="…",
//! risk_message="…", orig_sid="…", risk_event_id="…", <row fields>`
//!
//! Names are normalised to what Splunk accepts as a field name ([`field_name`]); a row field
//! named like one of the risk fields is renamed `orig_<name>`, as ES renames `search_name`,
//! and no two columns get the same name ([`EventBuilder::new`]).
//! `risk_event_id` is the SHA-256 (hex) of search name, risk object and the row's `_time`
//! joined by NUL bytes: the same detection of the same host and day always gets the same id,
//! so `| dedup risk_event_id` removes repeats at search time.
//!
//! # Example
//!
//! ```
//! use emailoutlier::alert::event::{field_name, Template};
//!
//! assert_eq!(field_name("All_Traffic.dest ip"), "All_Traffic_dest_ip");
//! let template = Template::parse("$dest_ip$ got $bytes$ ($$)");
//! assert_eq!(template.tokens().collect::<Vec<_>>(), ["dest_ip", "bytes"]);
//! ```

use std::borrow::Cow;
use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use super::results::ResultRow;

/// The fields this action writes itself, before the row's fields.
pub const RISK_FIELDS: [&str; 7] = [
    "search_name",
    "risk_object",
    "risk_object_type",
    "risk_score",
    "risk_message",
    "orig_sid",
    "risk_event_id",
];

/// A field name Splunk accepts, from any column name: each character other than an ASCII
/// letter, digit or `_` becomes `_`; a name that then starts with a digit gets a `_` in
/// front, and an empty name becomes `_`. (`CLEAN_KEYS = false` in Splunk's `stash_extract`
/// means the names are used as written, so the writer must make them valid.)
pub fn field_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Whether `cim_actions.py` `default_mapexp` renames `name` to `orig_<name>`.
fn mapped(name: &str) -> bool {
    name.starts_with("tag::")
        || matches!(
            name,
            "_bkt"
                | "_cd"
                | "_time"
                | "_raw"
                | "splunk_server"
                | "index"
                | "source"
                | "sourcetype"
                | "host"
                | "linecount"
                | "timestartpos"
                | "timeendpos"
                | "eventtype"
                | "tag"
                | "search_name"
                | "event_hash"
                | "event_id"
        )
}

/// What becomes of a result column in the event, following `cim_actions.py`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// Written under this (normalised) name.
    Keep(String),
    /// Not written (an internal field).
    Drop,
}

/// The rule of `cim_actions.py` `default_dropexp` / `default_mapexp`, then [`field_name`],
/// then `orig_` in front of a name that one of [`RISK_FIELDS`] already uses.
pub fn column(name: &str) -> Column {
    let dropped = (name.starts_with('_') && !matches!(name, "_bkt" | "_cd" | "_raw" | "_time"))
        || name.starts_with("date_")
        || matches!(name, "punct" | "sid" | "rid" | "orig_sid" | "orig_rid");
    if dropped {
        return Column::Drop;
    }
    let renamed = mapped(name);
    let name = if renamed {
        format!("orig_{}", name.trim_start_matches('_'))
    } else {
        name.to_owned()
    };
    let name = field_name(&name);
    if RISK_FIELDS.contains(&name.as_str()) {
        Column::Keep(format!("orig_{name}"))
    } else {
        Column::Keep(name)
    }
}

/// Each column's name in the event (`None`: not written), every name unique.
///
/// As `result2stash`'s `orig_dropexp`: a column named like the `orig_<name>` another column
/// is renamed to (`orig_host` beside `host`, `orig_risk_score` beside `risk_score`) gives way.
/// Names that are still equal after [`field_name`] (`x y` and `x_y`) are kept apart: the
/// first in header order keeps the name, each later one gets the first free of `_2`, `_3`, …
/// appended, so every value is written and no two columns merge into one multivalue field.
fn event_names(fields: &[String]) -> Vec<Option<String>> {
    let columns: Vec<(Column, bool)> = fields.iter().map(|f| (column(f), renamed(f))).collect();
    let targets: BTreeSet<String> = columns
        .iter()
        .filter_map(|(c, r)| match c {
            Column::Keep(name) if *r => Some(name.clone()),
            _ => None,
        })
        .collect();
    // `tag::x` is renamed `orig_tag::x` before normalisation; its raw target gives way too.
    let raw_targets: BTreeSet<String> = fields
        .iter()
        .filter(|g| mapped(g))
        .map(|g| format!("orig_{}", g.trim_start_matches('_')))
        .collect();
    let mut used: BTreeSet<String> = RISK_FIELDS.iter().map(|f| (*f).to_owned()).collect();
    fields
        .iter()
        .zip(columns)
        .map(|(f, (c, was_renamed))| {
            let Column::Keep(name) = c else { return None };
            if !was_renamed && (targets.contains(f) || raw_targets.contains(f)) {
                return None;
            }
            let mut unique = name.clone();
            let mut n = 2u64;
            while used.contains(&unique) {
                unique = format!("{name}_{n}");
                n += 1;
            }
            used.insert(unique.clone());
            Some(unique)
        })
        .collect()
}

/// Whether [`column`] gives `name` an `orig_` name (event metadata, or a risk field's name).
fn renamed(name: &str) -> bool {
    column(name) != Column::Drop
        && (mapped(name) || RISK_FIELDS.contains(&field_name(name).as_str()))
}

/// A `risk_message` template: `$field$` is replaced by the row's value of `field` (values of
/// a multivalue field joined by `,`), `$$` is a `$`, and a `$` without a closing `$` stays as
/// it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(String),
}

impl Template {
    /// Parses a template. Every string is a template.
    pub fn parse(text: &str) -> Template {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(start) = rest.find('$') {
            literal.push_str(rest.get(..start).unwrap_or_default());
            let after = rest.get(start + 1..).unwrap_or_default();
            match after.find('$') {
                Some(0) => {
                    literal.push('$');
                    rest = after.get(1..).unwrap_or_default();
                }
                Some(end) => {
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Field(after.get(..end).unwrap_or_default().to_owned()));
                    rest = after.get(end + 1..).unwrap_or_default();
                }
                None => {
                    literal.push('$');
                    rest = after;
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Template { parts }
    }

    /// The field names the template refers to, in order (repeats included).
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Field(name) => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }
}

/// The action's validated parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskParams {
    /// Index the events go to.
    pub index: String,
    /// Result field whose value is the risk object.
    pub risk_object_field: String,
    /// `risk_object_type` written on every event.
    pub risk_object_type: String,
    /// `risk_score`, as written.
    pub risk_score: String,
    /// `risk_message` template.
    pub risk_message: Template,
}

/// One risk event: its timestamp text and its fields in order (a key repeated for each
/// value of a multivalue field).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// Epoch seconds as written at the start of the event.
    pub time: String,
    /// Field names and values, in order.
    pub fields: Vec<(String, String)>,
}

/// Why a row wrote no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The risk object field has no value in this row: it is empty, or each of its values is
    /// only white space.
    NoRiskObject,
}

/// What a run noticed about the rows, for its WARN and INFO lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notes {
    /// Rows whose `_time` is missing or not epoch seconds (the run time was used).
    pub rows_without_time: u64,
    /// Rows whose risk object field had several values (the first non-blank was used).
    pub multivalue_objects: u64,
}

/// Turns rows of one results file into risk events.
#[derive(Debug)]
pub struct EventBuilder {
    params: RiskParams,
    search_name: String,
    sid: String,
    /// Per value field: its name in the event, or `None` when dropped.
    names: Vec<Option<String>>,
    risk_object: Option<usize>,
    time: Option<usize>,
    /// Per template part: the value field it reads (`None` for text or an unknown field).
    token_fields: Vec<Option<usize>>,
    /// Template tokens that name no field of the results.
    unknown_tokens: Vec<String>,
}

impl EventBuilder {
    /// A builder for results with these value `fields`.
    ///
    /// Each column's name in the event follows [`column`]; a row's own `orig_<name>` gives way
    /// to a column renamed to it, and names equal after normalisation get `_2`, `_3`, … in
    /// header order, so that every value is written under a name of its own.
    pub fn new(params: RiskParams, search_name: &str, sid: &str, fields: &[String]) -> Self {
        let position = |name: &str| fields.iter().position(|f| f == name);
        let names = event_names(fields);
        let mut unknown = BTreeSet::new();
        let token_fields = params
            .risk_message
            .parts
            .iter()
            .map(|part| match part {
                Part::Field(name) => {
                    let found = position(name);
                    if found.is_none() {
                        unknown.insert(name.clone());
                    }
                    found
                }
                Part::Text(_) => None,
            })
            .collect();
        EventBuilder {
            risk_object: position(&params.risk_object_field),
            time: position("_time"),
            params,
            search_name: search_name.to_owned(),
            sid: sid.to_owned(),
            names,
            token_fields,
            unknown_tokens: unknown.into_iter().collect(),
        }
    }

    /// Whether the results have the risk object field at all.
    pub fn has_risk_object_field(&self) -> bool {
        self.risk_object.is_some()
    }

    /// Template tokens that name no field of the results (they become empty).
    pub fn unknown_tokens(&self) -> &[String] {
        &self.unknown_tokens
    }

    /// Builds the event of `row` into `event` (reusing its buffers); `now` is the run time
    /// in epoch seconds, used when the row has no valid `_time`.
    ///
    /// The risk object is the first value of the risk object field that is not empty once
    /// white space (Unicode `White_Space`, which includes ASCII's) is trimmed from both ends,
    /// written trimmed, so ` 10.0.0.1` and `10.0.0.1` are one risk object in `stats … by
    /// risk_object`. The row's own field keeps its value as it is.
    ///
    /// # Errors
    ///
    /// [`Skip`] when the row writes no event.
    pub fn build(
        &self,
        row: &ResultRow<'_>,
        now: &str,
        notes: &mut Notes,
        event: &mut Event,
    ) -> Result<(), Skip> {
        let objects = self.risk_object.map(|i| row.values(i)).unwrap_or_default();
        let Some(object) = objects.iter().find_map(|v| {
            let value = text(v);
            let trimmed = value.trim();
            (!trimmed.is_empty()).then(|| trimmed.to_owned())
        }) else {
            return Err(Skip::NoRiskObject);
        };
        if objects.len() > 1 {
            notes.multivalue_objects += 1;
        }
        let time = self.time.map(|i| row.get(i)).and_then(epoch_text);
        event.time.clear();
        match time {
            Some(time) => event.time.push_str(time),
            None => {
                notes.rows_without_time += 1;
                event.time.push_str(now);
            }
        }
        event.fields.clear();
        let push = |event: &mut Event, name: &str, value: &str| {
            event.fields.push((name.to_owned(), value.to_owned()));
        };
        push(event, "search_name", &self.search_name);
        push(event, "risk_object", &object);
        push(event, "risk_object_type", &self.params.risk_object_type);
        push(event, "risk_score", &self.params.risk_score);
        let message = self.message(row);
        push(event, "risk_message", &message);
        push(event, "orig_sid", &self.sid);
        let id = risk_event_id(&self.search_name, &object, time.unwrap_or(""));
        push(event, "risk_event_id", &id);
        for (i, name) in self.names.iter().enumerate() {
            let Some(name) = name else { continue };
            for value in row.values(i) {
                push(event, name, &text(&value));
            }
        }
        Ok(())
    }

    /// The risk message of `row`.
    fn message(&self, row: &ResultRow<'_>) -> String {
        let mut out = String::new();
        for (part, field) in self
            .params
            .risk_message
            .parts
            .iter()
            .zip(&self.token_fields)
        {
            match (part, field) {
                (Part::Text(text), _) => out.push_str(text),
                (Part::Field(_), Some(i)) => {
                    let values: Vec<Cow<'_, str>> =
                        row.values(*i).iter().map(|v| text(v).into()).collect();
                    out.push_str(&values.join(","));
                }
                (Part::Field(_), None) => {}
            }
        }
        out
    }
}

/// `_time` as written by splunkd (epoch seconds, optional fraction), or `None`.
fn epoch_text(raw: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(raw).ok()?;
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(whole) && whole.len() <= 11 && digits(fraction) && fraction.len() <= 9).then_some(text)
}

/// Cell bytes as text (the results reader already checked they are UTF-8).
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `risk_event_id`: SHA-256 hex of search name, risk object and `_time`, NUL-separated.
pub fn risk_event_id(search_name: &str, risk_object: &str, time: &str) -> String {
    let mut hash = Sha256::new();
    for (i, part) in [search_name, risk_object, time].iter().enumerate() {
        if i > 0 {
            hash.update([0u8]);
        }
        hash.update(part.as_bytes());
    }
    hash.finalize()
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0xf)]));
            hex
        })
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names() {
        for (raw, want) in [
            ("dest_ip", "dest_ip"),
            ("All_Traffic.bytes", "All_Traffic_bytes"),
            ("a b-c=d\"e", "a_b_c_d_e"),
            ("9lives", "_9lives"),
            ("", "_"),
            ("é", "_"),
        ] {
            assert_eq!(field_name(raw), want, "{raw}");
        }
    }

    #[test]
    fn columns_follow_cim_actions() {
        let keep = |s: &str| Column::Keep(s.to_owned());
        for (raw, want) in [
            ("dest_ip", keep("dest_ip")),
            ("_time", keep("orig_time")),
            ("_raw", keep("orig_raw")),
            ("host", keep("orig_host")),
            ("index", keep("orig_index")),
            ("search_name", keep("orig_search_name")),
            ("tag::eventtype", keep("orig_tag__eventtype")),
            ("risk_score", keep("orig_risk_score")),
            ("risk object", keep("orig_risk_object")),
            ("_serial", Column::Drop),
            ("date_hour", Column::Drop),
            ("punct", Column::Drop),
            ("orig_sid", Column::Drop),
        ] {
            assert_eq!(column(raw), want, "{raw}");
        }
    }

    #[test]
    fn orig_fields_give_way_to_renamed_ones() {
        let params = RiskParams {
            index: "risk".into(),
            risk_object_field: "dest_ip".into(),
            risk_object_type: "system".into(),
            risk_score: "1".into(),
            risk_message: Template::parse(""),
        };
        let fields = [
            "dest_ip",
            "host",
            "orig_host",
            "orig_other",
            "orig_time",
            "_time",
        ];
        let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        let builder = EventBuilder::new(params, "s", "1", &fields);
        let names: Vec<Option<&str>> = builder.names.iter().map(Option::as_deref).collect();
        assert_eq!(
            names,
            [
                Some("dest_ip"),
                Some("orig_host"),
                None,
                Some("orig_other"),
                None,
                Some("orig_time")
            ]
        );
    }

    #[test]
    fn event_names_are_unique_and_renamed_risk_fields_shadow_orig_ones() {
        let fields: Vec<String> = [
            "risk_score",
            "orig_risk_score",
            "x y",
            "x_y",
            "x.y",
            "x_y_2",
            "tag::eventtype",
            "orig_tag::eventtype",
            "risk object",
            "orig_risk_object",
            "_serial",
        ]
        .iter()
        .map(|f| f.to_string())
        .collect();
        let names = event_names(&fields);
        let names: Vec<Option<&str>> = names.iter().map(Option::as_deref).collect();
        assert_eq!(
            names,
            [
                Some("orig_risk_score"),
                None,
                Some("x_y"),
                Some("x_y_2"),
                Some("x_y_3"),
                Some("x_y_2_2"),
                Some("orig_tag__eventtype"),
                None,
                Some("orig_risk_object"),
                None,
                None,
            ]
        );
    }

    #[test]
    fn templates() {
        let t = Template::parse("a $x$ b $$ c $y$$z$ $open");
        assert_eq!(t.tokens().collect::<Vec<_>>(), ["x", "y", "z"]);
        assert_eq!(
            t.parts,
            [
                Part::Text("a ".into()),
                Part::Field("x".into()),
                Part::Text(" b $ c ".into()),
                Part::Field("y".into()),
                Part::Field("z".into()),
                Part::Text(" $open".into()),
            ]
        );
        assert_eq!(Template::parse("").parts, []);
        assert_eq!(Template::parse("$").parts, [Part::Text("$".into())]);
    }

    #[test]
    fn epoch_times() {
        assert_eq!(epoch_text(b"1718928000"), Some("1718928000"));
        assert_eq!(epoch_text(b"1718928000.123"), Some("1718928000.123"));
        for bad in [
            &b""[..],
            b"-1",
            b"1e9",
            b"12.",
            b".5",
            b"2024-06-21",
            b"171892800000",
        ] {
            assert_eq!(epoch_text(bad), None, "{}", bad.escape_ascii());
        }
    }

    #[test]
    fn risk_event_id_is_stable_and_separates_parts() {
        let id = risk_event_id("s", "10.0.0.1", "1718928000");
        assert_eq!(id.len(), 64);
        assert_eq!(id, risk_event_id("s", "10.0.0.1", "1718928000"));
        assert_ne!(id, risk_event_id("s", "10.0.0.11", "718928000"));
        // From Python: hashlib.sha256(b"a\0b\0c").hexdigest()
        assert_eq!(
            risk_event_id("a", "b", "c"),
            "8badde10c760e9b702defb4b5e225de79c515b1d2a5cfb000e140f3c6fbb5629"
        );
    }
}
