//! kubectl's describe output machinery: Go's `text/tabwriter` configured as
//! `tabbedString` does (min width 0, padding 2, spaces), and the
//! `PrefixWriter` that indents by level; plus the helpers every describer
//! shares (labels, annotations, tolerations, timestamps).

use serde_json::{Map, Value};

/// Go's `text/tabwriter` with kubectl describe's settings; `\t` ends a
/// cell, a column block is a run of lines with a cell in that column, the
/// last cell of a line is not aligned.
#[derive(Debug, Default)]
pub struct TabWriter {
    lines: Vec<Vec<String>>,
    partial: String,
    out: String,
}

const PADDING: usize = 2;

impl TabWriter {
    /// Buffers text.
    pub fn write(&mut self, text: &str) {
        for c in text.chars() {
            if c == '\n' {
                let line = std::mem::take(&mut self.partial);
                self.lines
                    .push(line.split('\t').map(str::to_string).collect());
            } else {
                self.partial.push(c);
            }
        }
    }

    /// Formats what is buffered (Go's `Flush`): later text starts new column blocks.
    pub fn flush(&mut self) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.lines
                .push(line.split('\t').map(str::to_string).collect());
            let lines = std::mem::take(&mut self.lines);
            self.format_all(&lines, false);
        } else {
            let lines = std::mem::take(&mut self.lines);
            self.format_all(&lines, true);
        }
    }

    /// Flushes and returns everything written.
    pub fn finish(mut self) -> String {
        self.flush();
        self.out
    }

    fn format_all(&mut self, lines: &[Vec<String>], newline_last: bool) {
        let mut widths = Vec::new();
        let mut text = String::new();
        format(lines, 0, lines.len(), &mut widths, &mut text);
        if !newline_last && text.ends_with('\n') {
            text.pop();
        }
        self.out.push_str(&text);
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Go's `Writer.format`.
fn format(
    lines: &[Vec<String>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut w = 0;
        while this < line1 && column + 1 < lines[this].len() {
            w = w.max(width(&lines[this][column]) + PADDING);
            this += 1;
        }
        widths.push(w);
        format(lines, line0, this, widths, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

fn write_lines(
    lines: &[Vec<String>],
    line0: usize,
    line1: usize,
    widths: &[usize],
    out: &mut String,
) {
    for line in &lines[line0..line1] {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j < widths.len() && j + 1 < line.len() {
                for _ in width(cell)..widths[j] {
                    out.push(' ');
                }
            }
        }
        out.push('\n');
    }
}

/// kubectl's `PrefixWriter`: each level indents two spaces.
#[derive(Debug, Default)]
pub struct PrefixWriter {
    tw: TabWriter,
    /// Text goes out as written, tabs and all (kubectl's history printer
    /// uses a `PrefixWriter` over a plain buffer).
    raw: Option<String>,
    /// Extra levels added to every write (kubectl's `nestedPrefixWriter`).
    indent: usize,
}

/// Indentation levels (`LEVEL_0` ..).
pub const L0: usize = 0;
/// Level 1.
pub const L1: usize = 1;
/// Level 2.
pub const L2: usize = 2;
/// Level 3.
pub const L3: usize = 3;
/// Level 4.
pub const L4: usize = 4;

impl PrefixWriter {
    /// A writer without alignment: tabs stay tabs.
    pub fn raw() -> PrefixWriter {
        PrefixWriter {
            tw: TabWriter::default(),
            raw: Some(String::new()),
            indent: 0,
        }
    }

    fn put(&mut self, text: &str) {
        match &mut self.raw {
            Some(buf) => buf.push_str(text),
            None => self.tw.write(text),
        }
    }

    /// `w.Write(level, text)`: text prefixed by the level's indentation.
    pub fn write(&mut self, level: usize, text: &str) {
        let mut s = "  ".repeat(level + self.indent);
        s.push_str(text);
        self.put(&s);
    }

    /// `w.WriteLine(text)`: text and a newline, no indentation.
    pub fn line(&mut self, text: &str) {
        let indent = "  ".repeat(self.indent);
        self.put(&indent);
        self.put(text);
        self.put("\n");
    }

    /// Runs `f` with every write `levels` deeper, as kubectl's
    /// `NewNestedPrefixWriter(w, levels)` does.
    pub fn nested(&mut self, levels: usize, f: impl FnOnce(&mut PrefixWriter)) {
        self.indent += levels;
        f(self);
        self.indent -= levels;
    }

    /// `w.Flush()`.
    pub fn flush(&mut self) {
        if self.raw.is_none() {
            self.tw.flush();
        }
    }

    /// The finished text.
    pub fn finish(self) -> String {
        match self.raw {
            Some(buf) => buf,
            None => self.tw.finish(),
        }
    }
}

/// The `Name:` and (for namespaced kinds) `Namespace:` lines most describers open with.
pub fn name_namespace(w: &mut PrefixWriter, obj: &Value, namespaced: bool) {
    w.write(L0, &format!("Name:\t{}\n", str_at(obj, "/metadata/name")));
    if namespaced {
        w.write(
            L0,
            &format!("Namespace:\t{}\n", str_at(obj, "/metadata/namespace")),
        );
    }
}

/// The `Labels:` and `Annotations:` blocks of the object's metadata.
pub fn labels_annotations(w: &mut PrefixWriter, obj: &Value) {
    labels_multiline(w, "Labels", obj.pointer("/metadata/labels"));
    annotations_multiline(w, "Annotations", obj.pointer("/metadata/annotations"));
}

/// The usual opening: name, namespace, labels, annotations.
pub fn header(w: &mut PrefixWriter, obj: &Value, namespaced: bool) {
    name_namespace(w, obj, namespaced);
    labels_annotations(w, obj);
}

/// A `CreationTimestamp:` line.
pub fn creation_timestamp(w: &mut PrefixWriter, obj: &Value) {
    w.write(
        L0,
        &format!(
            "CreationTimestamp:\t{}\n",
            rfc1123z(str_at(obj, "/metadata/creationTimestamp"))
        ),
    );
}

/// `printBoolPtr`: `True`, `False` or `<unset>`.
pub fn bool_ptr(v: Option<&Value>) -> &'static str {
    match v.and_then(Value::as_bool) {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    }
}

/// A string list as Go's `%v` prints a `[]string`: `[a b]`.
pub fn go_list(v: Option<&Value>) -> String {
    let items: Vec<String> = v
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    format!("[{}]", items.join(" "))
}

/// A timestamp as Go's `time.Time.String()` in local time
/// (`2026-11-22 19:29:45 +0000 UTC`).
pub fn go_time(ts: &str) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(ts)
        .map(|t| t.with_timezone(&chrono::Local))
        .unwrap_or_default();
    let offset = t.format("%z").to_string();
    // Go names the zone; chrono knows only the offset, and UTC is the usual case.
    let zone = if offset == "+0000" {
        "UTC".to_string()
    } else {
        offset.clone()
    };
    format!("{} {offset} {zone}", t.format("%Y-%m-%d %H:%M:%S"))
}

/// `printLabelsMultiline`: sorted `key=value` lines, `<none>` when empty.
pub fn labels_multiline(w: &mut PrefixWriter, title: &str, labels: Option<&Value>) {
    labels_multiline_indent(w, "", title, "\t", labels);
}

/// `printLabelsMultilineWithIndent`.
pub fn labels_multiline_indent(
    w: &mut PrefixWriter,
    initial: &str,
    title: &str,
    inner: &str,
    labels: Option<&Value>,
) {
    w.write(L0, &format!("{initial}{title}:{inner}"));
    let map = labels.and_then(Value::as_object).filter(|m| !m.is_empty());
    let Some(map) = map else {
        w.line("<none>");
        return;
    };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for (i, k) in keys.iter().enumerate() {
        if i != 0 {
            w.write(L0, initial);
            w.write(L0, inner);
        }
        w.write(L0, &format!("{k}={}\n", text(&map[k.as_str()])));
    }
}

const MAX_ANNOTATION_LEN: usize = 140;

/// `printAnnotationsMultiline`: the last-applied annotation skipped, long
/// or multi-line values on their own lines, shortened.
pub fn annotations_multiline(w: &mut PrefixWriter, title: &str, annotations: Option<&Value>) {
    w.write(L0, &format!("{title}:\t"));
    let empty = Map::new();
    let map = annotations.and_then(Value::as_object).unwrap_or(&empty);
    let mut keys: Vec<&String> = map
        .keys()
        .filter(|k| k.as_str() != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if keys.is_empty() {
        w.line("<none>");
        return;
    }
    keys.sort();
    let indent = "\t";
    for (i, k) in keys.iter().enumerate() {
        if i != 0 {
            w.write(L0, indent);
        }
        let raw = text(&map[k.as_str()]);
        let value = raw.strip_suffix('\n').unwrap_or(&raw);
        if value.len() + k.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.write(L0, &format!("{k}:\n"));
            for s in value.split('\n') {
                w.write(
                    L0,
                    &format!("{indent}  {}\n", shorten(s, MAX_ANNOTATION_LEN - 2)),
                );
            }
        } else {
            w.write(L0, &format!("{k}: {value}\n"));
        }
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}...", &s[..cut])
    } else {
        s.to_string()
    }
}

/// `printPodTolerationsMultiline`.
pub fn tolerations_multiline(
    w: &mut PrefixWriter,
    initial: &str,
    title: &str,
    tolerations: Option<&Value>,
) {
    w.write(L0, &format!("{initial}{title}:\t"));
    let mut list: Vec<&Value> = tolerations
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if list.is_empty() {
        w.line("<none>");
        return;
    }
    list.sort_by(|a, b| str_at(a, "/key").cmp(str_at(b, "/key")));
    for (i, t) in list.iter().enumerate() {
        if i != 0 {
            w.write(L0, initial);
            w.write(L0, "\t");
        }
        let key = str_at(t, "/key");
        let value = str_at(t, "/value");
        let effect = str_at(t, "/effect");
        let mut s = key.to_string();
        if !value.is_empty() {
            s.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            s.push_str(&format!(":{effect}"));
        }
        if str_at(t, "/operator") == "Exists" && value.is_empty() {
            if !key.is_empty() || !effect.is_empty() {
                s.push_str(" op=Exists");
            } else {
                s.push_str("op=Exists");
            }
        }
        if let Some(secs) = t.get("tolerationSeconds").and_then(Value::as_i64) {
            s.push_str(&format!(" for {secs}s"));
        }
        s.push('\n');
        w.write(L0, &s);
    }
}

/// The string at a JSON pointer, `""` when absent or not a string.
pub fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// The integer at a JSON pointer, 0 when absent.
pub fn int_at(v: &Value, ptr: &str) -> i64 {
    v.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

/// A scalar as Go's `%v` prints it.
pub fn text(v: &Value) -> String {
    crate::printers::gofmt::sprint(v)
}

/// `labels.FormatLabels`: sorted `k=v` joined by commas, `<none>` when empty.
pub fn format_labels(map: Option<&Value>) -> String {
    let Some(m) = map.and_then(Value::as_object).filter(|m| !m.is_empty()) else {
        return "<none>".into();
    };
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    keys.iter()
        .map(|k| format!("{k}={}", text(&m[k.as_str()])))
        .collect::<Vec<_>>()
        .join(",")
}

/// `metav1.FormatLabelSelector`: `<none>` for nil/empty, else the selector string.
pub fn format_label_selector(sel: Option<&Value>) -> String {
    let Some(sel) = sel.filter(|s| s.is_object()) else {
        return "<none>".into();
    };
    let s = selector_string(sel);
    if s.is_empty() {
        "<none>".into()
    } else {
        s
    }
}

/// `LabelSelectorAsSelector(..).String()`: requirements sorted by key.
pub fn selector_string(sel: &Value) -> String {
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in m {
            reqs.push((k.clone(), format!("{k}={}", text(v))));
        }
    }
    for e in sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = str_at(e, "/key").to_string();
        let mut values: Vec<String> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        values.sort();
        let r = match str_at(e, "/operator") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.clone(),
            "DoesNotExist" => format!("!{key}"),
            other => format!("{key} {other}"),
        };
        reqs.push((key, r));
    }
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    reqs.into_iter()
        .map(|(_, r)| r)
        .collect::<Vec<_>>()
        .join(",")
}

/// A timestamp as Go's `time.RFC1123Z` in local time (`Sun, 22 Nov 2026 16:44:00 +0000`).
pub fn rfc1123z(ts: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(ts) {
        Ok(t) => t
            .with_timezone(&chrono::Local)
            .format("%a, %d %b %Y %H:%M:%S %z")
            .to_string(),
        Err(_) => "Mon, 01 Jan 0001 00:00:00 +0000".into(),
    }
}

/// A column of a `Conditions:` table: header, the dashes under it (not
/// always the header's length in kubectl), the condition's field (fields
/// named `last...` are times, printed RFC 1123), and whether a space comes
/// before the tab after it in the rows (each kubectl describer has its own
/// format string).
pub type ConditionColumn = (&'static str, &'static str, &'static str, bool);

/// The five columns of the Namespace and ServiceCIDR condition tables.
pub const TRANSITION_CONDITIONS: &[ConditionColumn] = &[
    ("Type", "----", "type", false),
    ("Status", "------", "status", false),
    (
        "LastTransitionTime",
        "------------------",
        "lastTransitionTime",
        false,
    ),
    ("Reason", "------", "reason", false),
    ("Message", "-------", "message", false),
];

/// `Conditions:` with a header, its dashes, and a row for each condition.
pub fn conditions_table(w: &mut PrefixWriter, conditions: &[Value], columns: &[ConditionColumn]) {
    w.write(L0, "Conditions:\n");
    let headers: Vec<&str> = columns.iter().map(|c| c.0).collect();
    w.write(L1, &format!("{}\n", headers.join("\t")));
    let dashes: Vec<&str> = columns.iter().map(|c| c.1).collect();
    w.write(L1, &format!("{}\n", dashes.join("\t")));
    for condition in conditions {
        let mut row = String::new();
        for (i, (_, _, field, padded)) in columns.iter().enumerate() {
            let value = str_at(condition, &format!("/{field}"));
            if field.starts_with("last") {
                row.push_str(&rfc1123z(value));
            } else {
                row.push_str(value);
            }
            if i + 1 < columns.len() {
                row.push_str(if *padded { " \t" } else { "\t" });
            }
        }
        row.push('\n');
        w.write(L1, &row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tabwriter_aligns_blocks_like_go() {
        let mut w = PrefixWriter::default();
        w.write(L0, "Name:\tweb\n");
        w.write(L0, "Namespace:\tdefault\n");
        w.write(L0, "Pod Template:\n");
        w.write(L1, "Labels:\tapp=web\n");
        w.write(L0, "IP:\t\n");
        assert_eq!(
            w.finish(),
            "Name:       web\nNamespace:  default\nPod Template:\n  Labels:  app=web\nIP:        \n"
        );
    }

    #[test]
    fn labels_and_annotations() {
        let mut w = PrefixWriter::default();
        labels_multiline(&mut w, "Labels", Some(&json!({"b": "2", "a": "1"})));
        annotations_multiline(&mut w, "Annotations", Some(&json!({})));
        assert_eq!(
            w.finish(),
            "Labels:       a=1\n              b=2\nAnnotations:  <none>\n"
        );
    }

    #[test]
    fn selectors_format_like_apimachinery() {
        let s = json!({"matchLabels": {"b": "2"}, "matchExpressions": [{"key": "a", "operator": "In", "values": ["y", "x"]}]});
        assert_eq!(selector_string(&s), "a in (x,y),b=2");
        assert_eq!(format_label_selector(None), "<none>");
    }

    #[test]
    fn tolerations_print_like_kubectl() {
        let mut w = PrefixWriter::default();
        let t = json!([{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]);
        tolerations_multiline(&mut w, "", "Tolerations", Some(&t));
        assert_eq!(
            w.finish(),
            "Tolerations:  node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n"
        );
    }
}
