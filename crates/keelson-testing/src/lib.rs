//! In-process Keelson API server for tests.
