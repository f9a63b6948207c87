//! Integration tests: the real binary driven through the protocol.

mod conformance;
