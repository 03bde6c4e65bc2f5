//! Owned objects → their controller's key, by `ownerReferences` (client-go's
//! `metav1.GetControllerOf` + the sample-controller's `handleObject`).

use crate::informer::Object;
use k8s_openapi::{NamespaceResourceScope, Resource};
use std::any::TypeId;

/// The key (`namespace/name`, or `name` if `Owner` is cluster-scoped) of the
/// object of kind `Owner` that controls `owned`: the owner reference with
/// `controller: true`, if it names an `Owner`.
pub fn controller_key<Owner, O>(owned: &O) -> Option<String>
where
    Owner: Resource,
    Owner::Scope: 'static,
    O: Object + ?Sized,
{
    let owner = owned
        .meta()
        .owner_references
        .as_ref()?
        .iter()
        .find(|r| r.controller == Some(true))?;
    if owner.kind != Owner::KIND || group(&owner.api_version) != Owner::GROUP {
        return None;
    }
    if TypeId::of::<Owner::Scope>() == TypeId::of::<NamespaceResourceScope>() {
        Some(format!("{}/{}", owned.namespace()?, owner.name))
    } else {
        Some(owner.name.clone())
    }
}

/// The group of an `apiVersion` (`""` for the core group's `v1`). Any
/// version of the owner's group counts: versions are views of one object.
fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

    fn secret(refs: Vec<OwnerReference>) -> Secret {
        let mut s = Secret::default();
        s.metadata.name = Some("s".into());
        s.metadata.namespace = Some("prod".into());
        s.metadata.owner_references = Some(refs);
        s
    }

    fn owner(
        api_version: &str,
        kind: &str,
        name: &str,
        controller: Option<bool>,
    ) -> OwnerReference {
        OwnerReference {
            api_version: api_version.into(),
            kind: kind.into(),
            name: name.into(),
            uid: "u".into(),
            controller,
            block_owner_deletion: None,
        }
    }

    #[test]
    fn only_the_controlling_owner_of_the_right_kind_counts() {
        let s = secret(vec![
            owner("v1", "ConfigMap", "plain-owner", None),
            owner("v1", "ConfigMap", "web", Some(true)),
        ]);
        assert_eq!(
            controller_key::<ConfigMap, _>(&s).as_deref(),
            Some("prod/web")
        );
        assert_eq!(controller_key::<Deployment, _>(&s), None);
        let s = secret(vec![owner("v1", "ConfigMap", "plain-owner", Some(false))]);
        assert_eq!(controller_key::<ConfigMap, _>(&s), None);
        let s = secret(vec![owner("apps/v1", "Deployment", "api", Some(true))]);
        assert_eq!(
            controller_key::<Deployment, _>(&s).as_deref(),
            Some("prod/api")
        );
        let s = secret(vec![owner(
            "example.com/v1",
            "Deployment",
            "api",
            Some(true),
        )]);
        assert_eq!(
            controller_key::<Deployment, _>(&s),
            None,
            "another group's Deployment"
        );
    }

    #[test]
    fn cluster_scoped_owners_are_keyed_by_name() {
        let s = secret(vec![owner("v1", "Namespace", "prod", Some(true))]);
        assert_eq!(controller_key::<Namespace, _>(&s).as_deref(), Some("prod"));
    }
}
