//! The objects this server wrote last, kept decoded.
//!
//! A GuaranteedUpdate reads the current object, decodes it, changes it and
//! writes it back with a compare-and-swap. For an object updated again and
//! again (a Deployment being patched, a status being reported), the read and
//! the decode repeat what the previous write already held in memory. As
//! kube-apiserver's GuaranteedUpdate takes its first try from the watch
//! cache, the registry's first try takes the object from here; storage's
//! compare-and-swap decides whether it was still current, and a stale entry
//! costs one conflict and a retry from storage.

use bytes::Bytes;
use parking_lot::Mutex;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// How many objects are kept by default.
pub const DEFAULT_CAPACITY: usize = 1_024;

/// One object as this server last wrote it.
#[derive(Debug, Clone)]
pub struct RecentObject {
    /// The object, `metadata.resourceVersion` set to `revision`.
    pub object: Arc<Value>,
    /// The bytes storage holds for it (no `resourceVersion`).
    pub stored: Bytes,
    /// The storage revision of that write.
    pub revision: i64,
}

/// The last-written objects by storage key, bounded.
#[derive(Debug)]
pub struct RecentWrites {
    entries: Mutex<HashMap<String, Arc<RecentObject>>>,
    capacity: usize,
}

impl RecentWrites {
    /// An empty set holding at most `capacity` objects.
    pub fn new(capacity: usize) -> Self {
        RecentWrites {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// The object last written under `key`, if still kept.
    pub fn get(&self, key: &str) -> Option<Arc<RecentObject>> {
        self.entries.lock().get(key).cloned()
    }

    /// Takes the object last written under `key` out of the set: an update
    /// that will replace it may then own it.
    pub fn take(&self, key: &str) -> Option<Arc<RecentObject>> {
        self.entries.lock().remove(key)
    }

    /// Keeps the object just written under `key`. When full, an arbitrary
    /// other object makes room: which one matters little, as a miss costs
    /// one storage read.
    pub fn put(&self, key: &str, object: RecentObject) {
        let mut entries = self.entries.lock();
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            if let Some(victim) = entries.keys().next().cloned() {
                entries.remove(&victim);
            }
        }
        entries.insert(key.to_string(), Arc::new(object));
    }

    /// Drops what is kept for `key` (it was deleted).
    pub fn forget(&self, key: &str) {
        self.entries.lock().remove(key);
    }

    /// Number of objects kept.
    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for RecentWrites {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(rev: i64) -> RecentObject {
        RecentObject {
            object: Arc::new(json!({"metadata": {"resourceVersion": rev.to_string()}})),
            stored: Bytes::from_static(b"{}"),
            revision: rev,
        }
    }

    #[test]
    fn keeps_the_last_write_per_key_within_capacity() {
        let recent = RecentWrites::new(2);
        recent.put("/a", object(1));
        recent.put("/a", object(2));
        assert_eq!(recent.get("/a").map(|o| o.revision), Some(2));
        recent.put("/b", object(3));
        recent.put("/c", object(4));
        assert_eq!(recent.len(), 2);
        assert_eq!(recent.get("/c").map(|o| o.revision), Some(4));
        assert_eq!(recent.take("/c").map(|o| o.revision), Some(4));
        assert!(recent.get("/c").is_none());
        assert_eq!(recent.len(), 1);
        for key in ["/a", "/b"] {
            recent.forget(key);
        }
        assert!(recent.is_empty());
    }
}
