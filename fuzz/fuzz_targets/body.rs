//! Arbitrary bytes as a CSV body into `BodyReader`, reading every row, field and value.
//!
//! Invariants: field names are unique and hide the `__mv_` columns; a multivalue field has
//! at least one value; cells and values are valid UTF-8 without NUL; and the rows read,
//! written back with `BodyWriter`, read again as the same fields and cells.
#![no_main]

use std::collections::HashSet;

use emailoutlier::protocol::body::{BodyReader, BodyWriter};
use emailoutlier::protocol::frame::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Some((fields, rows)) = read_all(data, &limits) else {
        return;
    };
    if fields.is_empty() {
        return;
    }
    let mut out = Vec::new();
    let mut writer = BodyWriter::new(&mut out);
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    writer
        .write_header(&names)
        .expect("the fields read are a valid header");
    for row in &rows {
        let cells: Vec<&[u8]> = row.iter().map(Vec::as_slice).collect();
        writer
            .write_row(&cells)
            .expect("a row read has as many cells as the header");
    }
    writer.finish().expect("writing to a Vec cannot fail");
    let again = read_all(&out, &limits).expect("what BodyWriter writes reads back");
    assert_eq!(
        again,
        (fields, rows),
        "rows changed through BodyWriter; it wrote {:?}",
        out.escape_ascii().to_string()
    );
});

/// Value cells of each row, in field order.
type Rows = Vec<Vec<Vec<u8>>>;

/// Field names and value cells of every row, or `None` when the body is rejected.
fn read_all(data: &[u8], limits: &Limits) -> Option<(Vec<String>, Rows)> {
    let mut reader = BodyReader::new(data, limits).ok()?;
    let fields = reader.fields().to_vec();
    let mut unique = HashSet::new();
    for (i, name) in fields.iter().enumerate() {
        assert!(
            !name.starts_with("__mv_"),
            "multivalue column {name} exposed as a field"
        );
        assert!(unique.insert(name.clone()), "field {name} twice");
        assert_eq!(reader.index_of(name), Some(i));
    }
    assert!(fields.len() <= limits.max_fields);
    let mut rows = Vec::new();
    loop {
        let row = match reader.read_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                let message = e.to_string();
                assert!(!message.contains('\n'), "multi-line error: {message}");
                return None;
            }
        };
        let mut cells = Vec::with_capacity(fields.len());
        for i in 0..=fields.len() {
            let cell = row.get(i);
            assert!(std::str::from_utf8(cell).is_ok() && !cell.contains(&0));
            let values: Vec<Vec<u8>> = row.values(i).map(|v| v.into_owned()).collect();
            if row.is_multivalue(i) {
                assert!(!values.is_empty(), "multivalue field {i} without values");
            } else {
                assert_eq!(values.len(), usize::from(!cell.is_empty()));
            }
            for value in &values {
                assert!(std::str::from_utf8(value).is_ok() && !value.contains(&0));
            }
            if i == fields.len() {
                assert!(
                    cell.is_empty() && values.is_empty(),
                    "a field past the last one"
                );
            } else {
                cells.push(cell.to_vec());
            }
        }
        let _ = row.line();
        rows.push(cells);
    }
    Some((fields, rows))
}
