//! `resource.ParseQuantity` and `Quantity.String()` for `set resources`:
//! kubectl parses `--limits`/`--requests` into quantities, so the object
//! it compares and sends holds their canonical form (`0.5` becomes `500m`).
//! The server has its own copy of this arithmetic; the CLI cannot depend
//! on the server crate.

/// apimachinery's `ErrFormatWrong` text.
pub const FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const NANO: i128 = 1_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    BinarySi,
    DecimalSi,
    DecimalExponent,
}

/// Parses `s` and prints it as Kubernetes would store it; the error is
/// apimachinery's.
pub fn canonical(s: &str) -> Result<String, String> {
    let (nanos, format) = parse(s)?;
    Ok(render(nanos, format))
}

/// The value of `s` in units of 10^-9.
pub fn nanos(s: &str) -> Result<i128, String> {
    parse(s).map(|(n, _)| n)
}

/// The value in units of 10^-9, rounded away from zero as Kubernetes rounds
/// lost precision up, and the format it was written in.
fn parse(s: &str) -> Result<(i128, Format), String> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let split = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(split);
    let suffix_ok = {
        let letters = suffix.trim_end_matches(|c: char| c.is_ascii_digit());
        let letters = letters.trim_end_matches(['+', '-']);
        letters.chars().all(|c| "eEinumkKMGTP".contains(c))
            && suffix[letters.len()..]
                .trim_start_matches(['+', '-'])
                .chars()
                .all(|c| c.is_ascii_digit())
    };
    if number.is_empty() || !suffix_ok {
        return Err(FORMAT_WRONG.into());
    }
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if frac_part.contains('.') || (int_part.is_empty() && frac_part.is_empty()) {
        return Err("unable to parse numeric part of quantity".into());
    }
    let digits: i128 = format!("{int_part}{frac_part}")
        .parse()
        .map_err(|_| "unable to parse numeric part of quantity".to_string())?;
    let (format, multiplier, exp10) = match suffix {
        "Ki" => (Format::BinarySi, 1i128 << 10, 0),
        "Mi" => (Format::BinarySi, 1 << 20, 0),
        "Gi" => (Format::BinarySi, 1 << 30, 0),
        "Ti" => (Format::BinarySi, 1 << 40, 0),
        "Pi" => (Format::BinarySi, 1 << 50, 0),
        "Ei" => (Format::BinarySi, 1 << 60, 0),
        "n" => (Format::DecimalSi, 1, -9),
        "u" => (Format::DecimalSi, 1, -6),
        "m" => (Format::DecimalSi, 1, -3),
        "" => (Format::DecimalSi, 1, 0),
        "k" => (Format::DecimalSi, 1, 3),
        "M" => (Format::DecimalSi, 1, 6),
        "G" => (Format::DecimalSi, 1, 9),
        "T" => (Format::DecimalSi, 1, 12),
        "P" => (Format::DecimalSi, 1, 15),
        "E" => (Format::DecimalSi, 1, 18),
        other => {
            let e = other
                .strip_prefix(['e', 'E'])
                .and_then(|e| e.parse::<i32>().ok())
                .ok_or_else(|| "unable to parse quantity's suffix".to_string())?;
            (Format::DecimalExponent, 1, e)
        }
    };
    let overflow = || "unable to parse numeric part of quantity".to_string();
    let numerator = digits.checked_mul(multiplier).ok_or_else(overflow)?;
    let shift = exp10 - frac_part.len() as i32 + 9;
    let magnitude = if shift >= 0 {
        10i128
            .checked_pow(shift as u32)
            .and_then(|p| numerator.checked_mul(p))
            .ok_or_else(overflow)?
    } else {
        let d = 10i128
            .checked_pow(shift.unsigned_abs())
            .ok_or_else(overflow)?;
        numerator / d + i128::from(numerator % d != 0)
    };
    Ok((if negative { -magnitude } else { magnitude }, format))
}

fn render(nanos: i128, format: Format) -> String {
    if nanos == 0 {
        return "0".into();
    }
    if format == Format::BinarySi && nanos.abs() >= 1024 * NANO && nanos % NANO == 0 {
        let mut mantissa = nanos / NANO;
        let mut k = 0;
        while k < 6 && mantissa % 1024 == 0 {
            mantissa /= 1024;
            k += 1;
        }
        return format!("{mantissa}{}", ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k]);
    }
    // The largest exponent (a multiple of 3) that keeps the mantissa whole.
    let mut exp = -9i32;
    let mut mantissa = nanos;
    while exp < 18 && mantissa % 1000 == 0 {
        mantissa /= 1000;
        exp += 3;
    }
    let suffix = if format == Format::DecimalExponent {
        if exp == 0 {
            String::new()
        } else {
            format!("e{exp}")
        }
    } else {
        let i = ((exp + 9) / 3) as usize;
        ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"][i].to_string()
    };
    format!("{mantissa}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        for (given, want) in [
            ("200m", "200m"),
            ("0.5", "500m"),
            ("1", "1"),
            ("1000", "1k"),
            ("512Mi", "512Mi"),
            ("1.5Gi", "1536Mi"),
            ("1G", "1G"),
            ("100", "100"),
            ("0", "0"),
            ("1e3", "1e3"),
            ("500Ki", "500Ki"),
        ] {
            assert_eq!(canonical(given).as_deref(), Ok(want), "{given}");
        }
    }

    #[test]
    fn malformed_quantities() {
        assert_eq!(canonical("abc"), Err(FORMAT_WRONG.to_string()));
        assert_eq!(canonical(""), Err(FORMAT_WRONG.to_string()));
        assert!(canonical("1Zi").is_err());
    }
}
