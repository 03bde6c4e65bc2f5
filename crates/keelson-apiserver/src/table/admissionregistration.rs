//! admissionregistration.k8s.io: webhook configurations and admission
//! policies with their bindings.

use super::{count, integer, name, no_conditions, string, text, Doc, Now, Printer, AGE, NAME};
use serde_json::Value;

/// The printer of an admissionregistration kind.
pub(super) fn printer(kind: &str) -> Option<&'static Printer> {
    Some(match kind {
        "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration" => &WEBHOOK_CONFIGURATION,
        "ValidatingAdmissionPolicy" => &VALIDATING_POLICY,
        "MutatingAdmissionPolicy" => &MUTATING_POLICY,
        "ValidatingAdmissionPolicyBinding" | "MutatingAdmissionPolicyBinding" => &POLICY_BINDING,
        _ => return None,
    })
}

static WEBHOOK_CONFIGURATION: Printer = Printer {
    columns: &[
        NAME,
        integer(
            "Webhooks",
            Doc::Text("Webhooks indicates the number of webhooks registered in this configuration"),
        ),
        AGE,
    ],
    cells: |w, now| {
        vec![
            name(w),
            Value::from(count(&w["webhooks"])),
            Value::from(now.age(w)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

const PARAM_KIND_DOC: Doc =
    Doc::Text("ParamKind specifies the kind of resources used to parameterize this policy");

/// `apiVersion/kind` of the policy's parameters, `<unset>` without.
fn param_kind(policy: &Value) -> Value {
    let p = &policy["spec"]["paramKind"];
    Value::from(if p.is_object() {
        format!("{}/{}", text(&p["apiVersion"]), text(&p["kind"]))
    } else {
        "<unset>".into()
    })
}

static VALIDATING_POLICY: Printer = Printer {
    columns: &[
        NAME,
        integer("Validations", Doc::Text("Validations indicates the number of validation rules defined in this configuration")),
        string("ParamKind", PARAM_KIND_DOC),
        AGE,
    ],
    cells: |p, now| vec![name(p), Value::from(count(&p["spec"]["validations"])), param_kind(p), Value::from(now.age(p))],
    conditions: no_conditions,
    reads: &[],
};

static MUTATING_POLICY: Printer = Printer {
    columns: &[
        NAME,
        integer(
            "Mutations",
            Doc::Text(
                "Mutation indicates the number of mutations rules defined in this configuration",
            ),
        ),
        string("ParamKind", PARAM_KIND_DOC),
        AGE,
    ],
    cells: |p, now| {
        vec![
            name(p),
            Value::from(count(&p["spec"]["mutations"])),
            param_kind(p),
            Value::from(now.age(p)),
        ]
    },
    conditions: no_conditions,
    reads: &[],
};

static POLICY_BINDING: Printer = Printer {
    columns: &[
        NAME,
        string(
            "PolicyName",
            Doc::Text(
                "PolicyName indicates the policy definition which the policy binding binded to",
            ),
        ),
        string(
            "ParamRef",
            Doc::Text("ParamRef indicates the param resource which sets the configration param"),
        ),
        AGE,
    ],
    cells: binding_cells,
    conditions: no_conditions,
    reads: &[],
};

fn binding_cells(b: &Value, now: &Now) -> Vec<Value> {
    let r = &b["spec"]["paramRef"];
    let param = if !r.is_object() {
        "<unset>".to_string()
    } else if !text(&r["name"]).is_empty() {
        match text(&r["namespace"]) {
            // Cluster-scoped or not, a parameter without a namespace shows `*`.
            "" => format!("*/{}", text(&r["name"])),
            ns => format!("{ns}/{}", text(&r["name"])),
        }
    } else if r["selector"].is_object() {
        super::selector_string(&r["selector"]).unwrap_or_default()
    } else {
        "<unset>".to_string()
    };
    vec![
        name(b),
        Value::from(text(&b["spec"]["policyName"])),
        Value::from(param),
        Value::from(now.age(b)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{cell, row};
    use serde_json::json;

    #[test]
    fn webhooks_and_policies() {
        let r = row(
            "admissionregistration.k8s.io",
            "ValidatingWebhookConfiguration",
            json!({"metadata": {"name": "w"}, "webhooks": [{"name": "a.example.com"}, {"name": "b.example.com"}]}),
        );
        assert_eq!(cell(&r, "WEBHOOKS"), 2);
        let r = row(
            "admissionregistration.k8s.io",
            "ValidatingAdmissionPolicy",
            json!({"metadata": {"name": "p"}, "spec": {"validations": [{"expression": "true"}], "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"}}}),
        );
        assert_eq!(
            (cell(&r, "VALIDATIONS"), cell(&r, "PARAMKIND")),
            (&json!(1), &json!("v1/ConfigMap"))
        );
        let r = row(
            "admissionregistration.k8s.io",
            "ValidatingAdmissionPolicyBinding",
            json!({"metadata": {"name": "b"}, "spec": {"policyName": "p", "paramRef": {"name": "limits"}}}),
        );
        assert_eq!(
            (cell(&r, "POLICYNAME"), cell(&r, "PARAMREF")),
            (&json!("p"), &json!("*/limits"))
        );
    }
}
