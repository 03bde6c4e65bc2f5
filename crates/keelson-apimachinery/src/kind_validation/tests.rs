use super::*;
use crate::defaults;
use serde_json::{json, Value};

fn defaulted(group: &str, kind: &str, mut obj: Value) -> Value {
    defaults::apply(group, kind, &mut obj);
    obj
}

fn messages(causes: &[StatusCause]) -> Vec<String> {
    causes.iter().map(StatusCause::display).collect()
}

fn deployment(selector: Value, labels: Value) -> Value {
    defaulted(
        "apps",
        "Deployment",
        json!({"metadata": {"name": "web"}, "spec": {"selector": selector,
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}),
    )
}

#[test]
fn valid_objects_pass() {
    let d = deployment(
        json!({"matchLabels": {"app": "web"}}),
        json!({"app": "web", "tier": "x"}),
    );
    assert!(validate_create("apps", "Deployment", &d).is_empty());
    let pod = defaulted(
        "",
        "Pod",
        json!({"spec": {"containers": [{"name": "c", "image": "busybox", "ports": [{"containerPort": 80, "name": "http"}]}]}}),
    );
    assert!(validate_create("", "Pod", &pod).is_empty());
    let svc = defaulted("", "Service", json!({"spec": {"ports": [{"port": 80}]}}));
    assert!(validate_create("", "Service", &svc).is_empty());
    let job = defaulted(
        "batch",
        "Job",
        json!({"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}),
    );
    assert!(
        validate_create("batch", "Job", &job).is_empty(),
        "{:?}",
        validate_create("batch", "Job", &job)
    );
}

#[test]
fn pods_need_named_containers_with_images() {
    let pod = defaulted("", "Pod", json!({"spec": {"containers": []}}));
    assert_eq!(
        messages(&validate_create("", "Pod", &pod)),
        ["spec.containers: Required value"]
    );
    let pod = defaulted(
        "",
        "Pod",
        json!({"spec": {"containers": [{"image": "a"}, {"name": "x", "ports": [{"containerPort": 1, "name": "p"}, {"containerPort": 2, "name": "p"}]}, {"name": "x", "image": "b"}]}}),
    );
    assert_eq!(
        messages(&validate_create("", "Pod", &pod)),
        [
            "spec.containers[0].name: Required value",
            "spec.containers[1].image: Required value",
            r#"spec.containers[1].ports[1].name: Duplicate value: "p""#,
            r#"spec.containers[2].name: Duplicate value: "x""#,
        ]
    );
}

#[test]
fn enums_as_kube_lists_them() {
    let pod = defaulted(
        "",
        "Pod",
        json!({"spec": {"restartPolicy": "Sometimes", "containers": [{"name": "c", "image": "i", "imagePullPolicy": "always"}]}}),
    );
    assert_eq!(
        messages(&validate_create("", "Pod", &pod)),
        [
            r#"spec.containers[0].imagePullPolicy: Unsupported value: "always": supported values: "Always", "IfNotPresent", "Never""#,
            r#"spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#,
        ]
    );
}

#[test]
fn selectors_must_exist_and_match() {
    let d = deployment(Value::Null, json!({"app": "web"}));
    assert_eq!(
        messages(&validate_create("apps", "Deployment", &d)),
        ["spec.selector: Required value"]
    );
    let d = deployment(
        json!({"matchLabels": {"app": "web"}}),
        json!({"app": "api"}),
    );
    assert_eq!(
        messages(&validate_create("apps", "Deployment", &d)),
        [
            r#"spec.template.metadata.labels: Invalid value: map[string]string{"app":"api"}: `selector` does not match template `labels`"#
        ]
    );
}

#[test]
fn selectors_are_immutable() {
    let old = deployment(
        json!({"matchLabels": {"app": "web"}}),
        json!({"app": "web", "v": "2"}),
    );
    let new = deployment(
        json!({"matchLabels": {"app": "web", "v": "2"}}),
        json!({"app": "web", "v": "2"}),
    );
    assert_eq!(
        messages(&validate_update("apps", "Deployment", &new, &old)),
        [
            r#"spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#
        ]
    );
    assert!(validate_update("apps", "Deployment", &old, &old).is_empty());
}

#[test]
fn jobs_do_not_restart_always() {
    let job = defaulted(
        "batch",
        "Job",
        json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}),
    );
    assert_eq!(
        messages(&validate_create("batch", "Job", &job)),
        [
            r#"spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never""#
        ]
    );
}

#[test]
fn immutable_config_maps_and_services() {
    let old = json!({"immutable": true, "data": {"a": "1"}});
    let new = json!({"immutable": true, "data": {"a": "2"}});
    assert_eq!(
        messages(&validate_update("", "ConfigMap", &new, &old)),
        ["data: Forbidden: field is immutable when `immutable` is set"]
    );
    let old = defaulted(
        "",
        "Service",
        json!({"spec": {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "ports": [{"port": 80}]}}),
    );
    let new = defaulted(
        "",
        "Service",
        json!({"spec": {"clusterIP": "10.96.0.11", "clusterIPs": ["10.96.0.11"], "ports": [{"port": 80}]}}),
    );
    assert_eq!(
        messages(&validate_update("", "Service", &new, &old)),
        [r#"spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set"#]
    );
}

#[test]
fn services_need_ports() {
    let svc = defaulted(
        "",
        "Service",
        json!({"spec": {"ports": [{"port": 80}, {"port": 70000, "name": "b"}]}}),
    );
    assert_eq!(
        messages(&validate_create("", "Service", &svc)),
        [
            "spec.ports[0].name: Required value",
            "spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.ports[1].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        ]
    );
    let svc = defaulted("", "Service", json!({"spec": {}}));
    assert_eq!(
        messages(&validate_create("", "Service", &svc)),
        ["spec.ports: Required value"]
    );
}

#[test]
fn pod_updates_change_images_only() {
    let old = defaulted(
        "",
        "Pod",
        json!({"spec": {"containers": [{"name": "c", "image": "a"}]}}),
    );
    let mut new = old.clone();
    new["spec"]["containers"][0]["image"] = json!("b");
    assert!(validate_update("", "Pod", &new, &old).is_empty());
    new["spec"]["restartPolicy"] = json!("Never");
    assert_eq!(validate_update("", "Pod", &new, &old)[0].field, "spec");
}
