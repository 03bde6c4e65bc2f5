//! Go's text forms of time values, as Kubernetes' JSON encoding writes them:
//! `metav1.Time` (RFC 3339), `metav1.MicroTime` (RFC 3339, microseconds) and
//! `metav1.Duration` (`time.Duration.String()`).

use super::Malformed;

/// Seconds from 0001-01-01T00:00:00Z (Go's zero `time.Time`) to the Unix epoch.
pub(crate) const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// `2024-01-02T03:04:05Z`, or with `micros` `2024-01-02T03:04:05.123456Z`.
///
/// Go refuses to marshal a time whose year is outside 0..=9999; so do we.
pub(crate) fn rfc3339(seconds: i64, nanos: i32, micros: bool) -> Result<String, Malformed> {
    if !(0..1_000_000_000).contains(&nanos) {
        return Err(Malformed(format!(
            "time nanos {nanos} is outside 0..999999999"
        )));
    }
    let days = seconds.div_euclid(86_400);
    let secs_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return Err(Malformed(format!(
            "time {seconds}s since the epoch has year {year}, outside 0..9999"
        )));
    }
    let (h, m, s) = (secs_of_day / 3600, secs_of_day / 60 % 60, secs_of_day % 60);
    let mut out = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}");
    if micros {
        out.push_str(&format!(".{:06}", nanos / 1000));
    }
    out.push('Z');
    Ok(out)
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Go's `time.Duration(nanos).String()`: `1h0m0s`, `1.5s`, `300ms`, `0s`.
pub(crate) fn go_duration(nanos: i64) -> String {
    let neg = nanos < 0;
    let mut u = nanos.unsigned_abs();
    let mut out = String::new();
    if u == 0 {
        return "0s".to_string();
    }
    if u < 1_000_000_000 {
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let (frac, whole) = fraction(u, prec);
        out.push_str(&format!("{whole}{frac}{unit}"));
    } else {
        let (frac, whole) = fraction(u, 9);
        u = whole;
        let secs = format!("{}{frac}s", u % 60);
        u /= 60;
        if u > 0 {
            let mins = format!("{}m", u % 60);
            u /= 60;
            if u > 0 {
                out.push_str(&format!("{u}h"));
            }
            out.push_str(&mins);
        }
        out.push_str(&secs);
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// `(".125", v / 10^prec)` for the fraction `v mod 10^prec`, trailing zeros
/// dropped, and no point at all when the fraction is zero (Go's `fmtFrac`).
fn fraction(v: u64, prec: u32) -> (String, u64) {
    let scale = 10u64.pow(prec);
    let frac = v % scale;
    if frac == 0 {
        return (String::new(), v / scale);
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    (format!(".{}", digits.trim_end_matches('0')), v / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_like_go() {
        assert_eq!(
            rfc3339(1_704_164_645, 0, false).unwrap(),
            "2024-01-02T03:04:05Z"
        );
        // Time drops sub-second precision; MicroTime keeps microseconds.
        assert_eq!(
            rfc3339(1_704_164_645, 987_654_321, false).unwrap(),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            rfc3339(1_704_164_645, 987_654_321, true).unwrap(),
            "2024-01-02T03:04:05.987654Z"
        );
        assert_eq!(rfc3339(0, 0, true).unwrap(), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            rfc3339(951_782_400, 0, false).unwrap(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(rfc3339(-1, 0, false).unwrap(), "1969-12-31T23:59:59Z");
        assert_eq!(
            rfc3339(GO_ZERO_TIME_UNIX, 0, false).unwrap(),
            "0001-01-01T00:00:00Z"
        );
        assert_eq!(
            rfc3339(253_402_300_799, 0, false).unwrap(),
            "9999-12-31T23:59:59Z"
        );
    }

    #[test]
    fn refuses_times_go_cannot_marshal() {
        assert!(rfc3339(253_402_300_800, 0, false).is_err());
        assert!(rfc3339(i64::MIN, 0, false).is_err());
        assert!(rfc3339(0, -1, false).is_err());
        assert!(rfc3339(0, 1_000_000_000, true).is_err());
    }

    #[test]
    fn formats_durations_like_go() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (300_000_000, "300ms"),
            (1_000_000_000, "1s"),
            (1_500_000_000, "1.5s"),
            (60_000_000_000, "1m0s"),
            (3_600_000_000_000, "1h0m0s"),
            (3_723_000_000_000, "1h2m3s"),
            (-90_000_000_000, "-1m30s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ];
        for (nanos, want) in cases {
            assert_eq!(go_duration(nanos), want, "{nanos}");
        }
    }
}
