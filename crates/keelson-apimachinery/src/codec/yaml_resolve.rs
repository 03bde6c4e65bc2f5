//! YAML 1.1 resolution of plain scalars as go-yaml v2 (and so
//! `sigs.k8s.io/yaml`) does it: `yes`/`on` are booleans, `0777` is octal,
//! `1_000` is an integer, timestamps stay strings.

/// What a plain scalar means.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    /// An integer beyond 64 bits; go-yaml keeps it exact, JSON here holds it as a float.
    BigInt(f64),
    Float(f64),
    /// Looks like a timestamp; decodes to a string, but must be quoted on output.
    Timestamp,
    Str,
    Merge,
}

fn word(s: &str) -> Option<Resolved> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        "<<" => Resolved::Merge,
        _ => return None,
    })
}

/// Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint`: sign, then `0x`, `0o`,
/// `0b` or a leading `0` (octal) prefix. Returns the magnitude and sign.
fn go_parse_int(s: &str) -> Option<(bool, u128)> {
    let (negative, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) =
        if let Some(d) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
            (16, d)
        } else if let Some(d) = rest.strip_prefix("0b").or_else(|| rest.strip_prefix("0B")) {
            (2, d)
        } else if let Some(d) = rest.strip_prefix("0o").or_else(|| rest.strip_prefix("0O")) {
            (8, d)
        } else if rest.len() > 1 && rest.starts_with('0') {
            (8, &rest[1..])
        } else {
            (10, rest)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Past u128 the value only needs to be known as "too big".
    let magnitude = u128::from_str_radix(digits, radix).unwrap_or(u128::MAX);
    Some((negative, magnitude))
}

/// go-yaml's float syntax: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if int_digits == 0 && i == frac_start {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads 1–2 digits (Go's layouts `1`, `2`, `15`, `4`, `5`) no larger than `max`.
fn small_number(s: &str, max: u32) -> Option<(u32, &str)> {
    let n = s.bytes().take(2).take_while(u8::is_ascii_digit).count();
    let v: u32 = s.get(..n)?.parse().ok()?;
    (n > 0 && v <= max).then_some((v, &s[n..]))
}

/// Whether go-yaml's `parseTimestamp` accepts the string: `2006-1-2`,
/// `2006-1-2 15:4:5[.frac]` or `2006-1-2T15:4:5[.frac](Z|±hh:mm)`.
pub(crate) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 6 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let Ok(year) = s[..4].parse::<u32>() else {
        return false;
    };
    let Some((month, rest)) = small_number(&s[5..], 12) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix('-') else {
        return false;
    };
    let Some((day, rest)) = small_number(rest, 31) else {
        return false;
    };
    if month == 0 || day == 0 || day > days_in_month(year, month) {
        return false;
    }
    if rest.is_empty() {
        return true;
    }
    let (zoned, rest) = match rest.as_bytes()[0] {
        b'T' | b't' => (true, &rest[1..]),
        b' ' => (false, &rest[1..]),
        _ => return false,
    };
    let time = (|| {
        let (_, r) = small_number(rest, 23)?;
        let (_, r) = small_number(r.strip_prefix(':')?, 59)?;
        let (_, r) = small_number(r.strip_prefix(':')?, 59)?;
        Some(r)
    })();
    let Some(mut rest) = time else { return false };
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    if !zoned {
        return rest.is_empty();
    }
    if rest == "Z" {
        return true;
    }
    let z = rest.as_bytes();
    z.len() == 6
        && matches!(z[0], b'+' | b'-')
        && z[1..3].iter().all(u8::is_ascii_digit)
        && z[3] == b':'
        && z[4..6].iter().all(u8::is_ascii_digit)
}

/// go-yaml's `isBase60Float`: `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?`;
/// such strings are quoted on output although they resolve to strings.
pub(crate) fn is_base60_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    if frac.is_some_and(|f| !f.bytes().all(|c| c.is_ascii_digit() || c == b'_')) {
        return false;
    }
    let mut parts = main.split(':');
    let Some(head) = parts.next() else {
        return false;
    };
    let head_ok = head.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && head.bytes().all(|c| c.is_ascii_digit() || c == b'_');
    let mut sexagesimal = 0;
    for p in parts {
        let ok = matches!(p.len(), 1 | 2)
            && p.bytes().all(|c| c.is_ascii_digit())
            && (p.len() == 1 || p.as_bytes()[0] <= b'5');
        if !ok {
            return false;
        }
        sexagesimal += 1;
    }
    head_ok && sexagesimal > 0
}

/// Resolves an untagged plain scalar the way go-yaml v2's `resolve` does.
pub(crate) fn resolve_plain(s: &str) -> Resolved {
    if let Some(r) = word(s) {
        return r;
    }
    match s.as_bytes().first() {
        Some(b'.') => match s.parse::<f64>() {
            Ok(f) if f.is_finite() && is_yaml_float(s) => Resolved::Float(f),
            _ => Resolved::Str,
        },
        Some(b'0'..=b'9' | b'+' | b'-') => {
            if is_timestamp(s) {
                return Resolved::Timestamp;
            }
            let plain = s.replace('_', "");
            if let Some((negative, magnitude)) = go_parse_int(&plain) {
                if negative {
                    if let Ok(v) = i64::try_from(magnitude).map(|m| -m) {
                        return Resolved::Int(v);
                    }
                    if magnitude == 1u128 << 63 {
                        return Resolved::Int(i64::MIN);
                    }
                    return Resolved::BigInt(-(magnitude as f64));
                }
                if let Ok(v) = i64::try_from(magnitude) {
                    return Resolved::Int(v);
                }
                if let Ok(v) = u64::try_from(magnitude) {
                    return Resolved::Uint(v);
                }
                return Resolved::BigInt(magnitude as f64);
            }
            if is_yaml_float(&plain) {
                if let Ok(f) = plain.parse::<f64>() {
                    if f.is_finite() {
                        return Resolved::Float(f);
                    }
                }
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_words() {
        for s in ["yes", "Yes", "on", "ON", "y", "true"] {
            assert_eq!(resolve_plain(s), Resolved::Bool(true), "{s}");
        }
        for s in ["no", "off", "N", "False"] {
            assert_eq!(resolve_plain(s), Resolved::Bool(false), "{s}");
        }
        assert_eq!(resolve_plain("~"), Resolved::Null);
        assert_eq!(resolve_plain("<<"), Resolved::Merge);
        assert_eq!(resolve_plain("yes please"), Resolved::Str);
    }

    #[test]
    fn numbers_like_go_strconv() {
        assert_eq!(resolve_plain("0777"), Resolved::Int(511));
        assert_eq!(resolve_plain("-012"), Resolved::Int(-10));
        assert_eq!(resolve_plain("0x1F"), Resolved::Int(31));
        assert_eq!(resolve_plain("0X1f"), Resolved::Int(31));
        assert_eq!(resolve_plain("0b101"), Resolved::Int(5));
        assert_eq!(resolve_plain("0o17"), Resolved::Int(15));
        assert_eq!(resolve_plain("1_000"), Resolved::Int(1000));
        assert_eq!(resolve_plain("+12"), Resolved::Int(12));
        assert_eq!(resolve_plain("09"), Resolved::Float(9.0));
        assert_eq!(
            resolve_plain("18446744073709551615"),
            Resolved::Uint(u64::MAX)
        );
        assert_eq!(
            resolve_plain("-9223372036854775808"),
            Resolved::Int(i64::MIN)
        );
        assert!(matches!(
            resolve_plain("123456789012345678901234567890"),
            Resolved::BigInt(_)
        ));
        assert_eq!(resolve_plain("1e3"), Resolved::Float(1000.0));
        assert_eq!(resolve_plain(".5"), Resolved::Float(0.5));
        assert_eq!(resolve_plain("1e400"), Resolved::Str);
        assert_eq!(resolve_plain("1.2.3"), Resolved::Str);
        assert_eq!(resolve_plain("-"), Resolved::Str);
        assert_eq!(resolve_plain("12:30"), Resolved::Str);
    }

    #[test]
    fn timestamps_and_base60() {
        assert!(is_timestamp("2024-01-15T10:00:00Z"));
        assert!(is_timestamp("2024-1-5"));
        assert!(is_timestamp("2001-12-14 21:59:43.10"));
        assert!(is_timestamp("2001-12-14t21:59:43.10-05:00"));
        assert!(!is_timestamp("2023-02-30"));
        assert!(!is_timestamp("2024-01-15T10:00:00"));
        assert!(!is_timestamp("20240115"));
        assert_eq!(resolve_plain("2024-01-15"), Resolved::Timestamp);
        assert!(is_base60_float("12:30"));
        assert!(is_base60_float("-1:20:30.5"));
        assert!(!is_base60_float("12:60"));
        assert!(!is_base60_float("a:1"));
        assert!(!is_base60_float("1"));
    }
}
