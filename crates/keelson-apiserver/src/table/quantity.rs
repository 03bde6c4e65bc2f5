//! `resource.Quantity.String()`: the canonical form kube-apiserver prints
//! capacities and metric values in (`1Gi`, `1536Mi`, `500m`, `1k`, `1e3`).

/// How a quantity was written, which decides how it prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `Ki`, `Mi`, ... (powers of 1024).
    BinarySi,
    /// `m`, `k`, `M`, ... or no suffix.
    DecimalSi,
    /// `1e3`.
    DecimalExponent,
}

const NANO: i128 = 1_000_000_000;

/// A parsed quantity: its value in units of 10^-9, rounded up as Kubernetes does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quantity {
    nanos: i128,
    format: Format,
}

fn pow(base: i128, exp: u32) -> Option<i128> {
    base.checked_pow(exp)
}

/// Divides rounding away from zero (Kubernetes rounds lost precision up).
fn div_ceil_abs(n: i128, d: i128) -> i128 {
    let q = n / d;
    if n % d != 0 {
        q + n.signum()
    } else {
        q
    }
}

fn parse(s: &str) -> Option<Quantity> {
    let s = s.trim();
    let (negative, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let digits: i128 = format!("{int_part}{frac_part}").parse().ok()?;
    let frac_digits = i32::try_from(frac_part.len()).ok()?;
    // value = digits * 10^-frac_digits * multiplier; nanos = value * 10^9.
    let (format, numerator, exp10) = match suffix {
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
            let k = match suffix {
                "Ki" => 1,
                "Mi" => 2,
                "Gi" => 3,
                "Ti" => 4,
                "Pi" => 5,
                _ => 6,
            };
            (Format::BinarySi, digits.checked_mul(pow(1024, k)?)?, 0)
        }
        "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" => {
            let e = match suffix {
                "n" => -9,
                "u" => -6,
                "m" => -3,
                "" => 0,
                "k" => 3,
                "M" => 6,
                "G" => 9,
                "T" => 12,
                "P" => 15,
                _ => 18,
            };
            (Format::DecimalSi, digits, e)
        }
        _ => {
            let exp = suffix.strip_prefix(['e', 'E'])?;
            let e: i32 = exp.parse().ok()?;
            (Format::DecimalExponent, digits, e)
        }
    };
    let shift = exp10 - frac_digits + 9;
    let magnitude = if shift >= 0 {
        numerator.checked_mul(pow(10, u32::try_from(shift).ok()?)?)?
    } else {
        div_ceil_abs(numerator, pow(10, shift.unsigned_abs())?)
    };
    Some(Quantity {
        nanos: if negative { -magnitude } else { magnitude },
        format,
    })
}

fn canonical(q: Quantity) -> String {
    if q.nanos == 0 {
        return "0".to_string();
    }
    let mut format = q.format;
    if format == Format::BinarySi && (q.nanos.abs() < 1024 * NANO || q.nanos % NANO != 0) {
        // Small or fractional binary quantities would lose precision in Ki.
        format = Format::DecimalSi;
    }
    if format == Format::BinarySi {
        let bytes = q.nanos / NANO;
        let mut k = 0;
        let mut mantissa = bytes;
        while k < 6 && mantissa % 1024 == 0 {
            mantissa /= 1024;
            k += 1;
        }
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k];
        return format!("{mantissa}{suffix}");
    }
    // The largest exponent (a multiple of 3) that keeps the mantissa whole.
    let mut exp = -9i32;
    let mut mantissa = q.nanos;
    while exp < 18 && mantissa % 1000 == 0 {
        mantissa /= 1000;
        exp += 3;
    }
    let suffix = match (format, exp) {
        (Format::DecimalExponent, 0) => String::new(),
        (Format::DecimalExponent, e) => format!("e{e}"),
        (_, e) => match e {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            _ => "E",
        }
        .to_string(),
    };
    format!("{mantissa}{suffix}")
}

/// The canonical string of a quantity as written in an object; a value that
/// does not parse is shown as it is.
pub fn canonical_quantity(s: &str) -> String {
    parse(s).map(canonical).unwrap_or_else(|| s.to_string())
}

/// The canonical string of a JSON quantity (a string or a number); the zero
/// quantity (`0`) when absent, as Go prints a missing map entry.
pub fn quantity_cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => canonical_quantity(s),
        serde_json::Value::Number(n) => canonical_quantity(&n.to_string()),
        _ => "0".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_quantity as c;

    #[test]
    fn binary_quantities_use_the_largest_whole_power_of_1024() {
        assert_eq!(c("1Gi"), "1Gi");
        assert_eq!(c("1024Mi"), "1Gi");
        assert_eq!(c("1536Mi"), "1536Mi");
        assert_eq!(c("1.5Gi"), "1536Mi");
        assert_eq!(c("1024Ki"), "1Mi");
        assert_eq!(c("1025Ki"), "1025Ki");
    }

    #[test]
    fn small_or_fractional_binary_quantities_print_as_decimal() {
        assert_eq!(c("0.5Ki"), "512");
        assert_eq!(c("0.1Ki"), "102400m");
    }

    #[test]
    fn decimal_quantities_keep_a_whole_mantissa() {
        assert_eq!(c("500m"), "500m");
        assert_eq!(c("0.5"), "500m");
        assert_eq!(c("1000"), "1k");
        assert_eq!(c("1500"), "1500");
        assert_eq!(c("1.5k"), "1500");
        assert_eq!(c("2000M"), "2G");
        assert_eq!(c("10"), "10");
        assert_eq!(c("0"), "0");
        assert_eq!(c("0Gi"), "0");
        assert_eq!(c("-1500m"), "-1500m");
    }

    #[test]
    fn exponents_stay_exponents() {
        assert_eq!(c("1e3"), "1e3");
        assert_eq!(c("1E6"), "1e6");
        assert_eq!(c("1500e-3"), "1500e-3");
        assert_eq!(c("12e0"), "12");
    }

    #[test]
    fn precision_below_nano_rounds_up() {
        assert_eq!(c("0.0000000001"), "1n");
    }

    #[test]
    fn garbage_is_shown_as_written() {
        assert_eq!(c("lots"), "lots");
        assert_eq!(c("5Qi"), "5Qi");
    }
}
