//! argv → mode; exit codes. Nothing else.
fn main() {}
