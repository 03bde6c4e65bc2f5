//! rbac.authorization.k8s.io: role bindings and cluster role bindings (ROLE,
//! wide USERS, GROUPS, SERVICEACCOUNTS). Roles and cluster roles have no
//! printer in kube-apiserver and print NAME, CREATED AT.

use super::{list, name, no_conditions, string, text, Doc, Now, Printer, AGE, NAME};
use serde_json::Value;

/// The printer of an RBAC kind.
pub(super) fn printer(kind: &str) -> Option<&'static Printer> {
    Some(match kind {
        "RoleBinding" => &ROLE_BINDING,
        "ClusterRoleBinding" => &CLUSTER_ROLE_BINDING,
        _ => return None,
    })
}

static ROLE_BINDING: Printer = Printer {
    columns: &[
        NAME,
        string(
            "Role",
            Doc::Field("io.k8s.api.rbac.v1.RoleBinding", "roleRef"),
        ),
        AGE,
        string("Users", Doc::Text("Users in the roleBinding")).wide(),
        string("Groups", Doc::Text("Groups in the roleBinding")).wide(),
        string(
            "ServiceAccounts",
            Doc::Text("ServiceAccounts in the roleBinding"),
        )
        .wide(),
    ],
    cells: binding_cells,
    conditions: no_conditions,
    reads: &[],
};

static CLUSTER_ROLE_BINDING: Printer = Printer {
    columns: &[
        NAME,
        string(
            "Role",
            Doc::Field("io.k8s.api.rbac.v1.ClusterRoleBinding", "roleRef"),
        ),
        AGE,
        string("Users", Doc::Text("Users in the clusterRoleBinding")).wide(),
        string("Groups", Doc::Text("Groups in the clusterRoleBinding")).wide(),
        string(
            "ServiceAccounts",
            Doc::Text("ServiceAccounts in the clusterRoleBinding"),
        )
        .wide(),
    ],
    cells: binding_cells,
    conditions: no_conditions,
    reads: &[],
};

/// `rbac.SubjectsStrings`: users, groups and `namespace/name` service accounts.
fn binding_cells(b: &Value, now: &Now) -> Vec<Value> {
    let (mut users, mut groups, mut accounts) = (Vec::new(), Vec::new(), Vec::new());
    for s in list(&b["subjects"]) {
        match text(&s["kind"]) {
            "ServiceAccount" => {
                accounts.push(format!("{}/{}", text(&s["namespace"]), text(&s["name"])))
            }
            "User" => users.push(text(&s["name"]).to_string()),
            "Group" => groups.push(text(&s["name"]).to_string()),
            _ => {}
        }
    }
    let role = &b["roleRef"];
    vec![
        name(b),
        Value::from(format!("{}/{}", text(&role["kind"]), text(&role["name"]))),
        Value::from(now.age(b)),
        Value::from(users.join(", ")),
        Value::from(groups.join(", ")),
        Value::from(accounts.join(", ")),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{cell, row};
    use serde_json::json;

    #[test]
    fn bindings() {
        let r = row(
            "rbac.authorization.k8s.io",
            "RoleBinding",
            json!({"metadata": {"name": "read"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
            "subjects": [{"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"},
                {"kind": "Group", "name": "devs"}, {"kind": "ServiceAccount", "namespace": "ci", "name": "runner"}]}),
        );
        assert_eq!(
            r.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            [
                "NAME",
                "ROLE",
                "AGE",
                "USERS*",
                "GROUPS*",
                "SERVICEACCOUNTS*"
            ]
        );
        assert_eq!(cell(&r, "ROLE"), "Role/reader");
        assert_eq!(cell(&r, "USERS*"), "alice, bob");
        assert_eq!(cell(&r, "GROUPS*"), "devs");
        assert_eq!(cell(&r, "SERVICEACCOUNTS*"), "ci/runner");
        let r = row(
            "rbac.authorization.k8s.io",
            "ClusterRoleBinding",
            json!({"metadata": {"name": "admin"},
            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}}),
        );
        assert_eq!(
            (cell(&r, "ROLE"), cell(&r, "USERS*")),
            (&json!("ClusterRole/cluster-admin"), &json!(""))
        );
    }
}
