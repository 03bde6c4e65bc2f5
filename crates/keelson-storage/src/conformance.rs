//! Backend conformance suite (in progress).
