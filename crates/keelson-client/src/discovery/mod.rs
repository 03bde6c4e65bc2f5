//! `DiscoveryClient`: what the server serves (client-go's cached discovery
//! client). Asks for aggregated discovery on `/api` and `/apis` and falls
//! back to `/api`, `/apis` and `/apis/<group>/<version>` when the server
//! answers with the legacy documents; keeps the answers on disk where
//! kubectl keeps them, so keelctl and kubectl share one cache.
//!
//! Printing every group version and resource:
//!
//! ```no_run
//! # async fn demo() -> keelson_client::Result<()> {
//! use keelson_client::discovery::DiscoveryClient;
//! use keelson_client::RestClient;
//!
//! let discovery = DiscoveryClient::new(RestClient::try_default()?);
//! let found = discovery.server_groups_and_resources().await?;
//! if let Some(message) = found.failure_message() {
//!     eprintln!("error: {message}");
//! }
//! for list in found.resources {
//!     for r in list.resources {
//!         println!("{} {}", list.group_version, r.name);
//!     }
//! }
//! # Ok(()) }
//! ```

mod aggregated;
mod cache;

pub use aggregated::{is_aggregated, ACCEPT_AGGREGATED};
pub use cache::{default_cache_dir, server_cache_dir, DEFAULT_TTL};

use crate::config::{Config, DISCOVERY_BURST, DISCOVERY_QPS};
use crate::error::{Error, Result};
use crate::rest::{Response, RestClient};
use cache::DiskCache;
use http::header::CONTENT_TYPE;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIGroupList, APIResourceList, GroupVersionForDiscovery,
};
use k8s_openapi::apimachinery::pkg::version::Info;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Discovery with kubectl's disk cache.
#[derive(Debug)]
pub struct DiscoveryClient {
    client: RestClient,
    cache_root: Option<PathBuf>,
    ttl: Duration,
    cache: Option<DiskCache>,
    legacy_only: bool,
}

/// What the server serves, and what could not be read.
#[derive(Debug, Default)]
pub struct ServerResources {
    /// Every group with its versions, the core group (`""`) first.
    pub groups: Vec<APIGroup>,
    /// The resources of each group version that could be read.
    pub resources: Vec<APIResourceList>,
    /// Group versions whose resources could not be read, with the reason.
    pub failed: Vec<(String, Error)>,
}

impl ServerResources {
    /// client-go's `ErrGroupDiscoveryFailed` message when some group
    /// versions failed (kubectl prints it after `error: `):
    /// `unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: ...`.
    pub fn failure_message(&self) -> Option<String> {
        if self.failed.is_empty() {
            return None;
        }
        let mut parts: Vec<String> = self
            .failed
            .iter()
            .map(|(gv, e)| format!("{gv}: {}", go_error_text(e)))
            .collect();
        parts.sort();
        Some(format!(
            "unable to retrieve the complete list of server APIs: {}",
            parts.join(", ")
        ))
    }
}

/// An error as Go prints it: the server's message for an API error (our
/// `Display` prefixes the reason and code), else the whole text.
fn go_error_text(e: &Error) -> String {
    match e.api() {
        Some(api) => api.message.clone(),
        None => e.to_string(),
    }
}

/// `/api`'s `APIVersions`; only the versions matter here.
#[derive(Deserialize)]
struct ApiVersions {
    #[serde(default)]
    versions: Vec<String>,
}

impl DiscoveryClient {
    /// Discovery through `client`, cached under kubectl's default
    /// `~/.kube/cache/discovery/<host_port>/` (see [`default_cache_dir`]; no
    /// disk cache when neither `$KUBECACHEDIR` nor `$HOME` is set).
    pub fn new(client: RestClient) -> DiscoveryClient {
        let mut d = DiscoveryClient {
            client,
            cache_root: default_cache_dir(),
            ttl: DEFAULT_TTL,
            cache: None,
            legacy_only: false,
        };
        d.rebuild_cache();
        d
    }

    /// Discovery for `config` with kubectl's discovery rate limits (QPS 50,
    /// burst 300: a cold cache costs one request per group version).
    pub fn for_config(mut config: Config) -> Result<DiscoveryClient> {
        config.qps = DISCOVERY_QPS;
        config.burst = DISCOVERY_BURST;
        Ok(DiscoveryClient::new(RestClient::new(config)?))
    }

    /// The cache directory, as kubectl's `--cache-dir` (discovery goes to
    /// its `discovery/<host_port>/` subdirectory).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> DiscoveryClient {
        self.cache_root = Some(dir.into());
        self.rebuild_cache();
        self
    }

    /// No disk cache: every call asks the server.
    pub fn without_cache(mut self) -> DiscoveryClient {
        self.cache_root = None;
        self.cache = None;
        self
    }

    /// How long a cache file stays valid after it was written (default [`DEFAULT_TTL`]).
    pub fn ttl(mut self, ttl: Duration) -> DiscoveryClient {
        self.ttl = ttl;
        self.rebuild_cache();
        self
    }

    /// Asks for the legacy documents only (client-go's `WithLegacy`), as
    /// against a server older than aggregated discovery.
    pub fn legacy(mut self) -> DiscoveryClient {
        self.legacy_only = true;
        self
    }

    fn rebuild_cache(&mut self) {
        let host = self.client.config().cluster_url.to_string();
        self.cache = self
            .cache_root
            .as_deref()
            .map(|root| DiskCache::new(server_cache_dir(root, &host), self.ttl));
    }

    /// This server's cache directory, when there is a disk cache.
    pub fn server_cache_path(&self) -> Option<&Path> {
        self.cache.as_ref().map(DiskCache::dir)
    }

    /// Ignores every cache file not written by this client from now on, so
    /// the next calls ask the server (client-go's `Invalidate`; kubectl calls
    /// it when a resource is not found).
    pub fn invalidate(&self) {
        if let Some(cache) = &self.cache {
            cache.invalidate();
        }
    }

    /// `GET /version`.
    pub async fn server_version(&self) -> Result<Info> {
        self.client.get().abs_path("/version").into().await
    }

    /// Every group with its versions, the legacy core group (`""`) first.
    pub async fn server_groups(&self) -> Result<APIGroupList> {
        Ok(self.groups_and_maybe_resources().await?.0)
    }

    /// The resources of one group version (`v1`, `apps/v1`).
    pub async fn server_resources_for_group_version(
        &self,
        group_version: &str,
    ) -> Result<APIResourceList> {
        if let Some(cache) = &self.cache {
            let cached = cache
                .read(&cache.resources_path(group_version))
                .and_then(|b| serde_json::from_slice::<APIResourceList>(&b).ok());
            if let Some(list) = cached {
                return Ok(list);
            }
        }
        let path = if group_version.contains('/') {
            format!("/apis/{group_version}")
        } else {
            format!("/api/{group_version}")
        };
        let list: APIResourceList = self.client.get().abs_path(path).into().await?;
        self.store_resources(&list);
        Ok(list)
    }

    /// Every group, and the resources of each of its versions, in discovery
    /// order. A group version that cannot be read does not fail the call:
    /// it is listed in [`ServerResources::failed`], as client-go returns
    /// partial results with `ErrGroupDiscoveryFailed`.
    pub async fn server_groups_and_resources(&self) -> Result<ServerResources> {
        let (groups, fetched) = self.groups_and_maybe_resources().await?;
        let mut fetched: HashMap<String, APIResourceList> = fetched
            .into_iter()
            .map(|l| (l.group_version.clone(), l))
            .collect();
        let mut out = ServerResources::default();
        for group in &groups.groups {
            for v in &group.versions {
                if let Some(list) = fetched.remove(&v.group_version) {
                    out.resources.push(list);
                    continue;
                }
                match self
                    .server_resources_for_group_version(&v.group_version)
                    .await
                {
                    Ok(list) => out.resources.push(list),
                    Err(e) => out.failed.push((v.group_version.clone(), e)),
                }
            }
        }
        out.groups = groups.groups;
        Ok(out)
    }

    /// For each group, each resource in its preferred version (or, when the
    /// preferred version does not serve it, the first version that does);
    /// subresources left out. One list per group version, as client-go's
    /// `ServerPreferredResources`.
    /// Group versions that failed are left out; `failed` names them.
    pub async fn server_preferred_resources(&self) -> Result<ServerResources> {
        let mut all = self.server_groups_and_resources().await?;
        all.resources = preferred(&all.groups, std::mem::take(&mut all.resources));
        Ok(all)
    }

    /// Groups from the cache, else from the server, with the resources the
    /// aggregated documents brought along (written to the cache as well).
    async fn groups_and_maybe_resources(&self) -> Result<(APIGroupList, Vec<APIResourceList>)> {
        if let Some(cache) = &self.cache {
            let cached = cache
                .read(&cache.groups_path())
                .and_then(|b| serde_json::from_slice::<APIGroupList>(&b).ok());
            if let Some(groups) = cached {
                return Ok((groups, Vec::new()));
            }
        }
        let (mut groups, mut resources) = self.fetch_root("/api", true).await?;
        let (named, named_resources) = self.fetch_root("/apis", false).await?;
        groups.extend(named);
        resources.extend(named_resources);
        let list = APIGroupList { groups };
        if let Some(cache) = &self.cache {
            match serde_json::to_vec(&list) {
                Ok(bytes) => cache.write(&cache.groups_path(), &bytes),
                Err(e) => return Err(Error::Decode(format!("encoding APIGroupList: {e}"))),
            }
        }
        for r in &resources {
            self.store_resources(r);
        }
        Ok((list, resources))
    }

    /// `/api` or `/apis`: aggregated when the server answers so, else the
    /// legacy document (groups only). A 404 is an empty answer, as from a
    /// server without named groups.
    async fn fetch_root(
        &self,
        path: &str,
        legacy_group: bool,
    ) -> Result<(Vec<APIGroup>, Vec<APIResourceList>)> {
        let accept = if self.legacy_only {
            "application/json"
        } else {
            ACCEPT_AGGREGATED
        };
        let resp: Response = match self
            .client
            .get()
            .abs_path(path)
            .header("Accept", accept)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) if e.is_not_found() => return Ok((Vec::new(), Vec::new())),
            Err(e) => return Err(e),
        };
        let content_type = resp
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if is_aggregated(content_type) {
            return Ok(aggregated::split(resp.decode()?));
        }
        if legacy_group {
            let versions: ApiVersions = resp.decode()?;
            if versions.versions.is_empty() {
                return Ok((Vec::new(), Vec::new()));
            }
            let versions: Vec<GroupVersionForDiscovery> = versions
                .versions
                .into_iter()
                .map(|v| GroupVersionForDiscovery {
                    group_version: v.clone(),
                    version: v,
                })
                .collect();
            let group = APIGroup {
                name: String::new(),
                preferred_version: versions.first().cloned(),
                server_address_by_client_cidrs: None,
                versions,
            };
            return Ok((vec![group], Vec::new()));
        }
        let list: APIGroupList = resp.decode()?;
        Ok((list.groups, Vec::new()))
    }

    fn store_resources(&self, list: &APIResourceList) {
        if let Some(cache) = &self.cache {
            if let Ok(bytes) = serde_json::to_vec(list) {
                cache.write(&cache.resources_path(&list.group_version), &bytes);
            }
        }
    }
}

fn preferred(groups: &[APIGroup], lists: Vec<APIResourceList>) -> Vec<APIResourceList> {
    let mut by_gv: HashMap<String, APIResourceList> = lists
        .into_iter()
        .map(|l| (l.group_version.clone(), l))
        .collect();
    let mut out = Vec::new();
    for group in groups {
        let preferred = group
            .preferred_version
            .as_ref()
            .map(|v| v.version.as_str())
            .unwrap_or("");
        // resource name → index of the chosen version in `versions`
        let mut chosen: HashMap<String, usize> = HashMap::new();
        let mut versions: Vec<APIResourceList> = Vec::new();
        for v in &group.versions {
            let Some(list) = by_gv.remove(&v.group_version) else {
                continue;
            };
            let idx = versions.len();
            for r in list.resources.iter().filter(|r| !r.name.contains('/')) {
                if chosen.contains_key(&r.name) && v.version != preferred {
                    continue;
                }
                chosen.insert(r.name.clone(), idx);
            }
            versions.push(list);
        }
        for (idx, list) in versions.into_iter().enumerate() {
            let resources = list
                .resources
                .into_iter()
                .filter(|r| chosen.get(&r.name) == Some(&idx))
                .collect();
            out.push(APIResourceList {
                group_version: list.group_version,
                resources,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResource;

    fn gv(g: &str, v: &str) -> GroupVersionForDiscovery {
        GroupVersionForDiscovery {
            group_version: format!("{g}/{v}"),
            version: v.into(),
        }
    }

    fn list(gv: &str, names: &[&str]) -> APIResourceList {
        APIResourceList {
            group_version: gv.into(),
            resources: names
                .iter()
                .map(|n| APIResource {
                    name: n.to_string(),
                    ..Default::default()
                })
                .collect(),
        }
    }

    #[test]
    fn preferred_version_wins_other_versions_fill_gaps() {
        // v2 is preferred though listed second; v1 alone serves `olds`.
        let groups = [APIGroup {
            name: "x".into(),
            versions: vec![gv("x", "v1"), gv("x", "v2")],
            preferred_version: Some(gv("x", "v2")),
            server_address_by_client_cidrs: None,
        }];
        let lists = vec![
            list("x/v1", &["widgets", "widgets/status", "olds"]),
            list("x/v2", &["widgets", "widgets/status"]),
        ];
        let out = preferred(&groups, lists);
        let names: Vec<(String, Vec<String>)> = out
            .into_iter()
            .map(|l| {
                (
                    l.group_version,
                    l.resources.into_iter().map(|r| r.name).collect(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("x/v1".to_string(), vec!["olds".to_string()]),
                ("x/v2".to_string(), vec!["widgets".to_string()]),
            ]
        );
    }
}
