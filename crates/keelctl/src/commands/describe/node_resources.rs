//! The resource accounting of kubectl's node describer: each
//! non-terminated pod's requests and limits (`resourcehelper.PodRequests`
//! and `PodLimits`) against the node's allocatable, and their totals.

use super::writer::{str_at, text, PrefixWriter, L1};
use keelson_apimachinery::quantity::{Format, Quantity};
use serde_json::Value;
use std::collections::BTreeMap;

/// An amount as `resource.Quantity` arithmetic keeps it: exact nanos, the
/// format of the first addend, and the text while nothing was added to it.
#[derive(Debug, Clone)]
struct Amount {
    nanos: i128,
    format: Format,
    text: Option<String>,
}

impl Amount {
    fn of(v: &Value) -> Option<Amount> {
        let q = Quantity::parse(&text(v)).ok()?;
        Some(Amount {
            nanos: q.nano_value(),
            format: q.format(),
            text: Some(q.to_string()),
        })
    }

    /// `Quantity.Add`: the text goes; a zero receiver takes the addend's format.
    fn add(&mut self, other: &Amount) {
        if self.nanos == 0 {
            self.format = other.format;
        }
        self.nanos += other.nanos;
        self.text = None;
    }

    fn milli(&self) -> i128 {
        round_away(self.nanos, 1_000_000)
    }

    fn value(&self) -> i128 {
        round_away(self.nanos, 1_000_000_000)
    }

    /// `Quantity.String()`.
    fn render(&self) -> String {
        if let Some(t) = &self.text {
            return t.clone();
        }
        if self.nanos == 0 {
            return "0".into();
        }
        // The canonical form comes from parsing the exact amount written in
        // the format's smallest unit, which is never canonical itself.
        let written = match self.format {
            Format::DecimalSI => format!("{}n", self.nanos),
            Format::DecimalExponent => format!("{}e-9", self.nanos),
            Format::BinarySI => {
                let whole = self.nanos % 1_000_000_000 == 0;
                let bytes = self.nanos / 1_000_000_000;
                if whole && bytes % 1024 == 0 {
                    format!("{}Ki", bytes / 1024)
                } else if whole && bytes.abs() >= 1024 {
                    // Whole bytes with no binary suffix print as plain digits.
                    return bytes.to_string();
                } else {
                    // Below 1024 (or fractional) Go prints binary amounts as decimal.
                    format!("{}n", self.nanos)
                }
            }
        };
        Quantity::parse(&written)
            .map(|q| q.to_string())
            .unwrap_or(written)
    }
}

fn round_away(n: i128, unit: i128) -> i128 {
    let q = n / unit;
    if n % unit == 0 {
        q
    } else if n > 0 {
        q + 1
    } else {
        q - 1
    }
}

type List = BTreeMap<String, Amount>;

fn list_of(v: Option<&Value>) -> List {
    v.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, q)| Amount::of(q).map(|a| (k.clone(), a)))
        .collect()
}

/// `addResourceList`.
fn add_list(into: &mut List, from: &List) {
    for (k, q) in from {
        match into.get_mut(k) {
            Some(v) => v.add(q),
            None => {
                into.insert(k.clone(), q.clone());
            }
        }
    }
}

/// `maxResourceList`.
fn max_list(into: &mut List, from: &List) {
    for (k, q) in from {
        match into.get(k) {
            Some(v) if v.nanos >= q.nanos => {}
            _ => {
                into.insert(k.clone(), q.clone());
            }
        }
    }
}

/// `PodRequests` (`limits` false) or `PodLimits` (`limits` true): the
/// containers' sum, raised to what init containers need while running
/// beside the sidecars started before them, plus overhead; pod-level
/// resources win for cpu and memory.
fn pod_resources(pod: &Value, limits: bool) -> List {
    let field = if limits { "limits" } else { "requests" };
    let containers = |kind: &str| -> Vec<Value> {
        pod.pointer(&format!("/spec/{kind}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut total = List::new();
    for c in containers("containers") {
        add_list(
            &mut total,
            &list_of(c.pointer(&format!("/resources/{field}"))),
        );
    }
    let mut sidecars = List::new();
    let mut init = List::new();
    for c in containers("initContainers") {
        let own = list_of(c.pointer(&format!("/resources/{field}")));
        if str_at(&c, "/restartPolicy") == "Always" {
            add_list(&mut total, &own);
            add_list(&mut sidecars, &own);
            max_list(&mut init, &sidecars);
        } else {
            let mut with = own.clone();
            add_list(&mut with, &sidecars);
            max_list(&mut init, &with);
        }
    }
    max_list(&mut total, &init);
    let overhead = list_of(pod.pointer("/spec/overhead"));
    if limits {
        for (k, q) in &overhead {
            if let Some(v) = total.get_mut(k) {
                v.add(q);
            }
        }
    } else {
        add_list(&mut total, &overhead);
    }
    let pod_level = list_of(pod.pointer(&format!("/spec/resources/{field}")));
    for name in ["cpu", "memory"] {
        if let Some(q) = pod_level.get(name) {
            total.insert(name.to_string(), q.clone());
        }
    }
    total
}

fn get(list: &List, name: &str) -> Amount {
    list.get(name).cloned().unwrap_or(Amount {
        nanos: 0,
        format: Format::DecimalSI,
        text: None,
    })
}

/// Go's `int64(f)` on amd64: NaN and out-of-range values become the
/// minimum (a node without allocatable cpu shows -9223372036854775808%).
fn go_int64(f: f64) -> i64 {
    if f.is_finite() && f >= i64::MIN as f64 && f < i64::MAX as f64 {
        f as i64
    } else {
        i64::MIN
    }
}

fn percent(part: i128, whole: i128) -> i64 {
    go_int64(part as f64 / whole as f64 * 100.0)
}

/// `describeNodeResource`: the pods table and the allocated totals.
pub fn describe_node_resource(w: &mut PrefixWriter, node: &Value, pods: &[Value]) {
    w.write(
        super::writer::L0,
        &format!("Non-terminated Pods:\t({} in total)\n", pods.len()),
    );
    w.write(
        L1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n",
    );
    w.write(
        L1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n",
    );
    let allocatable = match node
        .pointer("/status/allocatable")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
    {
        Some(_) => list_of(node.pointer("/status/allocatable")),
        None => list_of(node.pointer("/status/capacity")),
    };
    let alloc_cpu = get(&allocatable, "cpu").milli();
    let alloc_mem = get(&allocatable, "memory").value();
    let mut reqs = List::new();
    let mut limits = List::new();
    for p in pods {
        let (req, lim) = (pod_resources(p, false), pod_resources(p, true));
        let cell = |list: &List, name: &str| {
            let a = get(list, name);
            let pct = if name == "cpu" {
                percent(a.milli(), alloc_cpu)
            } else {
                percent(a.value(), alloc_mem)
            };
            format!("{} ({pct}%)", a.render())
        };
        w.write(
            L1,
            &format!(
                "{}\t{}\t\t{}\t{}\t{}\t{}\t{}\n",
                str_at(p, "/metadata/namespace"),
                str_at(p, "/metadata/name"),
                cell(&req, "cpu"),
                cell(&lim, "cpu"),
                cell(&req, "memory"),
                cell(&lim, "memory"),
                crate::printers::age(
                    p.pointer("/metadata/creationTimestamp")
                        .and_then(Value::as_str)
                )
            ),
        );
        add_list(&mut reqs, &req);
        add_list(&mut limits, &lim);
    }
    w.write(
        super::writer::L0,
        "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n",
    );
    w.write(L1, "Resource\tRequests\tLimits\n");
    w.write(L1, "--------\t--------\t------\n");
    let total_row = |w: &mut PrefixWriter, name: &str, milli: bool| {
        let (r, l) = (get(&reqs, name), get(&limits, name));
        let whole = if milli {
            get(&allocatable, name).milli()
        } else {
            get(&allocatable, name).value()
        };
        let frac = |a: &Amount| {
            if whole == 0 {
                0
            } else if milli {
                percent(a.milli(), whole)
            } else {
                percent(a.value(), whole)
            }
        };
        w.write(
            L1,
            &format!(
                "{name}\t{} ({}%)\t{} ({}%)\n",
                r.render(),
                frac(&r),
                l.render(),
                frac(&l)
            ),
        );
    };
    total_row(w, "cpu", true);
    total_row(w, "memory", false);
    total_row(w, "ephemeral-storage", false);
    for name in allocatable.keys().filter(|k| k.starts_with("hugepages-")) {
        total_row(w, name, false);
    }
    for name in allocatable.keys().filter(|k| {
        !matches!(k.as_str(), "cpu" | "memory" | "ephemeral-storage" | "pods")
            && !k.starts_with("hugepages-")
    }) {
        w.write(
            L1,
            &format!(
                "{name}\t{}\t{}\n",
                get(&reqs, name).render(),
                get(&limits, name).render()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn amount(s: &str) -> Amount {
        Amount::of(&json!(s)).unwrap()
    }

    #[test]
    fn sums_print_like_quantity_add() {
        let mut a = amount("100m");
        assert_eq!(a.render(), "100m");
        a.add(&amount("0.4"));
        assert_eq!(a.render(), "500m");
        let mut m = amount("64Mi");
        m.add(&amount("64Mi"));
        assert_eq!(m.render(), "128Mi");
        let mut b = amount("1Ki");
        b.add(&amount("1"));
        assert_eq!(b.render(), "1025");
    }

    #[test]
    fn init_containers_and_sidecars() {
        let pod = json!({"spec": {
            "containers": [{"resources": {"requests": {"cpu": "100m"}}}, {"resources": {"requests": {"cpu": "200m"}}}],
            "initContainers": [{"resources": {"requests": {"cpu": "1"}}}],
            "overhead": {"cpu": "10m"}}});
        assert_eq!(pod_resources(&pod, false)["cpu"].render(), "1010m");
        assert!(!pod_resources(&pod, true).contains_key("cpu"));
    }

    #[test]
    fn go_float_conversion() {
        assert_eq!(percent(0, 0), i64::MIN);
        assert_eq!(percent(100, 0), i64::MIN);
        assert_eq!(percent(250, 1000), 25);
    }
}
