//! CSV bodies ⇄ rows.
//!
//! splunkd sends UTF-8 CSV: a header row first (also with zero rows), RFC 4180 quoting,
//! LF (CRLF accepted) line ends, quoted values with embedded newlines, and for each value
//! column `X` a column `__mv_X` that holds the values of a multivalue field as `$a$;$b$`
//! (`$$` escapes a `$`). An empty cell means "no value".
//!
//! [`BodyReader`] hides the `__mv_` columns behind [`Row::values`]; [`BodyWriter`] writes a
//! header row and rows with minimal quoting and LF line ends, without `__mv_` columns.
//!
//! # Example
//!
//! ```
//! use emailoutlier::protocol::body::{BodyReader, BodyWriter};
//! use emailoutlier::protocol::frame::Limits;
//!
//! let body = b"host,\"bytes\",\"__mv_host\",\"__mv_bytes\"\nmx1,10,,\n\"mx2\nmx3\",20,$mx2$;$mx3$,\n";
//! let mut reader = BodyReader::new(body, &Limits::default())?;
//! assert_eq!(reader.fields(), ["host", "bytes"]);
//! let mut hosts = Vec::new();
//! while let Some(row) = reader.read_row()? {
//!     hosts.push(row.values(0).map(|v| v.into_owned()).collect::<Vec<_>>());
//! }
//! assert_eq!(hosts, [vec![b"mx1".to_vec()], vec![b"mx2".to_vec(), b"mx3".to_vec()]]);
//!
//! let mut out = Vec::new();
//! let mut writer = BodyWriter::new(&mut out);
//! writer.write_header(&["host", "note"])?;
//! writer.write_row(&[b"mx1", b"a, \"b\""])?;
//! writer.finish()?;
//! assert_eq!(out, b"host,note\nmx1,\"a, \"\"b\"\"\"\n");
//! # Ok::<(), emailoutlier::protocol::body::BodyError>(())
//! ```

use std::borrow::Cow;
use std::collections::HashSet;

use csv::{QuoteStyle, Terminator};

use super::frame::{escape, Limits};

/// Prefix of splunkd's multivalue columns.
const MV_PREFIX: &str = "__mv_";

/// A CSV body that cannot be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// A cell is not valid UTF-8.
    #[error("CSV body line {line}, field \"{field}\": not valid UTF-8")]
    InvalidUtf8 {
        /// Line where the record starts (1-based).
        line: u64,
        /// Column name (or number for the header row).
        field: String,
    },
    /// A cell contains a NUL byte.
    #[error("CSV body line {line}, field \"{field}\": contains a NUL byte")]
    NulByte {
        /// Line where the record starts (1-based).
        line: u64,
        /// Column name (or number for the header row).
        field: String,
    },
    /// The header row names a column twice.
    #[error("CSV body header names the field \"{name}\" twice")]
    DuplicateField {
        /// The repeated name.
        name: String,
    },
    /// The header row has more columns than [`Limits::max_fields`].
    #[error("CSV body has {count} fields, more than the limit of {limit}; reduce the fields sent to the command (e.g. `| fields`)")]
    TooManyFields {
        /// Columns found.
        count: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A row has a different number of cells than the header.
    #[error("CSV body line {line} has {found} fields, but the header has {expected}")]
    RaggedRow {
        /// Line where the record starts (1-based).
        line: u64,
        /// Cells in the row.
        found: usize,
        /// Cells in the header.
        expected: usize,
    },
    /// A row was written before the header row.
    #[error("output row written before the header row")]
    RowBeforeHeader,
    /// A second header row was written.
    #[error("output header row written twice")]
    HeaderTwice,
    /// An output row has a different number of cells than the output header.
    #[error("output row has {found} fields, but the output header has {expected}")]
    WrongFieldCount {
        /// Cells in the row.
        found: usize,
        /// Cells in the header.
        expected: usize,
    },
    /// Any other CSV error (reported by the `csv` crate).
    #[error("CSV body error: {reason}")]
    Csv {
        /// The `csv` crate's description.
        reason: String,
    },
}

impl From<csv::Error> for BodyError {
    fn from(error: csv::Error) -> Self {
        BodyError::Csv {
            reason: error.to_string(),
        }
    }
}

/// Reads the rows of one CSV body, reusing its buffers for all rows.
///
/// Rows without a `"` are split in place, their cells borrowed from the body; quoted rows are
/// unquoted by `csv_core` into one reused buffer. Both give the cells, line numbers and
/// skipped blank lines of the `csv` crate configured for splunkd (CRLF, LF or CR line ends,
/// any number of fields per row).
#[derive(Debug)]
pub struct BodyReader<'a> {
    body: &'a [u8],
    /// Offset in `body` of the first byte not yet read.
    pos: usize,
    /// Line at `pos` (1-based), counted as `csv_core` counts: `\n` bytes consumed.
    line: u64,
    /// The whole body is valid UTF-8 without NUL bytes, so no cell needs checking.
    clean: bool,
    /// Parser for quoted rows (and the header row, so that a byte order mark is handled once).
    core: csv_core::Reader,
    /// Unquoted cells of the last quoted row, back to back.
    unquoted: Vec<u8>,
    /// Where each cell of the last quoted row ends in `unquoted`.
    unquoted_ends: Vec<usize>,
    /// Start and end of each cell of the last row, in the body or in `unquoted`.
    spans: Vec<(usize, usize)>,
    /// Every column of the header, `__mv_` columns included.
    columns: Vec<String>,
    /// Value column names (no `__mv_` columns), in header order.
    fields: Vec<String>,
    /// Record index of each value column.
    value_index: Vec<usize>,
    /// Record index of each value column's `__mv_` column, when there is one.
    mv_index: Vec<Option<usize>>,
}

/// Where the cells of the record just read are.
#[derive(Debug, Clone, Copy)]
enum Cells {
    /// In the body, from this offset.
    Body(usize),
    /// In the reader's `unquoted` buffer.
    Unquoted,
}

impl<'a> BodyReader<'a> {
    /// Reads the header row of `body`. An empty body has no fields and no rows.
    ///
    /// # Errors
    ///
    /// [`BodyError`] when the header is not valid UTF-8, holds a NUL byte, repeats a name, or
    /// has more than `limits.max_fields` columns.
    pub fn new(body: &'a [u8], limits: &Limits) -> Result<Self, BodyError> {
        let mut reader = BodyReader::start(body);
        let line = reader.line;
        if reader.read_quoted() {
            let count = reader.spans.len();
            if count > limits.max_fields {
                return Err(BodyError::TooManyFields {
                    count,
                    limit: limits.max_fields,
                });
            }
            let mut seen = HashSet::with_capacity(count);
            for (i, &(start, end)) in reader.spans.iter().enumerate() {
                let raw = reader.unquoted.get(start..end).unwrap_or_default();
                let field = || format!("column {}", i + 1);
                let name = checked_str(raw, line, field)?;
                if !seen.insert(name) {
                    return Err(BodyError::DuplicateField {
                        name: escape(name.as_bytes(), 64),
                    });
                }
                reader.columns.push(name.to_owned());
            }
        }
        for (i, name) in reader.columns.iter().enumerate() {
            if name.starts_with(MV_PREFIX) {
                continue;
            }
            let mv_name = format!("{MV_PREFIX}{name}");
            reader.fields.push(name.clone());
            reader.value_index.push(i);
            reader
                .mv_index
                .push(reader.columns.iter().position(|c| *c == mv_name));
        }
        Ok(reader)
    }

    /// A reader at the start of `body`, before the header row.
    fn start(body: &'a [u8]) -> Self {
        BodyReader {
            body,
            pos: 0,
            line: 1,
            clean: std::str::from_utf8(body).is_ok() && !body.contains(&0),
            core: csv_core::ReaderBuilder::new()
                .terminator(csv_core::Terminator::CRLF)
                .build(),
            unquoted: Vec::new(),
            unquoted_ends: Vec::new(),
            spans: Vec::new(),
            columns: Vec::new(),
            fields: Vec::new(),
            value_index: Vec::new(),
            mv_index: Vec::new(),
        }
    }

    /// Value column names in header order, without the `__mv_` columns.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Position of the value column `name` in [`fields`](Self::fields).
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f == name)
    }

    /// Reads the next row; `None` at the end of the body.
    ///
    /// # Errors
    ///
    /// [`BodyError`] when the row has a different number of cells than the header, or a cell
    /// is not valid UTF-8 or holds a NUL byte; the error names the line and the field.
    pub fn read_row(&mut self) -> Result<Option<Row<'_>>, BodyError> {
        // As the csv crate does, a row's line is where the previous row ended.
        let line = self.line;
        let Some(cells) = self.read_record() else {
            return Ok(None);
        };
        if self.spans.len() != self.columns.len() {
            return Err(BodyError::RaggedRow {
                line,
                found: self.spans.len(),
                expected: self.columns.len(),
            });
        }
        let bytes: &[u8] = match cells {
            Cells::Body(start) => self.body.get(start..).unwrap_or_default(),
            Cells::Unquoted => &self.unquoted,
        };
        if !self.clean {
            for (&(start, end), name) in self.spans.iter().zip(&self.columns) {
                let raw = bytes.get(start..end).unwrap_or_default();
                checked_str(raw, line, || escape(name.as_bytes(), 64))?;
            }
        }
        Ok(Some(Row {
            bytes,
            spans: &self.spans,
            value_index: &self.value_index,
            mv_index: &self.mv_index,
            line,
        }))
    }

    /// Reads the next record into `spans`; `None` at the end of the body.
    fn read_record(&mut self) -> Option<Cells> {
        // Line ends between records are skipped, as csv_core does between records.
        while let Some(&b) = self.body.get(self.pos) {
            match b {
                b'\n' => self.line += 1,
                b'\r' => {}
                _ => break,
            }
            self.pos += 1;
        }
        let start = self.pos;
        let rest = self.body.get(start..).filter(|rest| !rest.is_empty())?;
        match split_plain(rest, &mut self.spans) {
            Some(PlainRecord { consumed, newline }) => {
                self.pos += consumed;
                self.line += u64::from(newline);
                Some(Cells::Body(start))
            }
            None => self.read_quoted().then_some(Cells::Unquoted),
        }
    }

    /// Reads one record at `pos` with `csv_core` into `unquoted` and `spans`; `false` when
    /// the body has no more records.
    fn read_quoted(&mut self) -> bool {
        use csv_core::ReadRecordResult as Read;
        self.core.set_line(self.line);
        let (mut out, mut ends) = (0, 0);
        loop {
            let input = self.body.get(self.pos..).unwrap_or_default();
            let output = self.unquoted.get_mut(out..).unwrap_or_default();
            let ends_output = self.unquoted_ends.get_mut(ends..).unwrap_or_default();
            let (result, nin, nout, nend) = self.core.read_record(input, output, ends_output);
            self.pos += nin;
            out += nout;
            ends += nend;
            match result {
                Read::InputEmpty => {}
                Read::OutputFull => grow(&mut self.unquoted),
                Read::OutputEndsFull => grow(&mut self.unquoted_ends),
                Read::Record => break,
                Read::End => {
                    self.line = self.core.line();
                    return false;
                }
            }
        }
        self.line = self.core.line();
        self.spans.clear();
        let mut start = 0;
        for &end in self.unquoted_ends.get(..ends).unwrap_or_default() {
            self.spans.push((start, end));
            start = end;
        }
        true
    }
}

/// Doubles a buffer's length (at least 64), for `csv_core` to write more into.
fn grow<T: Default + Clone>(buffer: &mut Vec<T>) {
    let len = (buffer.len() * 2).max(64);
    buffer.resize(len, T::default());
}

/// A record split in place by [`split_plain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PlainRecord {
    /// Bytes of the record and its line end.
    consumed: usize,
    /// Whether the line end was `\n` (a `\r` ends a record too; a `\n` after it is a blank
    /// line to the next record, as in `csv_core`).
    newline: bool,
}

/// Splits a record without quotes at the start of `rest` on `,` up to its line end, writing
/// the cells' spans; `None` when the record has a `"` and needs unquoting.
#[inline]
fn split_plain(rest: &[u8], spans: &mut Vec<(usize, usize)>) -> Option<PlainRecord> {
    spans.clear();
    let mut start = 0;
    for (i, &b) in rest.iter().enumerate() {
        match b {
            b',' => {
                spans.push((start, i));
                start = i + 1;
            }
            b'\n' | b'\r' => {
                spans.push((start, i));
                return Some(PlainRecord {
                    consumed: i + 1,
                    newline: b == b'\n',
                });
            }
            b'"' => return None,
            _ => {}
        }
    }
    spans.push((start, rest.len()));
    Some(PlainRecord {
        consumed: rest.len(),
        newline: false,
    })
}

/// A cell as text, refusing invalid UTF-8 and NUL bytes.
fn checked_str(raw: &[u8], line: u64, field: impl Fn() -> String) -> Result<&str, BodyError> {
    let text = std::str::from_utf8(raw).map_err(|_| BodyError::InvalidUtf8 {
        line,
        field: field(),
    })?;
    if raw.contains(&0) {
        return Err(BodyError::NulByte {
            line,
            field: field(),
        });
    }
    Ok(text)
}

/// One row of a body, borrowed from its [`BodyReader`]. Cells are valid UTF-8 without NUL.
#[derive(Debug, Clone, Copy)]
pub struct Row<'r> {
    /// The bytes the cells are in.
    bytes: &'r [u8],
    /// Start and end of each cell in `bytes`, in header order.
    spans: &'r [(usize, usize)],
    value_index: &'r [usize],
    mv_index: &'r [Option<usize>],
    line: u64,
}

impl<'r> Row<'r> {
    /// The raw cell of value column `field` (`""` when empty or out of range).
    #[inline]
    pub fn get(&self, field: usize) -> &'r [u8] {
        self.value_index
            .get(field)
            .map_or(&[][..], |&i| self.cell(i))
    }

    /// Cell `i` of the record, `__mv_` columns included (`""` when out of range).
    #[inline]
    fn cell(&self, i: usize) -> &'r [u8] {
        let bytes: &'r [u8] = self.bytes;
        self.spans
            .get(i)
            .and_then(|&(start, end)| bytes.get(start..end))
            .unwrap_or_default()
    }

    /// Line of the body where this row starts (1-based), for error messages.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Whether `field` holds several values (its `__mv_` cell is a well-formed list).
    pub fn is_multivalue(&self, field: usize) -> bool {
        self.mv_cell(field).is_some()
    }

    /// The values of `field`: the decoded `__mv_` list when there is one, else the cell
    /// itself, or nothing when the cell is empty. A malformed `__mv_` cell is ignored.
    pub fn values(&self, field: usize) -> Values<'r> {
        match self.mv_cell(field) {
            Some(list) => Values::List(list),
            None => {
                let cell = self.get(field);
                Values::Single((!cell.is_empty()).then_some(cell))
            }
        }
    }

    /// The non-empty, well-formed `__mv_` cell of `field`.
    fn mv_cell(&self, field: usize) -> Option<&'r [u8]> {
        let cell = self
            .mv_index
            .get(field)
            .copied()
            .flatten()
            .map(|i| self.cell(i))?;
        multivalue_list(cell).map(|_| cell)
    }
}

/// The values of a `__mv_` cell (`$a$;$b$`, `$$` escaping a `$`) when it is a non-empty,
/// well-formed list; `None` otherwise (splunkd leaves the cell empty for a single value).
///
/// For readers of splunkd's CSV other than [`BodyReader`] (e.g. an alert's results file).
///
/// # Example
///
/// ```
/// use emailoutlier::protocol::body::multivalue_list;
///
/// let values: Vec<_> = multivalue_list(b"$a$$b$;$c$").unwrap().collect();
/// assert_eq!(values, [&b"a$b"[..], &b"c"[..]]);
/// assert!(multivalue_list(b"").is_none() && multivalue_list(b"$a").is_none());
/// ```
pub fn multivalue_list(cell: &[u8]) -> Option<Values<'_>> {
    if cell.is_empty() {
        return None;
    }
    let mut rest = cell;
    while !rest.is_empty() {
        rest = split_item(rest)?.1;
    }
    Some(Values::List(cell))
}

/// Splits `$item$` (with `$$` escapes) off the front of a multivalue list, returning the
/// raw item (escapes kept) and what follows its `;` separator; `None` if malformed.
fn split_item(list: &[u8]) -> Option<(&[u8], &[u8])> {
    let inner = list.strip_prefix(b"$")?;
    let mut i = 0;
    loop {
        let dollar = i + inner.get(i..)?.iter().position(|&b| b == b'$')?;
        if inner.get(dollar + 1) == Some(&b'$') {
            i = dollar + 2;
            continue;
        }
        let item = inner.get(..dollar)?;
        let after = inner.get(dollar + 1..)?;
        return match after.split_first() {
            None => Some((item, after)),
            Some((b';', next)) => Some((item, next)),
            Some(_) => None,
        };
    }
}

/// Iterator over the values of one field of a [`Row`].
#[derive(Debug, Clone)]
pub enum Values<'r> {
    /// A single value (or none).
    Single(Option<&'r [u8]>),
    /// The rest of a validated `$a$;$b$` list.
    List(&'r [u8]),
}

impl<'r> Iterator for Values<'r> {
    type Item = Cow<'r, [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Values::Single(value) => value.take().map(Cow::Borrowed),
            Values::List(rest) => {
                let (item, next) = split_item(rest)?;
                *rest = next;
                if item.windows(2).any(|w| w == b"$$") {
                    let mut owned = Vec::with_capacity(item.len());
                    let mut bytes = item.iter();
                    while let Some(&b) = bytes.next() {
                        owned.push(b);
                        if b == b'$' {
                            bytes.next();
                        }
                    }
                    Some(Cow::Owned(owned))
                } else {
                    Some(Cow::Borrowed(item))
                }
            }
        }
    }
}

/// Writes a CSV body: one header row, then rows; minimal quoting, LF line ends.
#[derive(Debug)]
pub struct BodyWriter<'a> {
    writer: csv::Writer<&'a mut Vec<u8>>,
    width: Option<usize>,
}

impl<'a> BodyWriter<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        let writer = csv::WriterBuilder::new()
            .terminator(Terminator::Any(b'\n'))
            .quote_style(QuoteStyle::Necessary)
            .from_writer(out);
        BodyWriter {
            writer,
            width: None,
        }
    }

    /// Writes the header row.
    ///
    /// # Errors
    ///
    /// [`BodyError::HeaderTwice`] on a second call.
    pub fn write_header(&mut self, names: &[&str]) -> Result<(), BodyError> {
        if self.width.is_some() {
            return Err(BodyError::HeaderTwice);
        }
        self.writer.write_record(names)?;
        self.width = Some(names.len());
        Ok(())
    }

    /// Writes one row with one cell per header column.
    ///
    /// # Errors
    ///
    /// [`BodyError::RowBeforeHeader`] before the header, [`BodyError::WrongFieldCount`] when
    /// the number of cells differs from the header's.
    pub fn write_row(&mut self, fields: &[&[u8]]) -> Result<(), BodyError> {
        let expected = self.width.ok_or(BodyError::RowBeforeHeader)?;
        if fields.len() != expected {
            return Err(BodyError::WrongFieldCount {
                found: fields.len(),
                expected,
            });
        }
        self.writer.write_record(fields)?;
        Ok(())
    }

    /// Flushes everything written into the output buffer.
    ///
    /// # Errors
    ///
    /// [`BodyError::Csv`] if flushing fails (it cannot for a `Vec`).
    pub fn finish(mut self) -> Result<(), BodyError> {
        self.writer.flush().map_err(|e| BodyError::Csv {
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Field names, and per row per field the decoded values.
    type Table = (Vec<String>, Vec<Vec<Vec<String>>>);

    fn read_all(body: &[u8]) -> Result<Table, BodyError> {
        let mut reader = BodyReader::new(body, &Limits::default())?;
        let fields = reader.fields().to_vec();
        let mut rows = Vec::new();
        while let Some(row) = reader.read_row()? {
            let cells = (0..fields.len())
                .map(|f| {
                    row.values(f)
                        .map(|v| String::from_utf8(v.into_owned()).unwrap())
                        .collect()
                })
                .collect();
            rows.push(cells);
        }
        Ok((fields, rows))
    }

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn empty_body_has_no_fields_and_no_rows() {
        assert_eq!(read_all(b""), Ok((vec![], vec![])));
        let mut reader = BodyReader::new(b"", &Limits::default()).unwrap();
        assert!(reader.read_row().unwrap().is_none());
        assert_eq!(reader.index_of("x"), None);
    }

    #[test]
    fn header_only_zero_rows() {
        let body = b"age,\"accum_age\",\"_chunked_idx\",\"__mv_age\",\"__mv_accum_age\",\"__mv__chunked_idx\"\n";
        let (fields, rows) = read_all(body).unwrap();
        assert_eq!(fields, ["age", "accum_age", "_chunked_idx"]);
        assert!(rows.is_empty());
        let reader = BodyReader::new(body, &Limits::default()).unwrap();
        assert_eq!(reader.index_of("_chunked_idx"), Some(2));
        assert_eq!(reader.index_of("__mv_age"), None);
    }

    #[test]
    fn quoting_newlines_utf8_and_empty_cells() {
        let body = "a,b,c\n\"x, \"\"y\"\"\",\"line1\nline2\",\n한국어😀,\"\",z\r\nlast,\"cr\r\nlf\",\"\"\"\"\n".as_bytes();
        let (fields, rows) = read_all(body).unwrap();
        assert_eq!(fields, ["a", "b", "c"]);
        assert_eq!(
            rows,
            vec![
                vec![v(&["x, \"y\""]), v(&["line1\nline2"]), v(&[])],
                vec![v(&["한국어😀"]), v(&[]), v(&["z"])],
                vec![v(&["last"]), v(&["cr\r\nlf"]), v(&["\""])],
            ]
        );
    }

    #[test]
    fn row_accessors_and_lines() {
        let body = b"a,b,__mv_a\n1,\"two\nlines\",\n3,4,$x$;$y$\n";
        let mut reader = BodyReader::new(body, &Limits::default()).unwrap();
        let row = reader.read_row().unwrap().unwrap();
        assert_eq!(
            (row.get(0), row.get(1), row.get(9)),
            (&b"1"[..], &b"two\nlines"[..], &b""[..])
        );
        assert_eq!(row.line(), 2);
        assert!(!row.is_multivalue(0) && !row.is_multivalue(1));
        let row = reader.read_row().unwrap().unwrap();
        assert_eq!(row.line(), 4);
        assert!(row.is_multivalue(0));
        assert_eq!(
            row.values(0).collect::<Vec<_>>(),
            [Cow::Borrowed(&b"x"[..]), Cow::Borrowed(&b"y"[..])]
        );
        assert_eq!(row.values(1).count(), 1);
    }

    #[test]
    fn multivalue_decoding() {
        let cases: &[(&str, &[&str])] = &[
            ("$FIREFLY-WIN$;$beatles$", &["FIREFLY-WIN", "beatles"]),
            ("$a$$b$;$$$$;$$", &["a$b", "$", ""]),
            ("$$$$$$", &["$$"]),
            ("$only$", &["only"]),
            ("$a$;", &["a"]),
            ("$;$;$,$", &[";", ","]),
            // Malformed lists fall back to the plain cell.
            ("$a", &["plain"]),
            ("a$;$b$", &["plain"]),
            ("$a$b$", &["plain"]),
            ("$a$;;$b$", &["plain"]),
        ];
        for (mv, want) in cases {
            let mut body = b"f,__mv_f\nplain,".to_vec();
            body.extend_from_slice(b"\"");
            body.extend_from_slice(mv.replace('"', "\"\"").as_bytes());
            body.extend_from_slice(b"\"\n");
            let (_, rows) = read_all(&body).unwrap();
            assert_eq!(rows, vec![vec![v(want)]], "{mv}");
        }
    }

    #[test]
    fn mv_column_without_value_column_is_hidden() {
        let (fields, rows) = read_all(b"__mv_ghost,a\n$x$;$y$,1\n").unwrap();
        assert_eq!(fields, ["a"]);
        assert_eq!(rows, vec![vec![v(&["1"])]]);
    }

    #[test]
    fn errors_name_line_and_field() {
        let cases: &[(&[u8], BodyError)] = &[
            (b"a,a\n", BodyError::DuplicateField { name: "a".into() }),
            (
                b"a,\xff\n",
                BodyError::InvalidUtf8 {
                    line: 1,
                    field: "column 2".into(),
                },
            ),
            (
                b"a,b\x00\n",
                BodyError::NulByte {
                    line: 1,
                    field: "column 2".into(),
                },
            ),
            (
                b"a,b\n1,2\n3\n",
                BodyError::RaggedRow {
                    line: 3,
                    found: 1,
                    expected: 2,
                },
            ),
            (
                b"a,b\n1,2\n\"x\ny\",2,3\n",
                BodyError::RaggedRow {
                    line: 3,
                    found: 3,
                    expected: 2,
                },
            ),
            (
                b"a,b\n1,\"x\ny\"\n\xc3,2\n",
                BodyError::InvalidUtf8 {
                    line: 4,
                    field: "a".into(),
                },
            ),
            (
                b"a,b\n1,x\x00\n",
                BodyError::NulByte {
                    line: 2,
                    field: "b".into(),
                },
            ),
        ];
        for (body, want) in cases {
            assert_eq!(
                read_all(body).unwrap_err(),
                *want,
                "{}",
                body.escape_ascii()
            );
        }
        assert_eq!(
            BodyError::RaggedRow {
                line: 3,
                found: 1,
                expected: 2
            }
            .to_string(),
            "CSV body line 3 has 1 fields, but the header has 2"
        );
    }

    #[test]
    fn field_limit() {
        let limits = Limits {
            max_fields: 3,
            ..Limits::default()
        };
        assert!(BodyReader::new(b"a,b,c\n", &limits).is_ok());
        let err = BodyReader::new(b"a,b,c,d\n", &limits).unwrap_err();
        assert_eq!(err, BodyError::TooManyFields { count: 4, limit: 3 });
    }

    #[test]
    fn writer_minimal_quoting_lf() {
        let mut out = Vec::new();
        let mut writer = BodyWriter::new(&mut out);
        assert_eq!(writer.write_row(&[b"x"]), Err(BodyError::RowBeforeHeader));
        writer.write_header(&["host", "_time", "note"]).unwrap();
        assert_eq!(writer.write_header(&["x"]), Err(BodyError::HeaderTwice));
        writer.write_row(&[b"mx1", b"1627354345.934", b""]).unwrap();
        writer
            .write_row(&[b"a,b", b"q\"q", "l1\nl2 ü".as_bytes()])
            .unwrap();
        assert_eq!(
            writer.write_row(&[b"1"]),
            Err(BodyError::WrongFieldCount {
                found: 1,
                expected: 3
            })
        );
        writer.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "host,_time,note\nmx1,1627354345.934,\n\"a,b\",\"q\"\"q\",\"l1\nl2 ü\"\n"
        );
    }

    #[test]
    fn writer_output_reads_back() {
        let mut out = Vec::new();
        let mut writer = BodyWriter::new(&mut out);
        writer.write_header(&["only"]).unwrap();
        writer.write_row(&[b""]).unwrap();
        writer.write_row(&[b"$x$"]).unwrap();
        writer.finish().unwrap();
        let (fields, rows) = read_all(&out).unwrap();
        assert_eq!(fields, ["only"]);
        assert_eq!(rows, vec![vec![v(&[])], vec![v(&["$x$"])]]);
    }

    /// Records (cells, line) as the `csv` crate reads them with splunkd's settings.
    fn csv_crate_records(body: &[u8]) -> Vec<(Vec<Vec<u8>>, u64)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .terminator(Terminator::CRLF)
            .from_reader(body);
        let mut record = csv::ByteRecord::new();
        let mut records = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let line = record.position().unwrap().line();
            records.push((record.iter().map(<[u8]>::to_vec).collect(), line));
        }
        records
    }

    /// Records (cells, line) as [`BodyReader`] reads them: the header with csv_core, then
    /// plain rows in place and quoted rows with csv_core.
    fn body_reader_records(body: &[u8]) -> Vec<(Vec<Vec<u8>>, u64)> {
        let mut reader = BodyReader::start(body);
        let mut records = Vec::new();
        let mut line = reader.line;
        let mut cells = reader.read_quoted().then_some(Cells::Unquoted);
        while let Some(at) = cells {
            let bytes: &[u8] = match at {
                Cells::Body(start) => &reader.body[start..],
                Cells::Unquoted => &reader.unquoted,
            };
            let record = reader.spans.iter().map(|&(s, e)| bytes[s..e].to_vec());
            records.push((record.collect(), line));
            line = reader.line;
            cells = reader.read_record();
        }
        records
    }

    #[test]
    fn records_and_lines_match_the_csv_crate() {
        for body in [
            &b""[..],
            b"\n\n",
            b"a,b\n1,2\n",
            b"a,b\r\n1,2\r\n\r\n3,4",
            b"a\r1\r\r\n2\n\n\n3",
            b"\xef\xbb\xbfa,b\n\xef\xbb\xbf1,2\n\xef\xbb\xbf\"3\",4\n",
            b"\xef\xbb\xbf\"a\",b\n\xef\xbb\xbf1,2\n",
            b"\"a\"\"\",b\n\"x\ny\",2\r\n,\n\"\",\"\"\n",
            b"a,b\n1,\"2\"x\"\",3\n\"\n",
        ] {
            assert_eq!(
                body_reader_records(body),
                csv_crate_records(body),
                "{}",
                body.escape_ascii()
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bodies_never_panic(
            body in proptest::collection::vec(proptest::sample::select(b"ab$;,\"\n\r_mv\xc3\xa9\x00".to_vec()), 0..120),
        ) {
            let body: Vec<u8> = [&b"a,__mv_a,b\n"[..], &body].concat();
            let limits = Limits { max_fields: 8, ..Limits::default() };
            if let Ok(mut reader) = BodyReader::new(&body, &limits) {
                while let Ok(Some(row)) = reader.read_row() {
                    for f in 0..3 {
                        let _ = (row.get(f), row.is_multivalue(f), row.values(f).count());
                    }
                }
            }
        }

        #[test]
        fn records_match_the_csv_crate_on_arbitrary_bodies(
            body in proptest::collection::vec(proptest::sample::select(b"ab,\"\r\n\xef\xbb\xbf".to_vec()), 0..80),
        ) {
            proptest::prop_assert_eq!(body_reader_records(&body), csv_crate_records(&body));
        }

        #[test]
        fn written_rows_read_back(rows in proptest::collection::vec(
            proptest::collection::vec("[a-z$;,\"\n é]{0,6}", 2..=2), 0..8)
        ) {
            let mut out = Vec::new();
            let mut writer = BodyWriter::new(&mut out);
            writer.write_header(&["x", "y"]).unwrap();
            for row in &rows {
                writer.write_row(&[row[0].as_bytes(), row[1].as_bytes()]).unwrap();
            }
            writer.finish().unwrap();
            let mut reader = BodyReader::new(&out, &Limits::default()).unwrap();
            let mut back = Vec::new();
            while let Some(row) = reader.read_row().unwrap() {
                back.push(vec![text(row.get(0)), text(row.get(1))]);
            }
            proptest::prop_assert_eq!(back, rows);
        }
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}
