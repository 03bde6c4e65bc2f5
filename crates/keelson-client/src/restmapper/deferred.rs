//! `DiscoveryRestMapper`: a [`RestMapper`] loaded from discovery when first
//! needed, and reloaded once from the server when nothing matched, so a
//! resource created after the disk cache was written is still found
//! (client-go's `DeferredDiscoveryRESTMapper`, as kubectl wires it).

use super::{GroupKind, MappingError, ResourceTarget, RestMapper, RestMapping};
use crate::discovery::DiscoveryClient;
use keelson_apimachinery::gvk::{GroupVersionKind, GroupVersionResource};

/// A [`RestMapper`] over a [`DiscoveryClient`], with kubectl's
/// invalidate-and-retry when a resource is not found.
#[derive(Debug)]
pub struct DiscoveryRestMapper {
    discovery: DiscoveryClient,
    mapper: Option<RestMapper>,
    /// Whether the loaded mapper came from the server in this process (so
    /// a retry cannot find anything new).
    fresh: bool,
}

impl DiscoveryRestMapper {
    /// A mapper that asks `discovery` on first use.
    pub fn new(discovery: DiscoveryClient) -> DiscoveryRestMapper {
        DiscoveryRestMapper {
            discovery,
            mapper: None,
            fresh: false,
        }
    }

    /// The discovery client underneath.
    pub fn discovery(&self) -> &DiscoveryClient {
        &self.discovery
    }

    /// The current mapper, loading it on first use. Group versions that
    /// could not be read are left out, as client-go maps what it could read.
    pub async fn mapper(&mut self) -> Result<&RestMapper, MappingError> {
        let mapper = match self.mapper.take() {
            Some(m) => m,
            None => {
                // Without a cached group list the load asks the server, and
                // a retry could learn nothing new (client-go's `Fresh`).
                let from_server = self
                    .discovery
                    .server_cache_path()
                    .is_none_or(|dir| !dir.join("servergroups.json").exists());
                let found = self.discovery.server_groups_and_resources().await?;
                self.fresh = self.fresh || from_server;
                RestMapper::new(&found)
            }
        };
        Ok(self.mapper.insert(mapper))
    }

    /// Forgets the mapper and the disk cache (client-go's `Reset`); the
    /// next call asks the server.
    pub fn reset(&mut self) {
        self.discovery.invalidate();
        self.mapper = None;
        self.fresh = true;
    }

    /// Runs `f` on the mapper; when nothing matched and the mapper may be
    /// stale, resets once and runs it again.
    async fn with_retry<T>(
        &mut self,
        f: impl Fn(&RestMapper) -> Result<T, MappingError>,
    ) -> Result<T, MappingError> {
        let first = f(self.mapper().await?);
        match first {
            Err(e) if is_not_found(&e) && !self.fresh => {
                self.reset();
                f(self.mapper().await?)
            }
            other => other,
        }
    }

    /// [`RestMapper::kind_for`], refreshed once on no match.
    pub async fn kind_for(
        &mut self,
        partial: &GroupVersionResource,
    ) -> Result<GroupVersionKind, MappingError> {
        self.with_retry(|m| m.kind_for(partial)).await
    }

    /// [`RestMapper::resource_for`], refreshed once on no match.
    pub async fn resource_for(
        &mut self,
        partial: &GroupVersionResource,
    ) -> Result<GroupVersionResource, MappingError> {
        self.with_retry(|m| m.resource_for(partial)).await
    }

    /// [`RestMapper::rest_mapping`], refreshed once on no match.
    pub async fn rest_mapping(
        &mut self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<RestMapping, MappingError> {
        self.with_retry(|m| m.rest_mapping(group_kind, versions))
            .await
    }

    /// [`RestMapper::mapping_for`], refreshed once on no match.
    pub async fn mapping_for(&mut self, arg: &str) -> Result<RestMapping, MappingError> {
        self.with_retry(|m| m.mapping_for(arg)).await
    }

    /// [`RestMapper::resolve_args`], refreshed once on no match.
    pub async fn resolve_args(
        &mut self,
        args: &[&str],
    ) -> Result<Vec<ResourceTarget>, MappingError> {
        self.with_retry(|m| m.resolve_args(args)).await
    }
}

fn is_not_found(e: &MappingError) -> bool {
    e.is_no_match() || matches!(e, MappingError::UnknownResourceType(_))
}
