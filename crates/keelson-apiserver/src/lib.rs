//! The Keelson API server.
