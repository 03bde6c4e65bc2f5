//! The field manager of one endpoint (kube-apiserver's `FieldManager` and
//! the managers it wraps): keeps `metadata.managedFields` on every write and
//! performs server-side apply.
//!
//! Updates (create, update, non-apply patch) give their manager the fields
//! they changed, merged into its previous `Update` entry. Applies merge the
//! configuration, check conflicts, prune what the applier dropped, and keep
//! one `Apply` entry per manager. Around that, as in kube-apiserver:
//! typemeta and server-set metadata are never owned; an object whose
//! managed fields were cleared is not tracked again until an apply, which
//! first gives everything already set to `before-first-apply`; more than
//! ten update entries are folded into `ancient-changes`; a client may
//! replace the entries (kept if valid) or clear them (`[]` or `[{}]`); and
//! `kubectl`'s server-side apply takes over fields from a client-side apply
//! that set the same values, and keeps the client-side annotation in step.

use super::fields::{to_field_set, Strictness};
use super::fieldset::Set;
use super::managed::{is_reset, Managed, ManagerId, VersionedSet, APPLY, UPDATE};
use super::merge::compare;
use super::path::PathElement;
use super::remove::empty_object;
use super::typeref::TypeRef;
use super::updater::{Conflict, ResetFields, Updater};
use super::value;
use crate::status::{ApiError, StatusCause};
use serde_json::{Map, Value};

/// Update entries kept before the oldest are folded together.
pub const MAX_UPDATE_MANAGERS: usize = 10;
/// kubectl's client-side apply annotation.
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// The field manager `kubectl apply --server-side` uses by default.
pub const KUBECTL_APPLY_MANAGER: &str = "kubectl";

const CURRENT_OPERATION: &str = "current-operation";
const BEFORE_FIRST_APPLY: &str = "before-first-apply";
const ANCIENT_CHANGES: &str = "ancient-changes";
const MAX_ANNOTATIONS_BYTES: usize = 256 * 1024;

/// Metadata nobody owns.
const STRIPPED: &[&[&str]] = &[
    &["apiVersion"],
    &["kind"],
    &["metadata"],
    &["metadata", "name"],
    &["metadata", "namespace"],
    &["metadata", "creationTimestamp"],
    &["metadata", "selfLink"],
    &["metadata", "uid"],
    &["metadata", "clusterName"],
    &["metadata", "generation"],
    &["metadata", "managedFields"],
    &["metadata", "resourceVersion"],
];

/// Why an apply failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyError {
    /// Fields other managers own would change (409).
    Conflicts(Vec<Conflict>),
    /// The request is malformed (400).
    BadRequest(String),
    /// The configuration does not fit the schema; kube-apiserver answers
    /// these with a bare 500 (no reason).
    Unprocessable(String),
}

impl From<ApplyError> for ApiError {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::Conflicts(conflicts) => conflict_error(&conflicts),
            ApplyError::BadRequest(m) => ApiError::bad_request(m),
            ApplyError::Unprocessable(m) => ApiError::new(500, "", m),
        }
    }
}

/// kube-apiserver's 409 for apply conflicts.
fn conflict_error(conflicts: &[Conflict]) -> ApiError {
    let describe = |m: &str| ManagerId::decode(m).describe();
    let message = if let [only] = conflicts {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            describe(&only.manager),
            only.field()
        )
    } else {
        let mut managers: Vec<&str> = conflicts.iter().map(|c| c.manager.as_str()).collect();
        managers.sort();
        managers.dedup();
        let mut lines = Vec::new();
        for m in managers {
            lines.push(format!("conflicts with {}:", describe(m)));
            for c in conflicts.iter().filter(|c| c.manager == m) {
                lines.push(format!("- {}", c.field()));
            }
        }
        format!(
            "Apply failed with {} conflicts: {}",
            conflicts.len(),
            lines.join("\n")
        )
    };
    let mut e = ApiError::new(409, "Conflict", message);
    e.causes = conflicts
        .iter()
        .map(|c| {
            StatusCause::new(
                "FieldManagerConflict",
                format!("conflict with {}", describe(&c.manager)),
                c.field(),
            )
        })
        .collect();
    e
}

/// The field manager of one resource endpoint.
#[derive(Debug, Clone)]
pub struct FieldManager<'s> {
    /// The kind's type.
    pub schema: TypeRef<'s>,
    /// `group/version` of the endpoint (`apps/v1`, `v1`).
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// The subresource written (`status`, `scale`), or empty.
    pub subresource: String,
    /// Fields this endpoint never changes.
    pub reset: ResetFields,
}

fn managed_fields_of(obj: &Value) -> Option<&Value> {
    obj.get("metadata")?.get("managedFields")
}

fn remove_managed_fields(obj: &mut Value) {
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
}

fn set_managed_fields(obj: &mut Value, managed: &Managed) {
    let entries = managed.encode();
    let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        if entries.is_empty() {
            return;
        }
        let mut meta = Map::new();
        meta.insert("managedFields".into(), Value::Array(entries));
        if let Some(o) = obj.as_object_mut() {
            o.insert("metadata".into(), Value::Object(meta));
        }
        return;
    };
    if entries.is_empty() {
        m.remove("managedFields");
    } else {
        m.insert("managedFields".into(), Value::Array(entries));
    }
}

fn strip_set() -> &'static Set {
    static STRIP: std::sync::OnceLock<Set> = std::sync::OnceLock::new();
    STRIP.get_or_init(|| {
        let paths: Vec<Vec<PathElement>> = STRIPPED
            .iter()
            .map(|p| p.iter().map(|f| PathElement::field(f)).collect())
            .collect();
        Set::from_paths(paths.iter().map(Vec::as_slice))
    })
}

fn strip_meta(fields: &mut super::updater::ManagedFields, manager: &str) {
    if let Some(vs) = fields.get_mut(manager) {
        let strip = strip_set();
        // In place: only a few members at the top and under metadata go.
        vs.set.members.retain(|pe| !strip.members.contains(pe));
        for (pe, stripped) in &strip.children {
            if let Some(child) = vs.set.children.get_mut(pe) {
                child.members.retain(|m| !stripped.members.contains(m));
                if child.is_empty() {
                    vs.set.children.remove(pe);
                }
            }
        }
        if vs.set.is_empty() {
            fields.remove(manager);
        }
    }
}

/// `group/version, Kind=kind` as Go prints a GroupVersionKind.
fn gvk_string(api_version: &str, kind: &str) -> String {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    format!("{group}/{version}, Kind={kind}")
}

fn meta_string<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn top_string<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get(field).and_then(Value::as_str).unwrap_or("")
}

/// Keys sorted at every level, as Go encodes maps.
fn sorted_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

fn last_applied(obj: &Value) -> Option<&str> {
    obj.get("metadata")?
        .get("annotations")?
        .get(LAST_APPLIED_ANNOTATION)?
        .as_str()
        .filter(|s| !s.is_empty())
}

/// The annotation value kubectl's client-side apply would have written for
/// `config`: its JSON, keys sorted, with a final newline.
fn build_last_applied(config: &Value) -> String {
    let mut c = config.clone();
    if let Some(a) = c
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        a.remove(LAST_APPLIED_ANNOTATION);
    }
    let mut s = crate::codec::to_json(&sorted_keys(&c));
    s.push('\n');
    s
}

fn set_last_applied(obj: &mut Value, value: String) {
    let meta = crate::meta::metadata_mut(obj);
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !annotations.is_object() {
        *annotations = Value::Object(Map::new());
    }
    let Some(a) = annotations.as_object_mut() else {
        return;
    };
    a.insert(LAST_APPLIED_ANNOTATION.into(), Value::String(value));
    let size: usize = a
        .iter()
        .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
        .sum();
    if size > MAX_ANNOTATIONS_BYTES {
        a.remove(LAST_APPLIED_ANNOTATION);
    }
}

/// When a write changes nothing but managed-field timestamps, the stored
/// entries are kept, so that the write is a no-op (kube-apiserver's
/// `IgnoreManagedFieldsTimestampsTransformer`).
pub fn keep_timestamps_if_unchanged(current: &Value, new: &mut Value) {
    let (Some(old_entries), Some(new_entries)) =
        (managed_fields_of(current), managed_fields_of(new))
    else {
        return;
    };
    // Compared in place: this runs on every update, and almost every update
    // changes the object, which the first test finds early (a spec change
    // bumps metadata.generation) without copying it. Entries often compare
    // equal only at their end (same second), so they are compared last.
    if !equal_but_managed_fields(current, new)
        || old_entries == new_entries
        || !equal_but_times(old_entries, new_entries)
    {
        return;
    }
    let kept = old_entries.clone();
    crate::meta::set_meta(new, "managedFields", Some(kept));
}

/// Whether two objects are equal but for `metadata.managedFields`.
fn equal_but_managed_fields(a: &Value, b: &Value) -> bool {
    fn equal_except(a: &Map<String, Value>, b: &Map<String, Value>, skip: &str) -> bool {
        let kept = |m: &Map<String, Value>| m.keys().filter(|k| k.as_str() != skip).count();
        kept(a) == kept(b)
            && a.iter()
                .filter(|(k, _)| k.as_str() != skip)
                .all(|(k, v)| b.get(k).is_some_and(|w| value::equal(v, w)))
    }
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return value::equal(a, b);
    };
    let metadata_equal = match (a.get("metadata"), b.get("metadata")) {
        (Some(Value::Object(ma)), Some(Value::Object(mb))) => equal_except(ma, mb, "managedFields"),
        (ma, mb) => ma == mb,
    };
    metadata_equal && equal_except(a, b, "metadata")
}

/// Whether two `managedFields` lists are equal but for the entries' `time`.
fn equal_but_times(a: &Value, b: &Value) -> bool {
    let (Some(a), Some(b)) = (a.as_array(), b.as_array()) else {
        return a == b;
    };
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| match (x.as_object(), y.as_object()) {
                (Some(x), Some(y)) => {
                    let untimed =
                        |m: &Map<String, Value>| m.keys().filter(|k| *k != "time").count();
                    untimed(x) == untimed(y)
                        && x.iter()
                            .filter(|(k, _)| k.as_str() != "time")
                            .all(|(k, v)| y.get(k) == Some(v))
                }
                _ => x == y,
            })
}

impl<'s> FieldManager<'s> {
    fn updater(&self) -> Updater<'s> {
        Updater {
            schema: self.schema,
            reset: self.reset.clone(),
        }
    }

    /// A new, empty object of the kind, as the live object of a create.
    pub fn empty_object(&self) -> Value {
        empty_object(self.schema)
    }

    /// Records an update of `live` into `new` by `manager`: sets `new`'s
    /// `metadata.managedFields`. `live` is [`FieldManager::empty_object`]
    /// for a create. `sent` holds the `managedFields` the client sent, when
    /// it sent any (they replace the stored ones if valid).
    pub fn update(
        &self,
        live: &Value,
        new: &mut Value,
        sent: Option<&Value>,
        manager: &str,
        now: &str,
    ) {
        remove_managed_fields(new);
        if let Some(carry) = self.carryover(live, new, sent, manager, now) {
            if let Some(entries) = managed_fields_of(live).and_then(Value::as_array) {
                if set_entries(new, carry.apply(entries.clone(), now)) {
                    return;
                }
            }
        }
        self.update_decoded(live, new, sent, manager, now);
    }

    /// [`FieldManager::update`] for a caller done with `live`'s managed
    /// fields: when they carry over (no field changes hands) they are moved
    /// into `new` instead of copied, and `true` is returned; `live` is then
    /// left without them. Otherwise `live` is untouched.
    pub fn update_taking(
        &self,
        live: &mut Value,
        new: &mut Value,
        sent: Option<&Value>,
        manager: &str,
        now: &str,
    ) -> bool {
        remove_managed_fields(new);
        if let Some(carry) = self.carryover(live, new, sent, manager, now) {
            if new.get("metadata").is_some_and(Value::is_object) {
                if let Some(Value::Array(entries)) = live
                    .get_mut("metadata")
                    .and_then(Value::as_object_mut)
                    .and_then(|m| m.remove("managedFields"))
                {
                    return set_entries(new, carry.apply(entries, now));
                }
            }
        }
        self.update_decoded(live, new, sent, manager, now);
        false
    }

    /// Whether the stored entries carry over (see
    /// [`FieldManager::entries_if_ownership_stays`]); debug builds (every
    /// test) check each such update against the general way.
    fn carryover(
        &self,
        live: &Value,
        new: &Value,
        sent: Option<&Value>,
        manager: &str,
        now: &str,
    ) -> Option<Carryover> {
        let from_live = sent.is_none() || !self.subresource.is_empty();
        if !from_live {
            return None;
        }
        let carry = self.entries_if_ownership_stays(live, new, manager)?;
        #[cfg(debug_assertions)]
        {
            let mut general = new.clone();
            self.update_decoded(live, &mut general, sent, manager, now);
            let entries = managed_fields_of(live).and_then(Value::as_array).cloned();
            assert_eq!(
                managed_fields_of(&general),
                entries.map(|e| Value::Array(carry.apply(e, now))).as_ref(),
                "managed fields of an update that moves no field differ from the general way's"
            );
        }
        #[cfg(not(debug_assertions))]
        let _ = now;
        Some(carry)
    }

    /// [`FieldManager::update`] by decoding every entry, recording the
    /// change, and encoding them again.
    fn update_decoded(
        &self,
        live: &Value,
        new: &mut Value,
        sent: Option<&Value>,
        manager: &str,
        now: &str,
    ) {
        let mut managed = self.decode_live_or_sent(live, sent);
        // An existing object without managed fields stays untracked until
        // it is applied to.
        if managed.is_empty() && !meta_string(live, "uid").is_empty() {
            return;
        }
        // The stored entries in `live` are compared like any field, and
        // never owned (they are stripped).
        self.track_update(live, new, &mut managed, manager, now);
        set_managed_fields(new, &managed);
    }

    /// The usual update: the updater changes only fields it already owns
    /// and nobody else does. No field changes hands, so every stored entry
    /// stays as it is but the updater's time, and the entries need neither
    /// decoding nor encoding: the fields the update touched are looked up in
    /// the stored `FieldsV1` directly. `None` whenever ownership moves or
    /// the stored entries are not exactly as [`Managed::encode`] writes them;
    /// the general way then decides.
    fn entries_if_ownership_stays(
        &self,
        live: &Value,
        new: &Value,
        manager: &str,
    ) -> Option<Carryover> {
        let entries = managed_fields_of(live)?.as_array()?;
        let mut ids: Vec<StoredEntry> = Vec::with_capacity(entries.len());
        for e in entries {
            let id = StoredEntry::read(e)?;
            if ids.iter().any(|other| other.same_manager(&id)) {
                return None;
            }
            ids.push(id);
        }
        let updaters = ids.iter().filter(|e| e.operation == UPDATE).count();
        if ids.is_empty() || updaters > MAX_UPDATE_MANAGERS {
            return None;
        }
        let mine = ids.iter().position(|e| {
            e.operation == UPDATE
                && e.manager == manager
                && e.api_version == self.api_version
                && e.subresource == self.subresource
        })?;
        ids[mine].time?;

        // What the general way computes: the changes; the updater's part of
        // them (less removals, reset fields and unowned metadata).
        let comparison = self
            .reset
            .filter_comparison(compare(Some(live), Some(new), self.schema));
        let mut current = comparison.modified.union(&comparison.added);
        let touched: Vec<_> = current
            .paths()
            .into_iter()
            .chain(comparison.removed.paths())
            .collect();
        if !comparison.removed.is_empty() {
            current.subtract(&comparison.removed);
        }
        let strip = strip_set();
        self.reset.filter_in_place(&mut current);
        let current: Vec<_> = current
            .paths()
            .into_iter()
            .filter(|p| !strip.has(p))
            .collect();

        for (i, e) in entries.iter().enumerate() {
            let fields = e.get("fieldsV1")?;
            let owned = |p: &[PathElement]| Set::fields_v1_has(fields, p);
            if i == mine {
                // Losing a touched field, or gaining one, changes the entry.
                if touched.iter().any(|p| owned(p) && !current.contains(p))
                    || !current.iter().all(|p| owned(p))
                {
                    return None;
                }
            } else if touched.iter().any(|p| owned(p)) {
                return None;
            }
        }
        // The general way stamps the time only when the updater's part is not empty.
        Some(Carryover {
            mine,
            restamp: !current.is_empty(),
        })
    }

    fn decode_live_or_sent(&self, live: &Value, sent: Option<&Value>) -> Managed {
        let from_live = || Managed::decode(managed_fields_of(live)).unwrap_or_default();
        // A subresource never takes managed fields from the request.
        if !self.subresource.is_empty() {
            return from_live();
        }
        if is_reset(sent) {
            return Managed::default();
        }
        match Managed::decode(sent) {
            Ok(m) if !m.is_empty() => m,
            _ => from_live(),
        }
    }

    fn track_update(
        &self,
        live: &Value,
        new: &Value,
        managed: &mut Managed,
        manager: &str,
        now: &str,
    ) {
        let id = ManagerId::new(manager, UPDATE, &self.api_version, &self.subresource).encode();
        self.updater().update(
            live,
            new,
            &self.api_version,
            &mut managed.fields,
            CURRENT_OPERATION,
        );
        strip_meta(&mut managed.fields, CURRENT_OPERATION);
        if let Some(vs) = managed.fields.remove(CURRENT_OPERATION) {
            let set = match managed.fields.get(&id) {
                Some(previous) => vs.set.union(&previous.set),
                None => vs.set,
            };
            managed.fields.insert(
                id.clone(),
                VersionedSet {
                    set,
                    api_version: vs.api_version,
                    applied: false,
                },
            );
            managed.times.insert(id, now.to_string());
        }
        cap_update_managers(managed);
        managed.times.retain(|k, _| managed.fields.contains_key(k));
    }

    /// Applies `config` to `live` (the empty object when creating) for
    /// `manager`, forcing conflicts away when `force`. Returns the object
    /// to store, `metadata.managedFields` set.
    pub fn apply(
        &self,
        live: &Value,
        config: &Value,
        manager: &str,
        force: bool,
        now: &str,
    ) -> Result<Value, ApplyError> {
        let (av, kind) = (top_string(config, "apiVersion"), top_string(config, "kind"));
        if av != self.api_version || kind != self.kind {
            return Err(ApplyError::BadRequest(format!(
                "invalid object type: {}",
                gvk_string(av, kind)
            )));
        }
        let managed = Managed::decode(managed_fields_of(live)).map_err(|e| {
            ApplyError::Unprocessable(format!("failed to decode managed fields: {e}"))
        })?;
        let (mut obj, managed) =
            match self.apply_inner(live, config, managed.clone(), manager, force, now) {
                Err(ApplyError::Conflicts(conflicts)) if manager == KUBECTL_APPLY_MANAGER => {
                    // Fields a client-side apply set to what they still are may
                    // be taken over by kubectl's server-side apply.
                    match self.allowed_from_last_applied(live) {
                        Some(allowed) => {
                            let rest: Vec<Conflict> = conflicts
                                .into_iter()
                                .filter(|c| !allowed.has(&c.path))
                                .collect();
                            if !rest.is_empty() {
                                return Err(ApplyError::Conflicts(rest));
                            }
                            self.apply_inner(live, config, managed, manager, true, now)?
                        }
                        None => return Err(ApplyError::Conflicts(conflicts)),
                    }
                }
                other => other?,
            };
        if manager == KUBECTL_APPLY_MANAGER && last_applied(&obj).is_some() {
            set_last_applied(&mut obj, build_last_applied(config));
        }
        set_managed_fields(&mut obj, &managed);
        Ok(obj)
    }

    fn apply_inner(
        &self,
        live: &Value,
        config: &Value,
        mut managed: Managed,
        manager: &str,
        force: bool,
        now: &str,
    ) -> Result<(Value, Managed), ApplyError> {
        if managed.is_empty() {
            // Whatever is set already was set by someone before the first apply.
            self.track_update(
                &self.empty_object(),
                live,
                &mut managed,
                BEFORE_FIRST_APPLY,
                now,
            );
        }
        if matches!(managed_fields_of(config), Some(Value::Array(_))) {
            return Err(ApplyError::BadRequest(
                "metadata.managedFields must be nil".into(),
            ));
        }
        let config_set = match to_field_set(config, self.schema, Strictness::Strict) {
            Ok(set) => set,
            Err(errors) => return Err(self.typed_patch_error(config, &errors)),
        };
        let id = ManagerId::new(manager, APPLY, &self.api_version, &self.subresource).encode();
        let result = self
            .updater()
            .apply_fields(
                live,
                config,
                config_set,
                &self.api_version,
                &mut managed.fields,
                &id,
                force,
            )
            .map_err(ApplyError::Conflicts)?;
        strip_meta(&mut managed.fields, &id);
        let obj = match result {
            Some(obj) => {
                managed.times.insert(id, now.to_string());
                drop_nulls(obj)
            }
            None => live.clone(),
        };
        managed.times.retain(|k, _| managed.fields.contains_key(k));
        Ok((obj, managed))
    }

    /// kube-apiserver's answer to a configuration that does not fit the schema.
    fn typed_patch_error(&self, config: &Value, errors: &[String]) -> ApplyError {
        let what = if errors.len() == 1 {
            errors[0].clone()
        } else {
            format!("errors:\n  {}", errors.join("\n  "))
        };
        ApplyError::Unprocessable(format!(
            "failed to create typed patch object ({}/{}; {}): {what}",
            meta_string(config, "namespace"),
            meta_string(config, "name"),
            gvk_string(top_string(config, "apiVersion"), top_string(config, "kind")),
        ))
    }

    /// The fields a client-side apply set to what they still are.
    fn allowed_from_last_applied(&self, live: &Value) -> Option<Set> {
        let text = last_applied(live)?;
        let applied: Value = serde_json::from_str(text).ok()?;
        if top_string(&applied, "apiVersion") != self.api_version {
            return None;
        }
        let set = to_field_set(&applied, self.schema, Strictness::Strict).ok()?;
        let c = compare(Some(&applied), Some(live), self.schema);
        Some(
            set.difference(&c.modified)
                .difference(&c.added)
                .difference(&c.removed),
        )
    }
}

/// How the stored entries carry over an update that moves no field.
#[derive(Debug, Clone, Copy)]
struct Carryover {
    /// The updater's entry.
    mine: usize,
    /// Whether its time becomes the update's.
    restamp: bool,
}

impl Carryover {
    /// The entries after the update, in [`Managed::encode`]'s order.
    fn apply(self, mut entries: Vec<Value>, now: &str) -> Vec<Value> {
        if self.restamp {
            entries[self.mine]["time"] = Value::String(now.to_string());
        }
        entries.sort_by(StoredEntry::order);
        entries
    }
}

/// Puts `entries` in `new`'s metadata; `false` when it has none.
fn set_entries(new: &mut Value, entries: Vec<Value>) -> bool {
    match new.get_mut("metadata").and_then(Value::as_object_mut) {
        Some(m) => {
            m.insert("managedFields".into(), Value::Array(entries));
            true
        }
        None => false,
    }
}

/// The identity of a stored `managedFields` entry whose layout is exactly
/// what [`Managed::encode`] writes (key order, no empty or unknown keys,
/// `FieldsV1` with at least one field), for the update shortcut.
struct StoredEntry<'a> {
    manager: &'a str,
    operation: &'a str,
    api_version: &'a str,
    subresource: &'a str,
    time: Option<&'a str>,
}

impl<'a> StoredEntry<'a> {
    fn read(entry: &'a Value) -> Option<Self> {
        let m = entry.as_object()?;
        let text = |k: &str| match m.get(k) {
            None => Some(None),
            Some(Value::String(s)) if !s.is_empty() => Some(Some(s.as_str())),
            Some(_) => None,
        };
        let manager = text("manager")?;
        let operation = text("operation")??;
        let api_version = text("apiVersion")??;
        let time = text("time")?;
        let subresource = text("subresource")?;
        if !(operation == APPLY || operation == UPDATE)
            || m.get("fieldsType").and_then(Value::as_str) != Some("FieldsV1")
            || m.get("fieldsV1")
                .and_then(Value::as_object)
                .is_none_or(Map::is_empty)
        {
            return None;
        }
        let layout = [
            ("manager", manager.is_some()),
            ("operation", true),
            ("apiVersion", true),
            ("time", time.is_some()),
            ("fieldsType", true),
            ("fieldsV1", true),
            ("subresource", subresource.is_some()),
        ];
        let expected = layout
            .iter()
            .filter(|(_, present)| *present)
            .map(|(k, _)| *k);
        if !m.keys().map(String::as_str).eq(expected) {
            return None;
        }
        Some(StoredEntry {
            manager: manager.unwrap_or(""),
            operation,
            api_version,
            subresource: subresource.unwrap_or(""),
            time,
        })
    }

    /// Whether decoding would take both for one manager (appliers are one
    /// manager whatever their API version).
    fn same_manager(&self, other: &StoredEntry) -> bool {
        self.manager == other.manager
            && self.operation == other.operation
            && self.subresource == other.subresource
            && (self.operation == APPLY || self.api_version == other.api_version)
    }

    /// [`Managed::encode`]'s order, for entries already read.
    fn order(a: &Value, b: &Value) -> std::cmp::Ordering {
        Self::order_key(a).cmp(&Self::order_key(b))
    }

    fn order_key(v: &Value) -> (&str, Option<&str>, &str, &str, &str) {
        let s = |k: &str| v.get(k).and_then(Value::as_str);
        (
            s("operation").unwrap_or(""),
            s("time").map(|t| t.get(..19).unwrap_or(t)),
            s("manager").unwrap_or(""),
            s("apiVersion").unwrap_or(""),
            s("subresource").unwrap_or(""),
        )
    }
}

/// Folds the oldest update entries into one `ancient-changes` entry per
/// API version until at most [`MAX_UPDATE_MANAGERS`] remain.
fn cap_update_managers(managed: &mut Managed) {
    let mut updaters: Vec<String> = managed
        .fields
        .iter()
        .filter(|(_, vs)| !vs.applied)
        .map(|(k, _)| k.clone())
        .collect();
    if updaters.len() <= MAX_UPDATE_MANAGERS {
        return;
    }
    updaters.sort_by(|a, b| {
        let t = |k: &String| {
            managed
                .times
                .get(k)
                .map(|t| t.get(..19).unwrap_or(t).to_string())
        };
        t(a).cmp(&t(b)).then_with(|| a.cmp(b))
    });
    let mut remaining = updaters.len();
    let mut first_of_version: std::collections::HashMap<String, String> = Default::default();
    for manager in updaters {
        if remaining <= MAX_UPDATE_MANAGERS {
            break;
        }
        let Some(vs) = managed.fields.get(&manager).cloned() else {
            continue;
        };
        let time = managed.times.get(&manager).cloned();
        let bucket = ManagerId::new(ANCIENT_CHANGES, UPDATE, &vs.api_version, "").encode();
        match first_of_version.get(&vs.api_version) {
            Some(first) => {
                if !managed.fields.contains_key(&bucket) {
                    if let Some(s) = managed.fields.remove(first) {
                        managed.fields.insert(bucket.clone(), s);
                    }
                }
                let merged = managed
                    .fields
                    .get(&bucket)
                    .map(|b| b.set.union(&vs.set))
                    .unwrap_or_else(|| vs.set.clone());
                managed.fields.insert(
                    bucket.clone(),
                    VersionedSet {
                        set: merged,
                        api_version: vs.api_version.clone(),
                        applied: false,
                    },
                );
                if manager != bucket {
                    managed.fields.remove(&manager);
                }
                remaining -= 1;
                match time {
                    Some(t) => managed.times.insert(bucket, t),
                    None => managed.times.remove(&bucket),
                };
            }
            None => {
                first_of_version.insert(vs.api_version.clone(), manager);
            }
        }
    }
}

/// Fields an apply set to `null` are unset, as converting to a Go object
/// leaves them.
fn drop_nulls(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.retain(|_, v| !v.is_null());
                m.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

#[cfg(test)]
mod tests;
