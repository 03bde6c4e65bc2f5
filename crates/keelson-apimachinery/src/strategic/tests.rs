//! Cases ported from strategicpatch's test table (applying two-way and
//! three-way patches to `mergeItem` documents), then the same rules on the
//! real 1.37 definitions and kube-apiserver's answers to bad patches.

use super::*;
use crate::schema::definitions;
use serde_json::json;

/// strategicpatch's `mergeItem` test type as OpenAPI definitions.
const MERGE_ITEM_SCHEMA: &str = r##"
mergeItem:
  type: object
  properties:
    name: {type: string}
    value: {type: string}
    other: {type: string}
    mergingList:
      type: array
      items: {$ref: "#/definitions/mergeItem"}
      x-kubernetes-patch-strategy: merge
      x-kubernetes-patch-merge-key: name
    nonMergingList:
      type: array
      items: {$ref: "#/definitions/mergeItem"}
    mergingIntList:
      type: array
      items: {type: integer, format: int64}
      x-kubernetes-patch-strategy: merge
    nonMergingIntList:
      type: array
      items: {type: integer, format: int64}
    mergeItemPtr:
      type: array
      items: {$ref: "#/definitions/mergeItem"}
      x-kubernetes-patch-strategy: merge
      x-kubernetes-patch-merge-key: name
    simpleMap:
      type: object
      additionalProperties: {type: string}
    replacingItem:
      type: object
      x-kubernetes-patch-strategy: replace
    retainKeysMap:
      $ref: "#/definitions/retainKeysMergeItem"
      x-kubernetes-patch-strategy: retainKeys
    retainKeysMergingList:
      type: array
      items: {$ref: "#/definitions/mergeItem"}
      x-kubernetes-patch-strategy: merge,retainKeys
      x-kubernetes-patch-merge-key: name
retainKeysMergeItem:
  type: object
  properties:
    name: {type: string}
    value: {type: string}
    other: {type: string}
    simpleMap:
      type: object
      additionalProperties: {type: string}
    mergingIntList:
      type: array
      items: {type: integer, format: int64}
      x-kubernetes-patch-strategy: merge
    mergingList:
      type: array
      items: {$ref: "#/definitions/mergeItem"}
      x-kubernetes-patch-strategy: merge
      x-kubernetes-patch-merge-key: name
    nonMergingList:
      type: array
      items: {$ref: "#/definitions/mergeItem"}
"##;

/// `original` + `patch` → `result` (exact, order included), or an error
/// whose message contains `error`.
const MERGE_ITEM_CASES: &str = r##"
- description: add field to map
  original: {name: 1, other: a}
  patch: {value: 1}
  result: {name: 1, other: a, value: 1}
- description: null deletes a field, unmatched nulls are dropped
  original: {name: 1, value: 1, other: a}
  patch: {name: null, value: null, missing: null}
  result: {other: a}
- description: defined null values overwrite current fields
  original: {name: a, other: a}
  patch: {name: 1, value: 1, other: null}
  result: {name: 1, value: 1}
- description: delete field from nested map
  original: {simpleMap: {key1: 1, key2: 1, other: a}}
  patch: {simpleMap: {key2: null}}
  result: {simpleMap: {key1: 1, other: a}}
- description: delete map from nested map
  original: {simpleMap: {key1: 1, key2: 1}}
  patch: {simpleMap: {$patch: delete}}
  result: {simpleMap: {}}
- description: delete all keys from map
  original: {name: 1, value: 1}
  patch: {$patch: replace}
  result: {}
- description: add key and delete all keys from map
  original: {name: 1, value: 1}
  patch: {other: a, $patch: replace}
  result: {other: a}
- description: replace list of scalars
  original: {nonMergingIntList: [1, 4]}
  patch: {nonMergingIntList: [2, 3]}
  result: {nonMergingIntList: [2, 3]}
- description: unique scalars when merging lists
  original: {mergingIntList: [1, 2]}
  patch: {mergingIntList: [2, 3]}
  result: {mergingIntList: [1, 2, 3]}
- description: preserve the order from the patch in a merging int list
  original: {mergingIntList: [1, 2, 3]}
  patch: {mergingIntList: [3, 1]}
  result: {mergingIntList: [2, 3, 1]}
- description: delete items in lists of scalars
  original: {mergingIntList: [1, 2, 3, 4]}
  patch:
    $setElementOrder/mergingIntList: [1, 2]
    $deleteFromPrimitiveList/mergingIntList: [3]
  result: {mergingIntList: [1, 2, 4]}
- description: add and delete items in lists of scalars
  original: {mergingIntList: [1, 2, 3]}
  patch:
    $setElementOrder/mergingIntList: [1, 2, 4]
    $deleteFromPrimitiveList/mergingIntList: [3]
    mergingIntList: [4]
  result: {mergingIntList: [1, 2, 4]}
- description: $deleteFromPrimitiveList deletes from a list without merge strategy
  original: {nonMergingIntList: [1, 2, 3]}
  patch: {$deleteFromPrimitiveList/nonMergingIntList: [2]}
  result: {nonMergingIntList: [1, 3]}
- description: $deleteFromPrimitiveList of a missing list adds nothing
  original: {foo: [bar]}
  patch: {$deleteFromPrimitiveList/mergingIntList: [3]}
  result: {foo: [bar]}
- description: $setElementOrder names an item the int list lacks
  original: {mergingIntList: [1, 3]}
  patch: {$setElementOrder/mergingIntList: [3, 2, 1]}
  result: {mergingIntList: [3, 1]}
- description: merge lists of maps
  original:
    mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]
  patch:
    $setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}]
    mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]
  result:
    mergingList:
      - {name: 4, value: 4}
      - {name: 1, other: a}
      - {name: 2, value: 2, other: b}
      - {name: 3, value: 3}
- description: add field to map in merging list with conflict
  original:
    mergingList: [{name: 1, other: a}, {name: 3, value: 2, other: b}]
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]
  result:
    mergingList:
      - {name: 1, other: a, value: 1}
      - {name: 2, value: 2}
      - {name: 3, value: 2, other: b}
- description: preserve the order from the patch in a merging list
  original:
    mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]
  patch:
    mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]
  result:
    mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]
- description: preserve the order from the patch in a merging list 2
  original:
    mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]
  patch:
    mergingList: [{name: 3, value: c}, {name: 1, value: a}]
  result:
    mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]
- description: $setElementOrder names an item the list lacks
  original:
    mergingList: [{name: 1}, {name: 3}]
  patch:
    $setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}]
    mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]
  result:
    mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]
- description: delete map from merging list
  original:
    mergingList: [{name: 1}, {name: 2, other: b}]
  patch:
    $setElementOrder/mergingList: [{name: 2}]
    mergingList: [{name: 1, $patch: delete}]
  result:
    mergingList: [{name: 2, other: b}]
- description: add map and delete map from merging list
  original:
    mergingList: [{name: 1}, {name: 2, other: b}, {name: 4, other: c}]
  patch:
    $setElementOrder/mergingList: [{name: 2}, {name: 3}]
    mergingList: [{name: 3}, {name: 1, $patch: delete}]
  result:
    mergingList: [{name: 2, other: b}, {name: 4, other: c}, {name: 3}]
- description: delete missing map from merging list with conflict
  original:
    mergingList: [{name: 3, other: a}]
  patch:
    $setElementOrder/mergingList: [{name: 2}]
    mergingList: [{name: 2}, {name: 1, $patch: delete}]
  result:
    mergingList: [{name: 2}, {name: 3, other: a}]
- description: delete all duplicate entries in a merging list
  original:
    mergingList: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]
  patch:
    mergingList: [{name: 1, $patch: delete}, {name: 3, $patch: delete}]
  result:
    mergingList: [{name: 2, value: a}]
- description: delete all items from merging list
  original:
    mergingList: [{name: 1}, {name: 2}]
  patch:
    mergingList: [{$patch: replace}]
  result:
    mergingList: []
- description: replace a merging list
  original:
    mergingList: [{name: 1, value: a}, {name: 2}]
  patch:
    mergingList: [{name: 3}, {$patch: replace}]
  result:
    mergingList: [{name: 3}]
- description: delete field from map in merging list
  original:
    mergingList: [{name: 1, value: 1, other: a}, {name: 2, value: 2, other: b}]
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList: [{name: 1, value: null}]
  result:
    mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]
- description: replace non merging list nested in merging list
  original:
    mergingList:
      - {name: 1, other: a, nonMergingList: [{name: 1}, {name: 2, value: 2}]}
      - {name: 2, other: b}
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList: [{name: 1, nonMergingList: [{name: 1, value: 1}]}]
  result:
    mergingList:
      - {name: 1, other: a, nonMergingList: [{name: 1, value: 1}]}
      - {name: 2, other: b}
- description: merge lists of maps nested in merging lists
  original:
    mergingList:
      - name: 1
        mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]
  patch:
    mergingList:
      - name: 1
        $setElementOrder/mergingList: [{name: 2}, {name: 1}]
        mergingList: [{name: 2, other: b}]
  result:
    mergingList:
      - name: 1
        mergingList: [{name: 2, value: 2, other: b}, {name: 1, value: 1}]
- description: nested patch merge with empty list drops directives
  original: {name: hi}
  patch:
    mergingList: [{name: hello}, {$patch: delete, name: doesntexist}]
  result:
    name: hi
    mergingList: [{name: hello}]
- description: delete and reorder in one list, reorder in another
  original:
    mergingList: [{name: a, value: a}, {name: b, value: b}]
    mergeItemPtr: [{name: c, value: c}, {name: d, value: d}]
  patch:
    $setElementOrder/mergingList: [{name: b}]
    $setElementOrder/mergeItemPtr: [{name: d}, {name: c}]
    mergingList: [{$patch: delete, name: a}]
  result:
    mergingList: [{name: b, value: b}]
    mergeItemPtr: [{name: d, value: d}, {name: c, value: c}]
- description: add field to map in merging list by pointer
  original:
    mergeItemPtr:
      - name: 1
        other: a
        mergeItemPtr: [{name: 1, other: a}, {name: 2, value: 2, other: b}]
      - {name: 2, other: b}
  patch:
    $setElementOrder/mergeItemPtr: [{name: 1}, {name: 2}]
    mergeItemPtr:
      - $setElementOrder/mergeItemPtr: [{name: 1}, {name: 2}]
        name: 1
        mergeItemPtr: [{name: 1, value: 1}]
  result:
    mergeItemPtr:
      - name: 1
        other: a
        mergeItemPtr: [{name: 1, other: a, value: 1}, {name: 2, value: 2, other: b}]
      - {name: 2, other: b}
- description: merge lists of scalars
  original: {mergingIntList: [1, 2, 4]}
  patch:
    $setElementOrder/mergingIntList: [1, 2, 3]
    mergingIntList: [3]
  result: {mergingIntList: [1, 2, 3, 4]}
- description: add an item in a list of primitives and preserve order
  original: {mergingIntList: [1, 4, 2]}
  patch:
    $setElementOrder/mergingIntList: [3, 1, 2]
    mergingIntList: [3]
  result: {mergingIntList: [3, 1, 4, 2]}
- description: delete an item in a list of primitives and preserve order
  original: {mergingIntList: [1, 2, 3]}
  patch:
    $setElementOrder/mergingIntList: [2, 1]
    $deleteFromPrimitiveList/mergingIntList: [3]
  result: {mergingIntList: [2, 1]}
- description: add and delete an item in a int list and preserve order
  original: {mergingIntList: [1, 2, 3]}
  patch:
    $setElementOrder/mergingIntList: [4, 2, 1]
    mergingIntList: [4]
    $deleteFromPrimitiveList/mergingIntList: [3]
  result: {mergingIntList: [4, 2, 1]}
- description: change an item in a list and preserve order
  original:
    mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]
  patch:
    $setElementOrder/mergingList: [{name: 2}, {name: 3}, {name: 1}]
    mergingList: [{name: 3, value: x}]
  result:
    mergingList: [{name: 2, value: 2, other: b}, {name: 3, value: x}, {name: 1, other: a}]
- description: add and delete an item in a list and preserve order
  original:
    mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]
  patch:
    $setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 1}]
    mergingList: [{name: 4, value: 4}, {name: 3, $patch: delete}]
  result:
    mergingList: [{name: 4, value: 4}, {name: 2, value: 2, other: b}, {name: 1, other: a}]
- description: set elements order in a list with server-only items
  original:
    mergingList: [{name: 1, other: a}, {name: 2, value: 2}, {name: 9}, {name: 3, value: 3}, {name: 4, value: 4}]
  patch:
    $setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]
  result:
    mergingList: [{name: 2, value: 2}, {name: 1, other: a}, {name: 9}, {name: 4, value: 4}, {name: 3, value: 3}]
- description: set elements order in a list with several server-only items
  original:
    mergingList:
      - {name: 1, other: a}
      - {name: 2, value: 2}
      - {name: 7}
      - {name: 9}
      - {name: 8}
      - {name: 3, value: 3}
      - {name: 4, value: 4}
  patch:
    $setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]
  result:
    mergingList:
      - {name: 2, value: 2}
      - {name: 1, other: a}
      - {name: 7}
      - {name: 9}
      - {name: 8}
      - {name: 4, value: 4}
      - {name: 3, value: 3}
- description: replace strategy replaces the map
  original: {replacingItem: {a: 1, b: 2}}
  patch: {replacingItem: {c: 3}}
  result: {replacingItem: {c: 3}}
- description: retainKeys map clears the keys not retained
  original: {retainKeysMap: {name: foo, value: a, other: x}}
  patch:
    retainKeysMap: {$retainKeys: [name, value], value: b}
  result: {retainKeysMap: {name: foo, value: b}}
- description: retainKeys map merges without the directive
  original: {retainKeysMap: {name: foo, value: a}}
  patch: {retainKeysMap: {value: null}}
  result: {retainKeysMap: {name: foo}}
- description: retainKeys list of maps clears a field
  original:
    retainKeysMergingList: [{name: bar}, {name: foo, value: new, other: x}]
  patch:
    $setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]
    retainKeysMergingList: [{$retainKeys: [name, value], name: foo, value: modified}]
  result:
    retainKeysMergingList: [{name: bar}, {name: foo, value: modified}]
- description: retainKeys list of maps deletes a field and clears a field
  original:
    retainKeysMergingList: [{name: bar}, {name: foo, value: a, other: x}]
  patch:
    $setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]
    retainKeysMergingList: [{$retainKeys: [name], name: foo, value: null}]
  result:
    retainKeysMergingList: [{name: bar}, {name: foo}]
- description: types that differ replace
  original: {name: 1, simpleMap: {a: b}}
  patch: {name: one, simpleMap: [x]}
  result: {name: one, simpleMap: [x]}
- description: a patch setting a key the retainKeys list lacks
  original: {retainKeysMap: {name: foo}}
  patch: {retainKeysMap: {$retainKeys: [name], value: b}}
  error: invalid patch format of retainKeys
- description: retainKeys that is not a list
  original: {retainKeysMap: {name: foo}}
  patch: {retainKeysMap: {$retainKeys: name}}
  error: invalid patch format of retainKeys
- description: order in $setElementOrder and the patch list must match
  original:
    mergingList: [{name: 1}, {name: 3}, {name: 2}]
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}]
    mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]
  error: "The order in patch list:\n[map[name:3 value:3] map[name:1 value:1]]\n doesn't match $setElementOrder list:\n[map[name:1] map[name:2] map[name:3]]\n"
- description: order of the int list must match too
  original: {mergingIntList: [1, 3, 2]}
  patch:
    $setElementOrder/mergingIntList: [1, 2, 3]
    mergingIntList: [3, 1]
  error: doesn't match
- description: missing merge key
  original:
    mergingList: [{name: 1, value: a}]
  patch:
    mergingList: [{value: b}]
  error: "map: map[value:b] does not contain declared merge key: name"
- description: delete directive without merge key
  original:
    mergingList: [{name: 1}]
  patch:
    mergingList: [{$patch: delete, value: b}]
  error: "map: map[$patch:delete value:b] does not contain declared merge key: name"
- description: unknown $patch in a map
  original: {simpleMap: {a: b}}
  patch: {simpleMap: {$patch: merge, c: d}}
  error: "unknown patch type: merge in map: map[$patch:merge c:d]"
- description: unknown $patch in a list
  original:
    mergingList: [{name: 1}]
  patch:
    mergingList: [{$patch: 5, name: 1}]
  error: "unknown patch type: %!s(int64=5) in map: map[$patch:5 name:1]"
- description: $patch merge in a list
  original:
    mergingList: [{name: 1}]
  patch:
    mergingList: [{$patch: merge}]
  error: merging lists cannot yet be specified in the patch
- description: malformed parallel list key
  original: {mergingIntList: [1]}
  patch: {$deleteFromPrimitiveListmergingIntList: [1]}
  error: invalid patch format of primitive list
- description: $setElementOrder that is not a list
  original: {mergingIntList: [1]}
  patch: {$setElementOrder/mergingIntList: 1}
  error: "expected a []interface {}, but received a int64"
- description: list element types differ
  original: {mergingIntList: [1, 2]}
  patch: {mergingIntList: [a]}
  error: "list element types are not identical: [[1 2] [a]]"
- description: lists of lists
  original: {mergingIntList: [[1]]}
  patch: {mergingIntList: [[2]]}
  error: lists of lists are not supported
"##;

fn merge_item_definitions() -> Map<String, Value> {
    serde_norway::from_str(MERGE_ITEM_SCHEMA).expect("test schema is valid YAML")
}

fn yaml(v: &serde_norway::Value) -> Value {
    serde_json::to_value(v).expect("test YAML converts to JSON")
}

#[test]
fn merge_item_table() {
    let defs = merge_item_definitions();
    let schema = PatchSchema::new(&defs, "mergeItem").unwrap();
    let cases: Vec<serde_norway::Value> = serde_norway::from_str(MERGE_ITEM_CASES).unwrap();
    assert!(cases.len() > 40);
    let mut failures = Vec::new();
    for case in &cases {
        let description = case["description"].as_str().unwrap();
        let original = yaml(&case["original"]);
        let patch = yaml(&case["patch"]);
        let got = strategic_merge(&original, patch.as_object().unwrap().clone(), schema);
        match (case.get("result"), case.get("error"), got) {
            (Some(want), _, Ok(got)) if yaml(want) == got => {}
            (_, Some(want), Err(e)) if e.to_string().contains(want.as_str().unwrap()) => {}
            (_, _, got) => failures.push(format!("{description}: got {got:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn schema(name: &str) -> PatchSchema<'static> {
    PatchSchema::new(definitions(), name).unwrap()
}

fn patched(definition: &str, original: Value, patch: Value) -> Value {
    apply_strategic_merge_patch(&original, patch.to_string().as_bytes(), schema(definition))
        .unwrap()
}

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "x", "labels": {"app": "x", "tier": "web"}, "finalizers": ["a/x", "b/y"]},
        "spec": {
            "selector": {"matchLabels": {"app": "x"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {
                "metadata": {"labels": {"app": "x"}},
                "spec": {
                    "containers": [
                        {"name": "a", "image": "nginx", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}],
                         "ports": [{"containerPort": 80, "protocol": "TCP"}]},
                        {"name": "b", "image": "busybox"}
                    ],
                    "volumes": [{"name": "data", "emptyDir": {}}],
                    "tolerations": [{"key": "k1", "operator": "Exists"}, {"key": "k2", "operator": "Exists"}]
                }
            }
        }
    })
}

const DEPLOYMENT: &str = "io.k8s.api.apps.v1.Deployment";

#[test]
fn containers_merge_by_name_and_keep_what_the_patch_does_not_name() {
    let out = patched(
        DEPLOYMENT,
        deployment(),
        json!({"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "new"}]}}}}),
    );
    let containers = &out["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers[0]["name"], "a");
    assert_eq!(containers[0]["env"][1]["value"], "2");
    assert_eq!(containers[1], json!({"name": "b", "image": "new"}));
}

#[test]
fn kubectl_apply_patch_deletes_reorders_and_clears() {
    // What kubectl apply sends after a file drops env Y and label tier and
    // swaps the containers.
    let patch = json!({
        "metadata": {"labels": {"tier": null}},
        "spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
            "containers": [{
                "$setElementOrder/env": [{"name": "X"}],
                "env": [{"$patch": "delete", "name": "Y"}],
                "name": "a"
            }]
        }}}
    });
    let out = patched(DEPLOYMENT, deployment(), patch);
    assert_eq!(out["metadata"]["labels"], json!({"app": "x"}));
    let containers = &out["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers[0], json!({"name": "b", "image": "busybox"}));
    assert_eq!(containers[1]["name"], "a");
    assert_eq!(containers[1]["env"], json!([{"name": "X", "value": "1"}]));
    assert_eq!(containers[1]["ports"][0]["containerPort"], 80);
}

#[test]
fn new_items_lose_nulls_and_directives() {
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "c", "image": "c", "command": null, "env": [{"name": "Z", "value": null}],
         "$setElementOrder/env": [{"name": "Z"}]}
    ]}}}});
    let out = patched(DEPLOYMENT, deployment(), patch);
    // A new item goes before the live ones, as kube-apiserver puts it.
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0],
        json!({"name": "c", "image": "c", "env": [{"name": "Z"}]})
    );
}

#[test]
fn deployment_strategy_retains_only_listed_keys() {
    let out = patched(
        DEPLOYMENT,
        deployment(),
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
    );
    assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
    // Without the directive the map merges: rollingUpdate stays.
    let out = patched(
        DEPLOYMENT,
        deployment(),
        json!({"spec": {"strategy": {"type": "Recreate"}}}),
    );
    assert_eq!(out["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
}

#[test]
fn volumes_merge_by_name_with_retained_keys() {
    let out = patched(
        DEPLOYMENT,
        deployment(),
        json!({"spec": {"template": {"spec": {"volumes": [
            {"$retainKeys": ["configMap", "name"], "name": "data", "configMap": {"name": "cm"}}
        ]}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["volumes"],
        json!([{"name": "data", "configMap": {"name": "cm"}}])
    );
}

#[test]
fn lists_without_strategy_are_replaced() {
    let out = patched(
        DEPLOYMENT,
        deployment(),
        json!({"spec": {"template": {"spec": {"tolerations": [{"key": "k3", "operator": "Exists"}]}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["tolerations"],
        json!([{"key": "k3", "operator": "Exists"}])
    );
}

#[test]
fn finalizers_merge_as_a_set_and_delete_from_the_primitive_list() {
    let out = patched(
        DEPLOYMENT,
        deployment(),
        json!({"metadata": {"finalizers": ["c/z", "a/x"]}}),
    );
    assert_eq!(out["metadata"]["finalizers"], json!(["c/z", "a/x", "b/y"]));
    let out = patched(
        DEPLOYMENT,
        deployment(),
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a/x"]}}),
    );
    assert_eq!(out["metadata"]["finalizers"], json!(["b/y"]));
}

#[test]
fn service_ports_merge_by_port() {
    let svc = json!({"spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}, {"name": "https", "port": 443}]}});
    let out = patched(
        "io.k8s.api.core.v1.Service",
        svc,
        json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}]}}),
    );
    assert_eq!(
        out["spec"]["ports"],
        json!([{"name": "http", "port": 80, "targetPort": 9090}, {"name": "https", "port": 443}])
    );
}

#[test]
fn pod_disruption_budget_selector_is_replaced() {
    let pdb = json!({"spec": {"selector": {"matchLabels": {"a": "1"}}, "minAvailable": 1}});
    let out = patched(
        "io.k8s.api.policy.v1.PodDisruptionBudget",
        pdb,
        json!({"spec": {"selector": {"matchExpressions": [{"key": "b", "operator": "Exists"}]}}}),
    );
    assert_eq!(
        out["spec"]["selector"],
        json!({"matchExpressions": [{"key": "b", "operator": "Exists"}]})
    );
    assert_eq!(out["spec"]["minAvailable"], 1);
}

#[test]
fn owner_references_merge_by_uid() {
    let cm = json!({"metadata": {"ownerReferences": [{"uid": "1", "name": "a", "kind": "K", "apiVersion": "v1"}]}});
    let out = patched(
        "io.k8s.api.core.v1.ConfigMap",
        cm,
        json!({"metadata": {"ownerReferences": [{"uid": "2", "name": "b", "kind": "K", "apiVersion": "v1"}]}}),
    );
    let uids: Vec<&Value> = out["metadata"]["ownerReferences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["uid"])
        .collect();
    assert_eq!(uids, [&json!("2"), &json!("1")]);
}

#[test]
fn maps_of_a_kind_merge_key_by_key() {
    let cm = json!({"data": {"a": "1", "b": "2"}});
    let out = patched(
        "io.k8s.api.core.v1.ConfigMap",
        cm,
        json!({"data": {"b": null, "c": "3"}}),
    );
    assert_eq!(out["data"], json!({"a": "1", "c": "3"}));
}

fn error_for(original: Value, body: &[u8]) -> ApiError {
    apply_strategic_merge_patch(&original, body, schema(DEPLOYMENT)).unwrap_err()
}

#[test]
fn missing_merge_key_is_a_reasonless_500() {
    let err = error_for(
        deployment(),
        br#"{"spec":{"template":{"spec":{"containers":[{"image":"nginx"}]}}}}"#,
    );
    assert_eq!(err.code, 500);
    assert_eq!(err.reason, "");
    assert_eq!(
        err.message,
        "map: map[image:nginx] does not contain declared merge key: name"
    );
    assert!(err.to_status().get("reason").is_none());
}

#[test]
fn malformed_directives_are_400_and_lists_of_lists_422() {
    let err = error_for(
        deployment(),
        br#"{"spec":{"strategy":{"$retainKeys":"type"}}}"#,
    );
    assert_eq!((err.code, err.reason.as_str()), (400, "BadRequest"));
    assert_eq!(err.message, "invalid patch format of retainKeys");

    let err = error_for(
        deployment(),
        br#"{"spec":{"template":{"spec":{"$setElementOrder":[]}}}}"#,
    );
    assert_eq!(err.code, 400);
    assert_eq!(err.message, "invalid patch format of setElementOrder list");

    let err = error_for(
        json!({"metadata": {"finalizers": [["a"]]}}),
        br#"{"metadata":{"finalizers":[["b"]]}}"#,
    );
    assert_eq!((err.code, err.reason.as_str()), (422, "Invalid"));
    assert_eq!(
        err.message,
        "the server rejected our request due to an error in our request"
    );
}

#[test]
fn bodies_that_are_not_json_objects() {
    let err = error_for(deployment(), b"{not json");
    assert_eq!(
        (err.code, err.message.as_str()),
        (400, "invalid JSON patch")
    );
    let err = error_for(deployment(), b"");
    assert_eq!(err.code, 400);
    let err = error_for(deployment(), b"[1]");
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            400,
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        )
    );
    let err = error_for(deployment(), br#""x""#);
    assert_eq!(
        err.message,
        "json: cannot unmarshal string into Go value of type map[string]interface {}"
    );
    // A null patch changes nothing.
    let out = apply_strategic_merge_patch(&deployment(), b"null", schema(DEPLOYMENT)).unwrap();
    assert_eq!(out, deployment());
}

#[test]
fn unknown_fields_merge_like_a_merge_patch() {
    let out = patched(
        DEPLOYMENT,
        json!({"spec": {"extra": {"list": [1, 2], "m": {"a": 1}}}}),
        json!({"spec": {"extra": {"list": [3], "m": {"b": 2}}}}),
    );
    assert_eq!(
        out["spec"]["extra"],
        json!({"list": [3], "m": {"a": 1, "b": 2}})
    );
}

#[test]
fn key_order_of_the_original_is_kept() {
    let out = patched(
        DEPLOYMENT,
        deployment(),
        json!({"metadata": {"labels": {"app": "y", "new": "1"}}}),
    );
    let keys: Vec<&String> = out["metadata"]["labels"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["app", "tier", "new"]);
    let top: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(top, ["apiVersion", "kind", "metadata", "spec"]);
}

#[test]
fn a_server_patch_leaves_managed_fields_unless_it_sets_them() {
    let schema = PatchSchema::new(
        crate::schema::definitions(),
        "io.k8s.api.apps.v1.Deployment",
    )
    .unwrap();
    let managed = json!([{"manager": "m", "operation": "Update", "apiVersion": "apps/v1",
        "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]);
    let live = json!({"metadata": {"name": "d", "managedFields": managed, "labels": {"a": "b"}},
        "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}});
    let patch = br#"{"metadata":{"labels":{"z":"y"}},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"y"}]}}}}"#;
    let full = apply_strategic_merge_patch(&live, patch, schema).unwrap();
    let left = apply_strategic_merge_patch_leaving_managed_fields(&live, patch, schema).unwrap();
    let mut expected = full.clone();
    expected["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("managedFields");
    assert_eq!(left, expected);
    assert_eq!(full["metadata"]["managedFields"], managed);

    // A patch that sets them gets them merged as any field.
    let patch = br#"{"metadata":{"managedFields":[]}}"#;
    let set = apply_strategic_merge_patch_leaving_managed_fields(&live, patch, schema).unwrap();
    assert_eq!(set["metadata"]["managedFields"], json!([]));
    assert_eq!(set["metadata"]["labels"], json!({"a": "b"}));
    // `null` changes nothing but still leaves them out.
    let none = apply_strategic_merge_patch_leaving_managed_fields(&live, b"null", schema).unwrap();
    assert_eq!(none["metadata"], json!({"name": "d", "labels": {"a": "b"}}));
}
