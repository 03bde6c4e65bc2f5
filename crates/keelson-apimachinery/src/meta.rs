//! Object metadata helpers over JSON objects.
