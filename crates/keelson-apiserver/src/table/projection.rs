//! Reading only what a printer looks at.
//!
//! A Table row needs a handful of fields for its cells and the object's
//! `metadata` verbatim for `includeObject=Metadata`. Parsing every cached
//! object into a whole `serde_json::Value` cost most of a Table LIST (a pod
//! is ~200 JSON nodes, its printer reads ~20), so rows are decoded through a
//! [`Mask`]: fields outside it are skipped without allocating, and
//! `metadata` is kept as the raw bytes it was stored as, to be copied into
//! the row.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

/// A tree of the fields to keep. Paths are dotted (`spec.containers.name`);
/// a list is transparent, so a path through it applies to every element.
#[derive(Debug, Default)]
pub(crate) struct Mask {
    /// Keep this field's whole value.
    all: bool,
    children: Vec<(&'static str, Mask)>,
}

/// What every printer ignores: `managedFields` is often a third of an object.
static SKIPPED_EVERYWHERE: &[&str] = &["managedFields"];

impl Mask {
    /// The mask of a printer's `reads`; an empty list keeps the whole
    /// object but for `metadata.managedFields`.
    pub(crate) fn for_reads(paths: &[&'static str]) -> Mask {
        if paths.is_empty() {
            return Mask {
                all: true,
                children: Vec::new(),
            };
        }
        let mut mask = Mask::default();
        for path in paths {
            let mut node = &mut mask;
            for part in path.split('.') {
                let at = match node.children.iter().position(|(k, _)| *k == part) {
                    Some(i) => i,
                    None => {
                        node.children.push((part, Mask::default()));
                        node.children.len() - 1
                    }
                };
                node = &mut node.children[at].1;
            }
            node.all = true;
        }
        mask
    }

    fn child(&self, key: &str) -> Option<&Mask> {
        static ALL: Mask = Mask {
            all: true,
            children: Vec::new(),
        };
        if self.all {
            return Some(&ALL);
        }
        self.children
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, m)| m)
    }

    /// The mask for `metadata`, which never keeps `managedFields`.
    fn metadata(&self) -> Option<MetadataMask<'_>> {
        self.child("metadata").map(MetadataMask)
    }
}

/// One object decoded through a [`Mask`].
pub(crate) struct Projected<'a> {
    /// The fields the mask keeps (`Null` when the bytes were not an object).
    pub object: Value,
    /// `metadata` exactly as stored.
    pub metadata: Option<&'a RawValue>,
}

/// A row's inputs: the fields its printer reads and the stored `metadata`.
pub(crate) struct Row<'a> {
    /// The fields the printer's mask keeps.
    pub object: Cow<'a, Value>,
    /// `metadata` exactly as stored.
    pub metadata: Option<&'a [u8]>,
}

impl<'a> From<Projected<'a>> for Row<'a> {
    fn from(p: Projected<'a>) -> Self {
        Row {
            object: Cow::Owned(p.object),
            metadata: p.metadata.map(|m| m.get().as_bytes()),
        }
    }
}

/// The projection of one watch-cache object, kept with it.
///
/// A cached object never changes (a write replaces it), so its projection
/// for the resource's printer is computed by the first Table LIST that
/// reads it and reused by every later one: `kubectl get pods` run again
/// over thousands of unchanged pods decodes none of them. Cells are still
/// printed per request, since ages depend on the time of the request.
#[derive(Debug, Default)]
pub struct ProjectionCache(OnceLock<KeptProjection>);

#[derive(Debug)]
struct KeptProjection {
    /// The printer the projection was made for (a resource's cache may be
    /// listed through more than one version, each with its printer).
    printer: usize,
    object: Value,
    /// Where `metadata` sits in the object's JSON.
    metadata: Option<Range<usize>>,
}

impl ProjectionCache {
    /// The row inputs of `json` (the cached object's bytes) for the printer
    /// identified by `printer`, from the cache when it holds that printer's
    /// projection; otherwise decoded, and kept if the cache is empty.
    pub(crate) fn row<'a>(&'a self, json: &'a [u8], printer: usize, mask: &Mask) -> Row<'a> {
        let kept = match self.0.get() {
            Some(kept) => kept,
            None => {
                let projected = project(json, mask);
                let metadata = projected.metadata.map(|m| {
                    let start = m.get().as_ptr() as usize - json.as_ptr() as usize;
                    start..start + m.get().len()
                });
                // Losing a race to another LIST is fine: both decoded the
                // same bytes.
                let _ = self.0.set(KeptProjection {
                    printer,
                    object: projected.object,
                    metadata,
                });
                match self.0.get() {
                    Some(kept) => kept,
                    None => return project(json, mask).into(),
                }
            }
        };
        if kept.printer != printer {
            return project(json, mask).into();
        }
        Row {
            object: Cow::Borrowed(&kept.object),
            metadata: kept.metadata.clone().and_then(|r| json.get(r)),
        }
    }
}

/// Decodes `json` keeping what `mask` names; bytes that are not a JSON
/// object give a `Null` object, as a failed full parse did before.
pub(crate) fn project<'a>(json: &'a [u8], mask: &Mask) -> Projected<'a> {
    let mut de = serde_json::Deserializer::from_slice(json);
    match Top(mask).deserialize(&mut de) {
        Ok(p) => p,
        Err(_) => Projected {
            object: Value::Null,
            metadata: None,
        },
    }
}

/// The top level: like [`Masked`], but `metadata` is also kept raw.
struct Top<'m>(&'m Mask);

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = Projected<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = Projected<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = Map::new();
        let mut metadata = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.as_str();
            if key == "metadata" {
                let raw: &'de RawValue = map.next_value()?;
                metadata = Some(raw);
                if let Some(mask) = self.0.metadata() {
                    let mut de = serde_json::Deserializer::from_str(raw.get());
                    let v = mask.deserialize(&mut de).map_err(de::Error::custom)?;
                    object.insert(key.to_string(), v);
                }
            } else if let Some(mask) = self.0.child(key) {
                object.insert(key.to_string(), map.next_value_seed(Masked(mask))?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Projected {
            object: Value::Object(object),
            metadata,
        })
    }
}

/// `metadata` through its mask, minus [`SKIPPED_EVERYWHERE`].
struct MetadataMask<'m>(&'m Mask);

impl<'de> DeserializeSeed<'de> for MetadataMask<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MetadataMask<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("object metadata")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.as_str();
            match self.0.child(key) {
                Some(mask) if !SKIPPED_EVERYWHERE.contains(&key) => {
                    out.insert(key.to_string(), map.next_value_seed(Masked(mask))?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(out))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

/// Any value through a mask.
struct Masked<'m>(&'m Mask);

impl<'de> DeserializeSeed<'de> for Masked<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if self.0.all {
            serde::Deserialize::deserialize(d)
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Masked<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Masked(self.0))? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.as_str();
            match self.0.child(key) {
                Some(mask) => {
                    out.insert(key.to_string(), map.next_value_seed(Masked(mask))?);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// A map key, borrowed from the input unless it had escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bytes(v: &Value) -> Vec<u8> {
        serde_json::to_vec(v).unwrap()
    }

    #[test]
    fn keeps_only_the_masked_paths_through_lists() {
        let pod = json!({"kind": "Pod", "metadata": {"name": "a", "labels": {"x": "y"},
            "managedFields": [{"manager": "m"}]},
            "spec": {"containers": [{"name": "c", "image": "i", "env": [{"name": "E"}]}, {"name": "d"}],
                     "nodeName": "n1"},
            "status": {"phase": "Running", "podIP": "10.0.0.1"}});
        let raw = bytes(&pod);
        let mask = Mask::for_reads(&["metadata.name", "spec.containers.name", "status.phase"]);
        let p = project(&raw, &mask);
        assert_eq!(
            p.object,
            json!({"metadata": {"name": "a"}, "spec": {"containers": [{"name": "c"}, {"name": "d"}]},
                   "status": {"phase": "Running"}})
        );
        assert_eq!(
            p.metadata.unwrap().get(),
            serde_json::to_string(&pod["metadata"]).unwrap()
        );
    }

    #[test]
    fn an_empty_mask_keeps_everything_but_managed_fields() {
        let obj = json!({"metadata": {"name": "a", "managedFields": [{}], "uid": "u"}, "data": {"k": "v"},
            "n": 1.5, "b": true, "z": null, "neg": -3});
        let raw = bytes(&obj);
        let p = project(&raw, &Mask::for_reads(&[]));
        let mut want = obj.clone();
        want["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        assert_eq!(p.object, want);
    }

    #[test]
    fn escaped_keys_and_bad_input() {
        let raw = br#"{"metadata":{"n\u0061me":"a"},"spec":{"x":1}}"#;
        let p = project(raw, &Mask::for_reads(&["metadata.name"]));
        assert_eq!(p.object, json!({"metadata": {"name": "a"}}));
        assert_eq!(project(b"[1]", &Mask::for_reads(&[])).object, Value::Null);
        assert!(project(b"{\"metadata\":", &Mask::for_reads(&[]))
            .metadata
            .is_none());
    }
}
