//! A [`RowSink`] for the detection's unit tests: the output as comma-joined text.

use super::engine::RowSink;

/// Keeps the header and rows as comma-joined text.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    pub(crate) header: String,
    pub(crate) rows: Vec<String>,
}

impl RowSink for Lines {
    type Error = std::convert::Infallible;
    fn write_header(&mut self, names: &[&str]) -> Result<(), Self::Error> {
        self.header = names.join(",");
        Ok(())
    }
    fn write_row(&mut self, fields: &[&[u8]]) -> Result<(), Self::Error> {
        let texts: Vec<String> = fields
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        self.rows.push(texts.join(","));
        Ok(())
    }
}
