//! The detection, pure: rows in, alerts out.
