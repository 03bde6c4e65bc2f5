//! Turns a method and path into kube-apiserver's `RequestInfo`: verb, group,
//! version, namespace, resource, subresource and name.

/// What a request is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// Whether the path names a resource (as opposed to `/healthz`, discovery, ...).
    pub is_resource_request: bool,
    /// `api` or `apis`.
    pub api_prefix: String,
    /// API group (empty for core).
    pub group: String,
    /// API version.
    pub version: String,
    /// Namespace from the URL, if any.
    pub namespace: String,
    /// Plural resource.
    pub resource: String,
    /// Subresource (`status`, `scale`, ...).
    pub subresource: String,
    /// Object name, if any.
    pub name: String,
    /// Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection.
    pub verb: String,
    /// Path segments for non-resource requests.
    pub parts: Vec<String>,
}

/// Parses a request as kube-apiserver's `RequestInfoFactory` does.
pub fn parse(method: &http::Method, path: &str, query_watch: bool) -> RequestInfo {
    let parts: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let mut info = RequestInfo {
        parts: parts.clone(),
        verb: method.as_str().to_lowercase(),
        ..Default::default()
    };
    let mut rest: &[String] = &parts;
    match rest.first().map(String::as_str) {
        Some("api") if rest.len() >= 2 => {
            info.api_prefix = "api".into();
            info.version = rest[1].clone();
            rest = &rest[2..];
        }
        Some("apis") if rest.len() >= 3 => {
            info.api_prefix = "apis".into();
            info.group = rest[1].clone();
            info.version = rest[2].clone();
            rest = &rest[3..];
        }
        _ => return info,
    }
    if rest.is_empty() {
        return info;
    }
    info.is_resource_request = true;
    let mut watch_path = false;
    if rest[0] == "watch" && rest.len() > 1 {
        watch_path = true;
        rest = &rest[1..];
    }
    if rest[0] == "namespaces" && rest.len() > 1 {
        info.namespace = rest[1].clone();
        // /namespaces/{name} and /namespaces/{name}/{subresource} address the
        // namespace object itself.
        if rest.len() > 2 && rest[2] != "finalize" && rest[2] != "status" {
            rest = &rest[2..];
        }
    }
    info.resource = rest[0].clone();
    if rest.len() > 1 {
        info.name = rest[1].clone();
    }
    if rest.len() > 2 {
        info.subresource = rest[2..].join("/");
    }
    if info.resource == "namespaces" && !info.namespace.is_empty() {
        info.name = info.namespace.clone();
        info.namespace.clear();
        if rest.len() > 2 {
            info.subresource = rest[2].clone();
        }
    }
    info.verb = match (method.as_str(), info.name.is_empty()) {
        ("GET" | "HEAD", true) if watch_path || query_watch => "watch",
        ("GET" | "HEAD", false) if watch_path => "watch",
        ("GET" | "HEAD", true) => "list",
        ("GET" | "HEAD", false) => "get",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "deletecollection",
        ("DELETE", false) => "delete",
        (other, _) => {
            return RequestInfo {
                verb: other.to_lowercase(),
                ..info
            }
        }
    }
    .to_string();
    info
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn namespaced_object() {
        let i = parse(
            &Method::GET,
            "/apis/apps/v1/namespaces/ns1/deployments/web/scale",
            false,
        );
        assert_eq!((i.group.as_str(), i.version.as_str()), ("apps", "v1"));
        assert_eq!(
            (i.namespace.as_str(), i.resource.as_str(), i.name.as_str()),
            ("ns1", "deployments", "web")
        );
        assert_eq!((i.subresource.as_str(), i.verb.as_str()), ("scale", "get"));
    }

    #[test]
    fn namespace_itself() {
        let i = parse(&Method::GET, "/api/v1/namespaces/kube-system", false);
        assert_eq!(
            (i.resource.as_str(), i.name.as_str(), i.namespace.as_str()),
            ("namespaces", "kube-system", "")
        );
        let i = parse(&Method::PUT, "/api/v1/namespaces/x/finalize", false);
        assert_eq!(
            (i.resource.as_str(), i.name.as_str(), i.subresource.as_str()),
            ("namespaces", "x", "finalize")
        );
        let i = parse(&Method::GET, "/api/v1/namespaces", false);
        assert_eq!(
            (i.resource.as_str(), i.verb.as_str()),
            ("namespaces", "list")
        );
    }

    #[test]
    fn watch_forms() {
        let i = parse(&Method::GET, "/api/v1/watch/namespaces/a/pods", false);
        assert_eq!(
            (i.verb.as_str(), i.namespace.as_str(), i.resource.as_str()),
            ("watch", "a", "pods")
        );
        let i = parse(&Method::GET, "/api/v1/pods", true);
        assert_eq!(i.verb, "watch");
        let i = parse(&Method::DELETE, "/api/v1/namespaces/a/pods", false);
        assert_eq!(i.verb, "deletecollection");
    }

    #[test]
    fn discovery_is_not_a_resource() {
        assert!(!parse(&Method::GET, "/apis/apps/v1", false).is_resource_request);
        assert!(!parse(&Method::GET, "/healthz", false).is_resource_request);
    }
}
