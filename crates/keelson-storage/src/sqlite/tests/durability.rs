//! Durability.
