use super::*;
use crate::apply::typeref::for_kind;
use serde_json::json;

const T1: &str = "2026-01-01T00:00:01Z";
const T2: &str = "2026-01-01T00:00:02Z";
const T3: &str = "2026-01-01T00:00:03Z";

fn manager(group: &str, version: &str, kind: &str, subresource: &str) -> FieldManager<'static> {
    let api_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let status = Set::from_fields_v1(&json!({"f:status": {}})).unwrap();
    FieldManager {
        schema: for_kind(group, version, kind),
        api_version,
        kind: kind.into(),
        subresource: subresource.into(),
        reset: match subresource {
            "status" => ResetFields::AllBut(status),
            _ => ResetFields::Paths(status),
        },
    }
}

fn configmaps() -> FieldManager<'static> {
    manager("", "v1", "ConfigMap", "")
}

fn deployments() -> FieldManager<'static> {
    manager("apps", "v1", "Deployment", "")
}

fn entries(obj: &Value) -> Vec<Value> {
    obj["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn entry<'a>(obj: &'a Value, manager: &str, operation: &str) -> &'a Value {
    obj["metadata"]["managedFields"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|e| e["manager"] == manager && e["operation"] == operation)
        })
        .unwrap_or(&Value::Null)
}

fn stored(mut obj: Value) -> Value {
    crate::meta::set_meta(&mut obj, "uid", Some(json!("0b1c")));
    crate::meta::set_meta(&mut obj, "resourceVersion", Some(json!("7")));
    obj
}

fn cm(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}, "data": data})
}

fn created(fm: &FieldManager<'_>, obj: Value, by: &str) -> Value {
    let mut obj = obj;
    fm.update(&fm.empty_object(), &mut obj, None, by, T1);
    stored(obj)
}

#[test]
fn create_records_an_update_entry() {
    let obj = created(&configmaps(), cm(json!({"a": "1"})), "kubectl-create");
    assert_eq!(
        entries(&obj),
        vec![json!({
            "manager": "kubectl-create",
            "operation": "Update",
            "apiVersion": "v1",
            "time": T1,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {".": {}, "f:a": {}}}
        })]
    );
}

#[test]
fn deployment_create_marks_maps_the_go_type_lacks() {
    let fm = deployments();
    let obj = created(
        &fm,
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "replicas": 2,
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}},
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}
            },
            "status": {"replicas": 0}
        }),
        "kubectl-create",
    );
    assert_eq!(
        entry(&obj, "kubectl-create", "Update")["fieldsV1"],
        json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:strategy": {"f:rollingUpdate": {".": {}, "f:maxSurge": {}}, "f:type": {}},
                "f:template": {
                    "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}}
                }
            }
        })
    );
}

#[test]
fn updates_merge_per_manager_and_take_fields_from_others() {
    let fm = configmaps();
    let live = created(&fm, cm(json!({"a": "1", "b": "2"})), "creator");
    let mut edited = cm(json!({"a": "10", "b": "2", "c": "3"}));
    fm.update(&live, &mut edited, None, "kubectl-edit", T2);
    let live = stored(edited);
    assert_eq!(
        entry(&live, "creator", "Update")["fieldsV1"],
        json!({"f:data": {".": {}, "f:b": {}}})
    );
    assert_eq!(
        entry(&live, "kubectl-edit", "Update")["fieldsV1"],
        json!({"f:data": {"f:a": {}, "f:c": {}}})
    );
    let mut again = cm(json!({"a": "10", "b": "20", "c": "3"}));
    fm.update(&live, &mut again, None, "kubectl-edit", T3);
    assert_eq!(
        entry(&again, "kubectl-edit", "Update")["fieldsV1"],
        json!({"f:data": {"f:a": {}, "f:b": {}, "f:c": {}}})
    );
    assert_eq!(entry(&again, "kubectl-edit", "Update")["time"], T3);
    assert_eq!(
        entries(&again).len(),
        2,
        "the creator still owns data itself"
    );
}

#[test]
fn unchanged_update_keeps_entries_and_times() {
    let fm = configmaps();
    let live = created(&fm, cm(json!({"a": "1"})), "creator");
    let mut same = live.clone();
    fm.update(&live, &mut same, None, "someone", T2);
    assert_eq!(same, live);
}

#[test]
fn clients_may_replace_or_clear_entries() {
    let fm = configmaps();
    let live = created(&fm, cm(json!({"a": "1"})), "creator");
    let mut cleared = live.clone();
    fm.update(&live, &mut cleared, Some(&json!([])), "kubectl-edit", T2);
    assert!(entries(&cleared).is_empty());
    let cleared = stored(cleared);
    // Untracked from now on, until the next apply.
    let mut changed = cm(json!({"a": "2"}));
    fm.update(&cleared, &mut changed, None, "kubectl-edit", T3);
    assert!(entries(&changed).is_empty());

    let replacement = json!([{"manager": "someone", "operation": "Update", "apiVersion": "v1",
        "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}}}]);
    let mut replaced = live.clone();
    fm.update(&live, &mut replaced, Some(&replacement), "kubectl-edit", T2);
    assert_eq!(entries(&replaced), replacement.as_array().unwrap().clone());

    // Invalid entries are ignored: the stored ones stay.
    let mut bogus = live.clone();
    fm.update(
        &live,
        &mut bogus,
        Some(&json!([{"manager": "x", "operation": "Patch"}])),
        "kubectl-edit",
        T2,
    );
    assert_eq!(entries(&bogus), entries(&live));
}

#[test]
fn status_subresource_entries() {
    let fm = manager("apps", "v1", "Deployment", "status");
    let live = created(
        &deployments(),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 1}}),
        "creator",
    );
    let mut new = live.clone();
    new["status"] = json!({"replicas": 1});
    fm.update(&live, &mut new, None, "controller", T2);
    let e = entry(&new, "controller", "Update");
    assert_eq!(e["subresource"], "status");
    assert_eq!(
        e["fieldsV1"],
        json!({"f:status": {".": {}, "f:replicas": {}}})
    );
}

fn apply(
    fm: &FieldManager<'_>,
    live: &Value,
    config: Value,
    who: &str,
    force: bool,
    now: &str,
) -> Result<Value, ApplyError> {
    fm.apply(live, &config, who, force, now).map(stored)
}

#[test]
fn apply_creates_reapplies_and_prunes() {
    let fm = configmaps();
    let first = apply(
        &fm,
        &json!({}),
        cm(json!({"a": "1", "b": "2"})),
        "mgr",
        false,
        T1,
    )
    .unwrap();
    assert_eq!(
        entries(&first),
        vec![
            json!({"manager": "mgr", "operation": "Apply", "apiVersion": "v1", "time": T1,
            "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}, "f:b": {}}}})
        ]
    );
    // Same configuration: nothing changes, not even the time.
    let second = apply(
        &fm,
        &first,
        cm(json!({"a": "1", "b": "2"})),
        "mgr",
        false,
        T2,
    )
    .unwrap();
    assert_eq!(second, first);
    // b dropped from the configuration: gone from the object.
    let third = apply(&fm, &second, cm(json!({"a": "1"})), "mgr", false, T3).unwrap();
    assert_eq!(third["data"], json!({"a": "1"}));
    assert_eq!(entry(&third, "mgr", "Apply")["time"], T3);
}

#[test]
fn apply_conflicts_name_managers_and_fields() {
    let fm = deployments();
    let d = |replicas: i64| json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": replicas, "paused": false}});
    let live = created(&fm, d(1), "kubectl-client-side-apply");
    let err = apply(&fm, &live, d(3), "mgr", false, T2).unwrap_err();
    let api: ApiError = err.into();
    assert_eq!(api.code, 409);
    assert_eq!(api.reason, "Conflict");
    assert_eq!(
        api.message,
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
    );
    assert_eq!(
        api.causes,
        vec![StatusCause::new(
            "FieldManagerConflict",
            "conflict with \"kubectl-client-side-apply\" using apps/v1",
            ".spec.replicas"
        )]
    );
    let status = api.to_status();
    assert!(status["details"].get("name").is_none());

    // Forced: the applier takes the field over.
    let forced = apply(&fm, &live, d(3), "mgr", true, T2).unwrap();
    assert_eq!(forced["spec"]["replicas"], 3);
    assert_eq!(
        entry(&forced, "mgr", "Apply")["fieldsV1"],
        json!({"f:spec": {"f:paused": {}, "f:replicas": {}}})
    );
    assert_eq!(
        entry(&forced, "kubectl-client-side-apply", "Update")["fieldsV1"],
        json!({"f:spec": {"f:paused": {}}})
    );

    // Two managers in conflict.
    let mut scaled = forced.clone();
    scaled["spec"]["paused"] = json!(true);
    fm.update(&forced, &mut scaled, None, "kubectl-edit", T3);
    let scaled = stored(scaled);
    let err: ApiError = apply(&fm, &scaled, d(4), "other", false, T3)
        .unwrap_err()
        .into();
    assert_eq!(
        err.message,
        "Apply failed with 2 conflicts: conflicts with \"kubectl-edit\" using apps/v1:\n- .spec.paused\nconflicts with \"mgr\":\n- .spec.replicas"
    );
}

#[test]
fn scale_subresource_conflict_wording() {
    let fm = deployments();
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 2}});
    let live = apply(&fm, &json!({}), d.clone(), "kubectl", false, T1).unwrap();
    let scale = manager("apps", "v1", "Deployment", "scale");
    let mut scaled = live.clone();
    scaled["spec"]["replicas"] = json!(5);
    scale.update(&live, &mut scaled, None, "kubectl", T2);
    let scaled = stored(scaled);
    assert!(
        entry(&scaled, "kubectl", "Apply").is_null(),
        "the applier lost its only field"
    );
    assert_eq!(entry(&scaled, "kubectl", "Update")["subresource"], "scale");
    let err: ApiError = apply(&fm, &scaled, d, "kubectl", false, T3)
        .unwrap_err()
        .into();
    assert_eq!(
        err.message,
        "Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas"
    );
}

#[test]
fn first_apply_to_untracked_object_credits_before_first_apply() {
    let fm = configmaps();
    let live = stored(cm(json!({"a": "1", "b": "2"})));
    let out = apply(&fm, &live, cm(json!({"a": "1"})), "mgr", false, T2).unwrap();
    assert_eq!(
        entry(&out, "mgr", "Apply")["fieldsV1"],
        json!({"f:data": {"f:a": {}}})
    );
    assert_eq!(
        entry(&out, "before-first-apply", "Update")["fieldsV1"],
        json!({"f:data": {".": {}, "f:a": {}, "f:b": {}}})
    );
    // Changing a field before-first-apply holds is a conflict.
    let err: ApiError = apply(&fm, &out, cm(json!({"b": "3"})), "mgr", false, T3)
        .unwrap_err()
        .into();
    assert!(
        err.message
            .contains("conflict with \"before-first-apply\" using v1: .data.b"),
        "{}",
        err.message
    );
}

#[test]
fn kubectl_takes_over_from_client_side_apply() {
    let fm = deployments();
    let config = |replicas: i64| json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": replicas}});
    let mut client_side = config(1);
    let annotation = build_last_applied(&config(1));
    client_side["metadata"]["annotations"] = json!({LAST_APPLIED_ANNOTATION: annotation});
    let live = created(&fm, client_side, "kubectl-client-side-apply");
    // Another manager conflicts...
    assert!(matches!(
        apply(&fm, &live, config(3), "mgr", false, T2),
        Err(ApplyError::Conflicts(_))
    ));
    // ...kubectl does not: the client-side apply set replicas to what it is.
    let out = apply(&fm, &live, config(3), "kubectl", false, T2).unwrap();
    assert_eq!(out["spec"]["replicas"], 3);
    let updated: Value = serde_json::from_str(
        out["metadata"]["annotations"][LAST_APPLIED_ANNOTATION]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(updated, config(3));
    assert!(out["metadata"]["annotations"][LAST_APPLIED_ANNOTATION]
        .as_str()
        .unwrap()
        .ends_with("}\n"));
}

#[test]
fn apply_refusals() {
    let fm = deployments();
    let err = |config: Value| fm.apply(&json!({}), &config, "mgr", false, T1).unwrap_err();
    assert_eq!(
        err(json!({"apiVersion": "apps/v1", "kind": "Deploymnt"})),
        ApplyError::BadRequest("invalid object type: apps/v1, Kind=Deploymnt".into())
    );
    assert_eq!(
        err(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"managedFields": []}})
        ),
        ApplyError::BadRequest("metadata.managedFields must be nil".into())
    );
    let e: ApiError = err(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {"replica": 1}})).into();
    assert_eq!(e.code, 500);
    assert_eq!(
        e.message,
        "failed to create typed patch object (ns/d; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema"
    );
    assert!(e.to_status().get("reason").is_none());
}

#[test]
fn update_managers_are_capped() {
    let fm = configmaps();
    let mut live = created(&fm, cm(json!({"k0": "v"})), "m0");
    for i in 1..=11 {
        let mut next = live.clone();
        next["data"][format!("k{i}")] = json!("v");
        fm.update(
            &live,
            &mut next,
            None,
            &format!("m{i}"),
            &format!("2026-01-01T00:00:{i:02}Z"),
        );
        live = stored(next);
    }
    let list = entries(&live);
    assert_eq!(list.len(), 10);
    let ancient = entry(&live, "ancient-changes", "Update");
    assert_eq!(
        ancient["fieldsV1"],
        json!({"f:data": {".": {}, "f:k0": {}, "f:k1": {}, "f:k2": {}}})
    );
}

#[test]
fn timestamp_only_changes_are_dropped() {
    let current = json!({"metadata": {"name": "x", "managedFields": [{"manager": "a", "time": T1}]}, "data": {"a": "1"}});
    let mut new = json!({"metadata": {"name": "x", "managedFields": [{"manager": "a", "time": T2}]}, "data": {"a": "1"}});
    keep_timestamps_if_unchanged(&current, &mut new);
    assert_eq!(new, current);
    let mut changed = json!({"metadata": {"name": "x", "managedFields": [{"manager": "a", "time": T2}]}, "data": {"a": "2"}});
    keep_timestamps_if_unchanged(&current, &mut changed);
    assert_eq!(changed["metadata"]["managedFields"][0]["time"], T2);
    // Same object, but a manager's fields moved: the new entries stay.
    let mut moved = json!({"metadata": {"name": "x", "managedFields": [{"manager": "b", "time": T2}]}, "data": {"a": "1"}});
    keep_timestamps_if_unchanged(&current, &mut moved);
    assert_eq!(moved["metadata"]["managedFields"][0]["manager"], "b");
    // A metadata change other than managedFields counts as a change.
    let mut labelled = json!({"metadata": {"name": "x", "labels": {"l": "v"}, "managedFields": [{"manager": "a", "time": T2}]}, "data": {"a": "1"}});
    keep_timestamps_if_unchanged(&current, &mut labelled);
    assert_eq!(labelled["metadata"]["managedFields"][0]["time"], T2);
}

#[test]
fn an_update_that_moves_no_field_keeps_the_stored_entries() {
    let fm = configmaps();
    let live = created(&fm, cm(json!({"a": "1", "b": "2"})), "creator");
    let mut edited = cm(json!({"a": "10", "b": "2", "c": "3"}));
    fm.update(&live, &mut edited, None, "editor", T2);
    let live = stored(edited);

    // The editor changes only what it owns: the shortcut applies (and in
    // a debug build `update` checks it against the general way).
    let mut again = cm(json!({"a": "11", "b": "2", "c": "4"}));
    let mut bare = again.clone();
    assert!(fm
        .entries_if_ownership_stays(&live, &bare, "editor")
        .is_some());
    fm.update(&live, &mut again, None, "editor", T3);
    assert_eq!(entry(&again, "editor", "Update")["time"], T3);
    assert_eq!(entry(&again, "creator", "Update")["time"], T1);
    // Entries stay in the encoder's order (appliers first, then by time).
    assert_eq!(entries(&again)[1]["manager"], "editor");

    // Taking the creator's field, gaining a new one, or dropping one moves
    // ownership: the general way decides.
    for data in [
        json!({"a": "10", "b": "20", "c": "3"}),
        json!({"a": "10", "b": "2", "c": "3", "d": "4"}),
        json!({"a": "10", "b": "2"}),
    ] {
        bare = cm(data);
        assert!(fm
            .entries_if_ownership_stays(&live, &bare, "editor")
            .is_none());
    }
    // A manager without an entry yet, too.
    bare = cm(json!({"a": "12", "b": "2", "c": "3"}));
    assert!(fm
        .entries_if_ownership_stays(&live, &bare, "newcomer")
        .is_none());
    // Taking the entries gives the same result, and leaves `live` without them.
    let mut copied = cm(json!({"a": "11", "b": "2", "c": "4"}));
    fm.update(&live, &mut copied, None, "editor", T3);
    let mut taken_from = live.clone();
    let mut taken = cm(json!({"a": "11", "b": "2", "c": "4"}));
    assert!(fm.update_taking(&mut taken_from, &mut taken, None, "editor", T3));
    assert_eq!(taken, copied);
    assert!(taken_from["metadata"].get("managedFields").is_none());
    // When ownership moves, nothing is taken.
    let mut kept = live.clone();
    let mut moved = cm(json!({"a": "10", "b": "20", "c": "3"}));
    assert!(!fm.update_taking(&mut kept, &mut moved, None, "editor", T3));
    assert_eq!(kept, live);
    assert_eq!(entry(&moved, "editor", "Update")["time"], T3);

    // Entries not laid out as the encoder writes them are decoded.
    let mut odd = live.clone();
    odd["metadata"]["managedFields"][0]["extra"] = json!(1);
    assert!(fm
        .entries_if_ownership_stays(&odd, &bare, "editor")
        .is_none());
}
