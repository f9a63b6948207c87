//! The alert's results file: a gzipped CSV that splunkd writes, read one row at a time.
//!
//! The CSV is the one splunkd sends a search command (see [`crate::protocol::body`]): a header
//! row, RFC 4180 quoting, and for a multivalue field `X` a column `__mv_X` holding `$a$;$b$`
//! (decoded by [`multivalue_list`]). Rows are parsed with `csv_core` straight from the gzip
//! stream into one reused buffer, so memory is one row (at most [`MAX_ROW_BYTES`]) however
//! many rows the file has.
//!
//! # Example
//!
//! ```
//! use std::io::Write;
//! use emailoutlier::alert::results::ResultsReader;
//!
//! let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
//! gz.write_all(b"dest_ip,n,__mv_n\n10.0.0.1,,$1$;$2$\n")?;
//! let bytes = gz.finish()?;
//! let mut reader = ResultsReader::new(&bytes[..])?;
//! assert_eq!(reader.fields(), ["dest_ip", "n"]);
//! let row = reader.read_row()?.unwrap();
//! assert_eq!(row.values(0), [&b"10.0.0.1"[..]]);
//! assert_eq!(row.values(1), [&b"1"[..], &b"2"[..]]);
//! assert!(reader.read_row()?.is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, ErrorKind, Read};

use csv_core::ReadRecordResult;
use flate2::bufread::MultiGzDecoder;

use crate::protocol::body::multivalue_list;

/// Largest row (all its cells together, unquoted), in bytes.
pub const MAX_ROW_BYTES: usize = 16 * 1024 * 1024;
/// Most columns in the header (`__mv_` columns included), as for the search command.
pub const MAX_COLUMNS: usize = 10_000;

/// Prefix of splunkd's multivalue columns.
const MV_PREFIX: &str = "__mv_";

/// A results file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResultsError {
    /// Reading or decompressing failed (not gzip, truncated, unreadable).
    #[error("{what}: {source}")]
    Io {
        /// What was being read, e.g. "the gzip data is damaged or truncated".
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The decompressed bytes are not the CSV splunkd writes.
    #[error("not a CSV of search results: line {line}: {reason}")]
    NotCsv {
        /// Line where the record starts (1-based).
        line: u64,
        /// What is wrong.
        reason: String,
    },
}

/// Streams the rows of a gzipped results CSV.
pub struct ResultsReader<R: Read> {
    input: BufReader<MultiGzDecoder<BufReader<R>>>,
    core: csv_core::Reader,
    /// Unquoted cells of the current record, back to back.
    cells: Vec<u8>,
    /// End of each cell in `cells`.
    ends: Vec<usize>,
    /// Every column name, `__mv_` columns included.
    columns: Vec<String>,
    /// Value column names (no `__mv_` columns).
    fields: Vec<String>,
    /// Record index of each value column and of its `__mv_` column.
    index: Vec<(usize, Option<usize>)>,
    /// Line where the next record starts.
    line: u64,
    /// Whether the bytes read so far end inside a quoted field.
    quotes: QuoteState,
}

/// Follows the quoting of the raw CSV bytes beside `csv_core`, whose reader keeps its state
/// private: at the end of the input a record that csv_core completes may still be inside an
/// open quote (`1,"10.0.0.1\n2,3\n`), which must be an error, not a value.
///
/// The rules are csv_core's: a `"` opens a quoted field only as the first byte of a field;
/// inside, `""` is a quote and `"` followed by anything else closes the field (the rest of the
/// field is taken literally); elsewhere a `"` is an ordinary byte.
#[derive(Debug, Clone, Copy, Default)]
struct QuoteState {
    /// The next byte starts a field (start of input, after `,`, `\r` or `\n`).
    not_field_start: bool,
    /// Inside a quoted field.
    quoted: bool,
    /// Inside a quoted field, the previous byte was a `"` (an escape or the closing quote).
    quote_seen: bool,
    /// Lines started so far (1-based line of the current byte).
    line: u64,
    /// Line where the open quoted field began.
    open_line: u64,
}

impl QuoteState {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.quoted {
                if self.quote_seen {
                    self.quote_seen = false;
                    if b == b'"' {
                        // `""`: a quote inside the field.
                        continue;
                    }
                    self.quoted = false;
                    self.unquoted(b);
                } else if b == b'"' {
                    self.quote_seen = true;
                }
            } else {
                self.unquoted(b);
            }
            if b == b'\n' {
                self.line += 1;
            }
        }
    }

    fn unquoted(&mut self, b: u8) {
        if b == b'"' && !self.not_field_start {
            self.quoted = true;
            self.open_line = self.line;
        }
        self.not_field_start = !matches!(b, b',' | b'\r' | b'\n');
    }

    /// The line where a quoted field opened and was never closed, if the bytes so far end
    /// inside one.
    fn unterminated(&self) -> Option<u64> {
        (self.quoted && !self.quote_seen).then_some(self.open_line)
    }
}

impl<R: Read> ResultsReader<R> {
    /// Starts reading gzip bytes from `input` and reads the header row. A file whose CSV is
    /// empty has no fields and no rows.
    ///
    /// # Errors
    ///
    /// [`ResultsError`] when the input is not gzip, is truncated, or its header is not valid
    /// CSV (not UTF-8, a NUL byte, a repeated or empty name, more than [`MAX_COLUMNS`]).
    pub fn new(input: R) -> Result<Self, ResultsError> {
        let gzip = MultiGzDecoder::new(BufReader::new(input));
        let mut reader = ResultsReader {
            input: BufReader::with_capacity(64 * 1024, gzip),
            core: csv_core::ReaderBuilder::new()
                .terminator(csv_core::Terminator::CRLF)
                .build(),
            cells: Vec::new(),
            ends: Vec::new(),
            columns: Vec::new(),
            fields: Vec::new(),
            index: Vec::new(),
            line: 1,
            quotes: QuoteState {
                line: 1,
                ..QuoteState::default()
            },
        };
        if !reader.read_record()? {
            return Ok(reader);
        }
        if reader.ends.len() > MAX_COLUMNS {
            return Err(reader.not_csv(
                1,
                format!(
                    "the header has {} columns, more than the limit of {MAX_COLUMNS}",
                    reader.ends.len()
                ),
            ));
        }
        let mut seen = HashSet::new();
        for i in 0..reader.ends.len() {
            let name = reader.cell_str(i, 1, || format!("column {}", i + 1))?;
            if name.is_empty() {
                return Err(reader.not_csv(1, format!("column {} has no name", i + 1)));
            }
            if !seen.insert(name.to_owned()) {
                return Err(reader.not_csv(1, format!("the header names \"{name}\" twice")));
            }
            reader.columns.push(name.to_owned());
        }
        for (i, name) in reader.columns.iter().enumerate() {
            if name.starts_with(MV_PREFIX) {
                continue;
            }
            let mv = format!("{MV_PREFIX}{name}");
            reader.fields.push(name.clone());
            reader
                .index
                .push((i, reader.columns.iter().position(|c| *c == mv)));
        }
        Ok(reader)
    }

    /// Value field names in header order, without the `__mv_` columns.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Reads the next row; `None` at the end of the file.
    ///
    /// # Errors
    ///
    /// [`ResultsError`] when the gzip stream is damaged or truncated, or the row is not valid
    /// CSV for the header (other cell count, not UTF-8, NUL byte, over [`MAX_ROW_BYTES`]).
    pub fn read_row(&mut self) -> Result<Option<ResultRow<'_>>, ResultsError> {
        let line = self.line;
        if !self.read_record()? {
            return Ok(None);
        }
        if self.ends.len() != self.columns.len() {
            return Err(self.not_csv(
                line,
                format!(
                    "the row has {} fields, but the header has {}",
                    self.ends.len(),
                    self.columns.len()
                ),
            ));
        }
        for i in 0..self.ends.len() {
            let name = || self.columns.get(i).cloned().unwrap_or_default();
            self.cell_str(i, line, name)?;
        }
        Ok(Some(ResultRow {
            reader_cells: &self.cells,
            ends: &self.ends,
            index: &self.index,
            line,
        }))
    }

    /// Reads one record into `cells`/`ends`; `false` at the end of the input.
    fn read_record(&mut self) -> Result<bool, ResultsError> {
        self.core.set_line(self.line);
        let (mut out, mut ends) = (0, 0);
        loop {
            let input = match self.input.fill_buf() {
                Ok(input) => input,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(source) => return Err(gzip_error(source)),
            };
            let output = self.cells.get_mut(out..).unwrap_or_default();
            let ends_out = ends_buffer(&mut self.ends, ends);
            let at_end = input.is_empty();
            let (result, nin, nout, nend) = self.core.read_record(input, output, ends_out);
            self.quotes.feed(input.get(..nin).unwrap_or_default());
            self.input.consume(nin);
            out += nout;
            ends += nend;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if self.cells.len() >= MAX_ROW_BYTES {
                        return Err(self.not_csv(
                            self.line,
                            format!("a row is larger than the limit of {MAX_ROW_BYTES} bytes"),
                        ));
                    }
                    let len = (self.cells.len() * 2).clamp(4096, MAX_ROW_BYTES);
                    self.cells.resize(len, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() > MAX_COLUMNS {
                        return Err(self.not_csv(
                            self.line,
                            format!("a row has more than {MAX_COLUMNS} fields"),
                        ));
                    }
                    let len = (self.ends.len() * 2).max(64);
                    self.ends.resize(len, 0);
                }
                ReadRecordResult::Record => {
                    if let Some(open) = self.quotes.unterminated().filter(|_| at_end) {
                        return Err(self.not_csv(
                            open,
                            "unterminated quoted field: the file ends inside the quotes opened on this line".to_owned(),
                        ));
                    }
                    self.line = self.core.line();
                    self.ends.truncate(ends);
                    return Ok(true);
                }
                ReadRecordResult::End => {
                    self.line = self.core.line();
                    self.ends.clear();
                    return Ok(false);
                }
            }
        }
    }

    /// Cell `i` as text, refusing invalid UTF-8 and NUL bytes.
    fn cell_str(
        &self,
        i: usize,
        line: u64,
        name: impl Fn() -> String,
    ) -> Result<&str, ResultsError> {
        let raw = cell(&self.cells, &self.ends, i);
        let text = std::str::from_utf8(raw)
            .map_err(|_| self.not_csv(line, format!("field \"{}\" is not valid UTF-8", name())))?;
        if raw.contains(&0) {
            return Err(self.not_csv(line, format!("field \"{}\" contains a NUL byte", name())));
        }
        Ok(text)
    }

    fn not_csv(&self, line: u64, reason: String) -> ResultsError {
        ResultsError::NotCsv { line, reason }
    }
}

/// The ends buffer past the `used` entries, restored to its full capacity first.
fn ends_buffer(ends: &mut Vec<usize>, used: usize) -> &mut [usize] {
    let capacity = ends.capacity().max(64);
    ends.resize(capacity, 0);
    ends.get_mut(used..).unwrap_or_default()
}

/// Names what failed while decompressing, for the user.
fn gzip_error(source: std::io::Error) -> ResultsError {
    let what = match source.kind() {
        ErrorKind::UnexpectedEof => "the gzip data is damaged or truncated",
        ErrorKind::InvalidInput | ErrorKind::InvalidData => "not a valid gzip file",
        _ => "cannot read the results file",
    };
    ResultsError::Io {
        what: what.to_owned(),
        source,
    }
}

/// Cell `i` of a record whose cells end at `ends` in `cells`.
fn cell<'c>(cells: &'c [u8], ends: &[usize], i: usize) -> &'c [u8] {
    let start = if i == 0 {
        0
    } else {
        ends.get(i - 1).copied().unwrap_or(0)
    };
    let end = ends.get(i).copied().unwrap_or(start);
    cells.get(start..end).unwrap_or_default()
}

/// One row of a results file, borrowed from its reader. Cells are UTF-8 without NUL.
#[derive(Debug, Clone, Copy)]
pub struct ResultRow<'r> {
    reader_cells: &'r [u8],
    ends: &'r [usize],
    index: &'r [(usize, Option<usize>)],
    line: u64,
}

impl<'r> ResultRow<'r> {
    /// The values of value field `field`: the decoded `__mv_` list when there is one, else
    /// the cell itself, or none when the cell is empty.
    pub fn values(&self, field: usize) -> Vec<Cow<'r, [u8]>> {
        let Some(&(value, mv)) = self.index.get(field) else {
            return Vec::new();
        };
        if let Some(list) = mv.and_then(|i| multivalue_list(cell(self.reader_cells, self.ends, i)))
        {
            return list.collect();
        }
        let single = cell(self.reader_cells, self.ends, value);
        if single.is_empty() {
            Vec::new()
        } else {
            vec![Cow::Borrowed(single)]
        }
    }

    /// The raw cell of value field `field` (`""` when empty).
    pub fn get(&self, field: usize) -> &'r [u8] {
        self.index
            .get(field)
            .map_or(&[][..], |&(i, _)| cell(self.reader_cells, self.ends, i))
    }

    /// Line of the decompressed CSV where this row starts (1-based).
    pub fn line(&self) -> u64 {
        self.line
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    }

    /// Per row, each field's values.
    type Rows = Vec<Vec<Vec<String>>>;

    /// Fields and, per row, each field's values.
    fn read_all(gz: &[u8]) -> Result<(Vec<String>, Rows), ResultsError> {
        let mut reader = ResultsReader::new(gz)?;
        let fields = reader.fields().to_vec();
        let mut rows = Vec::new();
        while let Some(row) = reader.read_row()? {
            rows.push(
                (0..fields.len())
                    .map(|f| {
                        row.values(f)
                            .into_iter()
                            .map(|v| String::from_utf8(v.into_owned()).unwrap())
                            .collect()
                    })
                    .collect(),
            );
        }
        Ok((fields, rows))
    }

    #[test]
    fn rows_quotes_newlines_multivalues() {
        let csv = "dest_ip,msg,__mv_msg,_time\n10.0.0.1,\"a \"\"q\"\"\nb\",,1\n\"10.0.0.2\",,\"$x$$y$;$z$\",2\r\n";
        let (fields, rows) = read_all(&gzip(csv.as_bytes())).unwrap();
        assert_eq!(fields, ["dest_ip", "msg", "_time"]);
        assert_eq!(
            rows,
            [
                vec![vec!["10.0.0.1"], vec!["a \"q\"\nb"], vec!["1"]],
                vec![vec!["10.0.0.2"], vec!["x$y", "z"], vec!["2"]],
            ]
            .map(|r| r
                .into_iter()
                .map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
                .collect::<Vec<_>>())
        );
    }

    #[test]
    fn empty_csv_has_no_fields() {
        assert_eq!(read_all(&gzip(b"")).unwrap(), (vec![], vec![]));
    }

    #[test]
    fn errors() {
        let text = |r: Result<_, ResultsError>| r.unwrap_err().to_string();
        assert!(text(read_all(b"dest_ip\n1\n")).starts_with("not a valid gzip file"));
        let whole = gzip(b"a,b\n1,2\n3,4\n");
        assert!(
            text(read_all(&whole[..whole.len() - 6]))
                .starts_with("the gzip data is damaged or truncated"),
            "{}",
            text(read_all(&whole[..whole.len() - 6]))
        );
        let cases: &[(&[u8], &str)] = &[
            (
                b"a,b\n1\n",
                "not a CSV of search results: line 2: the row has 1 fields, but the header has 2",
            ),
            (
                b"a,a\n",
                "not a CSV of search results: line 1: the header names \"a\" twice",
            ),
            (
                b"a,\n",
                "not a CSV of search results: line 1: column 2 has no name",
            ),
            (
                b"a\n\xff\n",
                "not a CSV of search results: line 2: field \"a\" is not valid UTF-8",
            ),
            (
                b"a\nx\x00\n",
                "not a CSV of search results: line 2: field \"a\" contains a NUL byte",
            ),
        ];
        for (csv, want) in cases {
            assert_eq!(text(read_all(&gzip(csv))), *want);
        }
    }

    #[test]
    fn a_file_ending_inside_quotes_is_an_error() {
        let unterminated = |line: u64| {
            format!("not a CSV of search results: line {line}: unterminated quoted field: the file ends inside the quotes opened on this line")
        };
        for (csv, line) in [
            (&b"_time,dest_ip\n1,\"10.0.0.1\n2,3\n"[..], 2),
            (b"_time,dest_ip\n1,\"10.0.0.1", 2),
            (b"_time,dest_ip\n1,\"10.0.0.1\"\"", 2),
            (b"_time,dest_ip\n1,2\n\"", 3),
            (b"a,\"b", 1),
            (b"a\r\nx\r\n\"y\r\n", 3),
        ] {
            let got = read_all(&gzip(csv)).map(|_| ()).unwrap_err().to_string();
            assert_eq!(got, unterminated(line), "{}", csv.escape_ascii());
        }
        let one = |v: &str| vec![vec!["1".to_owned()], vec![v.to_owned()]];
        for (csv, value) in [
            (&b"_time,dest_ip\n1,\"10.0.0.1\"\n"[..], "10.0.0.1"),
            (b"_time,dest_ip\n1,\"10.0.0.1\"", "10.0.0.1"),
            (b"_time,dest_ip\n1,\"a\"\"\"", "a\""),
            (b"_time,dest_ip\n1,\"a\nb\"\r\n", "a\nb"),
            (b"_time,dest_ip\n1,a\"b", "a\"b"),
            (b"_time,dest_ip\n1,\"a\"b\n", "ab"),
        ] {
            let (_, rows) = read_all(&gzip(csv)).unwrap();
            assert_eq!(rows, [one(value)], "{}", csv.escape_ascii());
        }
    }

    #[test]
    fn gzip_with_trailing_garbage_is_damaged() {
        let mut bytes = gzip(b"a\n1\n");
        bytes.extend_from_slice(b"junk");
        let got = read_all(&bytes).unwrap_err().to_string();
        assert!(
            got.starts_with("the gzip data is damaged or truncated: "),
            "{got}"
        );
    }

    #[test]
    fn row_size_limit() {
        let mut csv = b"a\n".to_vec();
        csv.resize(csv.len() + MAX_ROW_BYTES + 10, b'x');
        let message = read_all(&gzip(&csv)).unwrap_err().to_string();
        assert_eq!(
            message,
            format!("not a CSV of search results: line 2: a row is larger than the limit of {MAX_ROW_BYTES} bytes")
        );
    }
}
