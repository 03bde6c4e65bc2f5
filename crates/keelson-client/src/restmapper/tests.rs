//! The mapper over a hand-built discovery answer.

use super::*;
use crate::discovery::ServerResources;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIResource, APIResourceList, GroupVersionForDiscovery,
};

fn group(name: &str, versions: &[&str], preferred: &str) -> APIGroup {
    let gv = |v: &str| GroupVersionForDiscovery {
        group_version: if name.is_empty() {
            v.to_string()
        } else {
            format!("{name}/{v}")
        },
        version: v.to_string(),
    };
    APIGroup {
        name: name.into(),
        versions: versions.iter().map(|v| gv(v)).collect(),
        preferred_version: Some(gv(preferred)),
        server_address_by_client_cidrs: None,
    }
}

/// `(name, singular, kind, namespaced, short names, categories)`.
type Res<'a> = (
    &'a str,
    &'a str,
    &'a str,
    bool,
    &'a [&'a str],
    &'a [&'a str],
);

fn list(group_version: &str, resources: &[Res]) -> APIResourceList {
    APIResourceList {
        group_version: group_version.into(),
        resources: resources
            .iter()
            .map(
                |(name, singular, kind, namespaced, short, cats)| APIResource {
                    name: name.to_string(),
                    singular_name: singular.to_string(),
                    kind: kind.to_string(),
                    namespaced: *namespaced,
                    short_names: (!short.is_empty())
                        .then(|| short.iter().map(|s| s.to_string()).collect()),
                    categories: (!cats.is_empty())
                        .then(|| cats.iter().map(|s| s.to_string()).collect()),
                    ..Default::default()
                },
            )
            .collect(),
    }
}

fn server() -> ServerResources {
    ServerResources {
        groups: vec![
            group("", &["v1"], "v1"),
            // v1 is preferred though listed second.
            group("apps", &["v1beta1", "v1"], "v1"),
            group("autoscaling", &["v2", "v1"], "v2"),
            group("metrics.k8s.io", &["v1beta1"], "v1beta1"),
            group("example.com", &["v1"], "v1"),
        ],
        resources: vec![
            list(
                "v1",
                &[
                    ("pods", "pod", "Pod", true, &["po"], &["all"]),
                    ("pods/status", "pod", "Pod", true, &[], &[]),
                    ("services", "service", "Service", true, &["svc"], &["all"]),
                    ("nodes", "node", "Node", false, &["no"], &[]),
                ],
            ),
            list(
                "apps/v1beta1",
                &[(
                    "deployments",
                    "deployment",
                    "Deployment",
                    true,
                    &["deploy"],
                    &["all"],
                )],
            ),
            list(
                "apps/v1",
                &[
                    (
                        "deployments",
                        "deployment",
                        "Deployment",
                        true,
                        &["deploy"],
                        &["all"],
                    ),
                    (
                        "replicasets",
                        "replicaset",
                        "ReplicaSet",
                        true,
                        &["rs"],
                        &["all"],
                    ),
                ],
            ),
            list(
                "autoscaling/v2",
                &[(
                    "horizontalpodautoscalers",
                    "horizontalpodautoscaler",
                    "HorizontalPodAutoscaler",
                    true,
                    &["hpa"],
                    &["all"],
                )],
            ),
            list(
                "autoscaling/v1",
                &[(
                    "horizontalpodautoscalers",
                    "horizontalpodautoscaler",
                    "HorizontalPodAutoscaler",
                    true,
                    &["hpa"],
                    &["all"],
                )],
            ),
            list(
                "metrics.k8s.io/v1beta1",
                &[("pods", "", "PodMetrics", true, &[], &[])],
            ),
            list(
                "example.com/v1",
                &[
                    ("bars", "bar", "Bar", true, &[], &[]),
                    ("bar", "barx", "BarX", false, &[], &[]),
                    ("pollers", "poller", "Poller", true, &["po"], &[]),
                ],
            ),
        ],
        failed: Vec::new(),
    }
}

fn gvr(g: &str, v: &str, r: &str) -> GroupVersionResource {
    GroupVersionResource::new(g, v, r)
}

/// `group/version resource scope` of what `arg` maps to, or the error text.
fn mapped(m: &RestMapper, arg: &str) -> String {
    match m.mapping_for(arg) {
        Ok(x) => format!(
            "{} {} {} {}",
            x.gvk.api_version(),
            x.gvr.resource,
            x.gvk.kind,
            x.scope.name()
        ),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn every_spelling_of_deployments_maps_to_the_preferred_version() {
    let m = RestMapper::new(&server());
    for arg in [
        "deploy",
        "deployments",
        "deployment",
        "DEPLOYMENTS",
        "Deployment",
        "deployments.apps",
        "deployment.apps",
        "deployments.v1.apps",
        "deploy.apps",
        "Deployment.apps",
        "Deployment.v1.apps",
    ] {
        assert_eq!(
            mapped(&m, arg),
            "apps/v1 deployments Deployment namespace",
            "{arg}"
        );
    }
    assert_eq!(
        mapped(&m, "deployments.v1beta1.apps"),
        "apps/v1beta1 deployments Deployment namespace"
    );
    assert_eq!(
        mapped(&m, "Deployment.v1beta1.apps"),
        "apps/v1beta1 deployments Deployment namespace"
    );
}

#[test]
fn earlier_groups_win_and_scope_follows_discovery() {
    let m = RestMapper::new(&server());
    assert_eq!(mapped(&m, "pods"), "v1 pods Pod namespace");
    assert_eq!(mapped(&m, "po"), "v1 pods Pod namespace");
    assert_eq!(
        mapped(&m, "pods.metrics.k8s.io"),
        "metrics.k8s.io/v1beta1 pods PodMetrics namespace"
    );
    assert_eq!(mapped(&m, "no"), "v1 nodes Node root");
    assert_eq!(
        mapped(&m, "hpa"),
        "autoscaling/v2 horizontalpodautoscalers HorizontalPodAutoscaler namespace"
    );
    assert_eq!(
        mapped(&m, "hpa.autoscal"),
        "autoscaling/v2 horizontalpodautoscalers HorizontalPodAutoscaler namespace",
        "a group prefix finds a short name's group"
    );
    assert_eq!(
        mapped(&m, "hpa.v1.autoscaling"),
        "autoscaling/v2 horizontalpodautoscalers HorizontalPodAutoscaler namespace",
        "kubectl's shortcut expander drops the version"
    );
    assert_eq!(
        mapped(&m, "horizontalpodautoscalers.v1.autoscaling"),
        "autoscaling/v1 horizontalpodautoscalers HorizontalPodAutoscaler namespace"
    );
    assert_eq!(
        m.resource_for(&gvr("", "", "Pod"))
            .map_err(|e| e.to_string()),
        Ok(gvr("", "v1", "pods"))
    );
    assert_eq!(
        m.kind_for(&gvr("apps", "v1beta1", "deploy"))
            .map(|k| k.api_version())
            .map_err(|e| e.to_string()),
        Ok("apps/v1".to_string())
    );
}

#[test]
fn unknown_resources_fail_as_kubectl_says() {
    let m = RestMapper::new(&server());
    assert_eq!(
        mapped(&m, "foo"),
        r#"error: the server doesn't have a resource type "foo""#
    );
    assert_eq!(
        mapped(&m, "deployments.v1.core"),
        r#"error: the server doesn't have a resource type "deployments""#
    );
    assert_eq!(
        mapped(&m, "pods/status"),
        r#"error: the server doesn't have a resource type "pods/status""#,
        "subresources are not resource types"
    );
    assert_eq!(
        m.resource_for(&gvr("", "", "foo"))
            .map_err(|e| e.to_string()),
        Err("no matches for /, Resource=foo".to_string())
    );
    let no_kind = |gk: GroupKind, versions: &[&str]| match m.rest_mapping(&gk, versions) {
        Ok(x) => format!("{x:?}"),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        no_kind(GroupKind::new("", "Deployment"), &[]),
        r#"no matches for kind "Deployment" in group """#
    );
    assert_eq!(
        no_kind(GroupKind::new("apps", "Deployment"), &["v2"]),
        r#"no matches for kind "Deployment" in version "apps/v2""#
    );
    assert_eq!(
        no_kind(GroupKind::new("apps", "Widget"), &["v2", "v1"]),
        r#"no matches for kind "Widget" in versions ["v1" "v2"]"#
    );
    assert_eq!(
        m.rest_mapping(&GroupKind::new("apps", "Deployment"), &[""])
            .map(|x| x.gvr)
            .map_err(|e| e.to_string()),
        Ok(gvr("apps", "v1", "deployments")),
        "an empty version is the preferred one"
    );
    assert_eq!(
        m.rest_mapping(&GroupKind::new("apps", "Deployment"), &["v2", "v1beta1"])
            .map(|x| x.gvr)
            .map_err(|e| e.to_string()),
        Ok(gvr("apps", "v1beta1", "deployments")),
        "the first version that serves the kind"
    );
}

#[test]
fn ambiguous_names_are_reported_with_every_match() {
    let m = RestMapper::new(&server());
    assert_eq!(
        m.resource_for(&gvr("", "", "bar"))
            .map_err(|e| e.to_string()),
        Err("/, Resource=bar matches multiple resources \
             [example.com/v1, Resource=bars example.com/v1, Resource=bar]"
            .to_string())
    );
    assert_eq!(
        m.kind_for(&gvr("", "", "bar")).map_err(|e| e.to_string()),
        Err("/, Resource=bar matches multiple kinds \
             [example.com/v1, Kind=Bar example.com/v1, Kind=BarX]"
            .to_string())
    );
    // kubectl swallows the ambiguity and tries a kind of that name.
    assert_eq!(
        mapped(&m, "bar"),
        r#"error: the server doesn't have a resource type "bar""#
    );
    assert_eq!(
        mapped(&m, "BarX.example.com"),
        "example.com/v1 bar BarX root"
    );
}

#[test]
fn short_names_are_case_sensitive_resource_names_are_not() {
    let m = RestMapper::new(&server());
    assert_eq!(mapped(&m, "PODS"), "v1 pods Pod namespace");
    assert_eq!(mapped(&m, "Pod"), "v1 pods Pod namespace");
    assert_eq!(
        mapped(&m, "PO"),
        r#"error: the server doesn't have a resource type "PO""#
    );
}

#[test]
fn category_all_expands_in_discovery_order_once_per_resource() {
    let m = RestMapper::new(&server());
    assert_eq!(
        m.expand_categories("all"),
        "pods,services,deployments.apps,replicasets.apps,horizontalpodautoscalers.autoscaling"
    );
    assert_eq!(m.expand_categories("nodes,all").split(',').count(), 6);
    assert!(m.category("nothing").is_none());
}

fn targets(m: &RestMapper, args: &[&str]) -> Result<Vec<String>, String> {
    m.resolve_args(args)
        .map(|ts| {
            ts.into_iter()
                .map(|t| match t.name {
                    Some(n) => format!("{}/{n}", t.mapping.gvr.resource),
                    None => t.mapping.gvr.resource,
                })
                .collect()
        })
        .map_err(|e| e.to_string())
}

#[test]
fn resource_arguments_as_kubectl_reads_them() {
    let m = RestMapper::new(&server());
    assert_eq!(targets(&m, &[]), Ok(vec![]));
    assert_eq!(targets(&m, &["deploy"]), Ok(vec!["deployments".into()]));
    assert_eq!(
        targets(&m, &["deploy", "a", "b"]),
        Ok(vec!["deployments/a".into(), "deployments/b".into()])
    );
    assert_eq!(
        targets(&m, &["pods,svc,pods"]),
        Ok(vec!["pods".into(), "services".into()])
    );
    assert_eq!(
        targets(&m, &["po,svc", "web"]),
        Ok(vec!["pods/web".into(), "services/web".into()])
    );
    assert_eq!(
        targets(&m, &["pods/a", "deploy.apps/b"]),
        Ok(vec!["pods/a".into(), "deployments/b".into()])
    );
    assert_eq!(
        targets(&m, &["all"]),
        Ok(vec![
            "pods".into(),
            "services".into(),
            "deployments".into(),
            "replicasets".into(),
            "horizontalpodautoscalers".into()
        ])
    );
    assert_eq!(
        targets(&m, &["pods", "pods/a"]),
        Err(
            "there is no need to specify a resource type as a separate argument when passing \
             arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' \
             instead of 'kubectl get resource resource/<resource_name>'"
                .to_string()
        )
    );
    assert_eq!(
        targets(&m, &["pods/a/b"]),
        Err("arguments in resource/name form may not have more than one slash".to_string())
    );
    assert_eq!(
        targets(&m, &["pods/"]),
        Err("arguments in resource/name form must have a single resource and name".to_string())
    );
    assert_eq!(
        targets(&m, &["pods,nope"]),
        Err(r#"the server doesn't have a resource type "nope""#.to_string())
    );
}

#[test]
fn a_short_name_claimed_twice_goes_to_the_earlier_group_with_a_warning() {
    let m = RestMapper::new(&server());
    assert_eq!(mapped(&m, "po"), "v1 pods Pod namespace");
    assert_eq!(
        m.shortcut_warnings("po"),
        ["short name \"po\" could also match lower priority resource pollers.example.com"]
    );
    assert_eq!(
        mapped(&m, "po.example.com"),
        "example.com/v1 pollers Poller namespace"
    );
    assert!(m.shortcut_warnings("po.example.com").is_empty());
    assert!(
        m.shortcut_warnings("deploy").is_empty(),
        "one resource, two versions"
    );
    assert!(m.shortcut_warnings("pods").is_empty());
}

#[test]
fn kubectl_words_a_missing_resource_with_its_group_and_version() {
    let m = RestMapper::new(&server());
    let message = |partial: GroupVersionResource| match m.resource_for(&partial) {
        Ok(x) => format!("{x:?}"),
        Err(e) => e.kubectl_message(),
    };
    assert_eq!(
        message(gvr("", "", "foo")),
        r#"the server doesn't have a resource type "foo""#
    );
    assert_eq!(
        message(gvr("apps", "", "foo")),
        r#"the server doesn't have a resource type "foo" in group "apps""#
    );
    assert_eq!(
        message(gvr("", "v2", "pods")),
        r#"the server doesn't have a resource type "pods" in version "v2""#
    );
    assert_eq!(
        message(gvr("apps", "v2", "Deployments")),
        r#"the server doesn't have a resource type "Deployments" in group "apps" and version "v2""#
    );
    assert_eq!(
        m.mapping_for("foo").map_err(|e| e.kubectl_message()),
        Err(r#"the server doesn't have a resource type "foo""#.to_string())
    );
}
