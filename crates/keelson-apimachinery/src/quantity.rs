//! `resource.Quantity`: apimachinery's fixed-point amounts (`500m`, `1Gi`,
//! `1e3`), parsed as `resource.ParseQuantity` and printed as
//! `Quantity.String()`.
//!
//! ```
//! use keelson_apimachinery::quantity::Quantity;
//! let q: Quantity = "1.5Gi".parse().unwrap();
//! assert_eq!(q.to_string(), "1536Mi");
//! assert_eq!(q.value(), 1_610_612_736);
//! // Exact down to nanos; coarser units round up.
//! assert_eq!(Quantity::parse("0.0001").unwrap().to_string(), "100u");
//! assert_eq!(Quantity::parse("0.0001").unwrap().milli_value(), 1);
//! ```
//!
//! Amounts are kept as an `i128` mantissa and a base-10 exponent, which
//! holds every quantity Kubernetes stores in practice. Go keeps arbitrary
//! precision; more than 36 significant digits are refused here with
//! apimachinery's numeric error.

use std::fmt;
use std::str::FromStr;

/// The smallest exponent a quantity keeps: values round up to nanos.
const NANO: i64 = -9;
/// Significant digits the `i128` mantissa takes while leaving room to shift
/// the exponent to a multiple of 3 when printing.
const MAX_DIGITS: usize = 36;
/// Go's `maxInt64Factors`: decimal digits its int64 fast path accepts.
const MAX_INT64_FACTORS: i64 = 18;

/// How a quantity was written, which decides how it prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Powers of 10 as an exponent (`12e6`).
    DecimalExponent,
    /// Powers of 1024 (`12Mi`).
    BinarySI,
    /// Powers of 1000 (`12M`, `500m`) or no suffix.
    DecimalSI,
}

/// The errors of `resource.ParseQuantity`, with its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// `ErrFormatWrong`: the text is not a number followed by a suffix.
    #[error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    FormatWrong,
    /// `ErrNumeric`: the number does not parse (or is too long to hold).
    #[error("unable to parse numeric part of quantity")]
    Numeric,
    /// `ErrSuffix`: the suffix is none of the known ones.
    #[error("unable to parse quantity's suffix")]
    Suffix,
}

/// A parsed quantity: `mantissa × 10^exponent`, plus the text Go keeps to
/// print when the input was already in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    mantissa: i128,
    exponent: i64,
    format: Format,
    /// Go's cached `s`: `String()` returns the input as written when
    /// `ParseQuantity` judged it canonical (`100m`, `1Ki`, `1E6`).
    text: Option<String>,
}

/// The pieces `parseQuantityString` scans out of the text.
struct Scanned<'a> {
    positive: bool,
    /// Integer digits without leading zeros (`"0"` when there are none).
    num: &'a str,
    /// Fraction digits as written.
    denom: &'a str,
    suffix: &'a str,
}

/// Go's `parseQuantityString`, a scanner looser than the regular
/// expression its error quotes (`"."` and `"-"` read as zero).
fn scan(s: &str) -> Result<Scanned<'_>, QuantityError> {
    let b = s.as_bytes();
    let mut pos = 0;
    let mut positive = true;
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    while pos < b.len() && b[pos] == b'0' {
        pos += 1;
    }
    let zero = Scanned {
        positive,
        num: "0",
        denom: "",
        suffix: "",
    };
    if pos == b.len() {
        return Ok(zero);
    }
    let digits_end = |from: usize| {
        (from..b.len())
            .find(|&i| !b[i].is_ascii_digit())
            .unwrap_or(b.len())
    };
    let num_end = digits_end(pos);
    let num = if num_end == pos {
        "0"
    } else {
        &s[pos..num_end]
    };
    pos = num_end;
    let mut denom = "";
    if pos < b.len() && b[pos] == b'.' {
        let end = digits_end(pos + 1);
        denom = &s[pos + 1..end];
        pos = end;
    }
    let suffix_start = pos;
    while pos < b.len() && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos < b.len() && matches!(b[pos], b'+' | b'-') {
        pos += 1;
    }
    if digits_end(pos) != b.len() {
        return Err(QuantityError::FormatWrong);
    }
    Ok(Scanned {
        positive,
        num,
        denom,
        suffix: &s[suffix_start..],
    })
}

/// The base, exponent and format a suffix stands for (Go's `interpret`).
fn interpret(suffix: &str) -> Option<(u32, i64, Format)> {
    let decimal = |e| Some((10, e, Format::DecimalSI));
    let binary = |e| Some((2, e, Format::BinarySI));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let digits = suffix.strip_prefix(['e', 'E']).filter(|d| !d.is_empty())?;
            // Go parses an int64 and narrows it to int32, wrapping.
            let e = digits.parse::<i64>().ok()? as i32;
            Some((10, i64::from(e), Format::DecimalExponent))
        }
    }
}

/// `10^n` when it fits.
fn pow10(n: u64) -> Option<i128> {
    10i128.checked_pow(u32::try_from(n).ok()?)
}

/// Moves trailing zeros of `m` into the exponent.
fn strip_tens(mut m: i128, mut e: i64) -> (i128, i64) {
    while m != 0 && m % 10 == 0 {
        m /= 10;
        e += 1;
    }
    (m, e)
}

/// Divides `m` by `10^shift`, rounding away from zero as `inf.RoundUp`.
fn shrink_rounding_up(m: i128, shift: u64) -> i128 {
    match pow10(shift) {
        Some(d) => m / d + if m % d == 0 { 0 } else { m.signum() },
        // 10^shift exceeds any mantissa: only the rounding remains.
        None => m.signum(),
    }
}

impl Quantity {
    /// `resource.ParseQuantity`: no surrounding whitespace is accepted (the
    /// JSON decoder trims before calling it).
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::FormatWrong);
        }
        if s == "0" {
            return Ok(Quantity {
                mantissa: 0,
                exponent: 0,
                format: Format::DecimalSI,
                text: Some(s.to_string()),
            });
        }
        let scanned = scan(s)?;
        let (base, exponent, format) = interpret(scanned.suffix).ok_or(QuantityError::Suffix)?;
        let q = Self::amount(&scanned, base, exponent, format)?;
        Ok(Quantity {
            text: Self::is_canonical(&scanned, exponent, format).then(|| s.to_string()),
            ..q
        })
    }

    /// Whether Go's int64 fast path keeps the input as the printed text.
    fn is_canonical(s: &Scanned<'_>, exponent: i64, format: Format) -> bool {
        let (num_len, denom_len) = (s.num.len() as i64, s.denom.len() as i64);
        let shifted = format!("{}{}", s.num, s.denom);
        if format == Format::BinarySI {
            // Go estimates 1024^k as 3k decimal digits and requires a
            // whole number that is not a multiple of 8.
            let precision = 15 - num_len - exponent * 3 / 10 - 1;
            if precision < 0 || denom_len != 0 {
                return false;
            }
            let Ok(value) = shifted.parse::<i64>() else {
                return false;
            };
            return value.checked_mul(1i64 << exponent).is_some() && value & 7 != 0;
        }
        let scale = exponent - denom_len;
        MAX_INT64_FACTORS - (num_len + denom_len) >= 0
            && scale >= NANO
            && scale % 3 == 0
            && !shifted.ends_with("000")
            && !shifted.starts_with('0')
    }

    /// The exact amount, rounded up to nanos and, for binary quantities,
    /// capped at the largest int64 as Go does.
    fn amount(
        s: &Scanned<'_>,
        base: u32,
        exponent: i64,
        mut format: Format,
    ) -> Result<Quantity, QuantityError> {
        let digits = format!("{}{}", s.num, s.denom);
        let significant = digits.trim_start_matches('0');
        let kept = significant.trim_end_matches('0');
        let mut e = (significant.len() - kept.len()) as i64 - s.denom.len() as i64;
        if kept.len() > MAX_DIGITS {
            return Err(QuantityError::Numeric);
        }
        let mut m: i128 = if kept.is_empty() {
            0
        } else {
            kept.parse().map_err(|_| QuantityError::Numeric)?
        };
        if base == 10 {
            e += exponent;
        } else {
            m = m
                .checked_mul(1i128 << exponent)
                .ok_or(QuantityError::Numeric)?;
        }
        if e < NANO {
            m = shrink_rounding_up(m, (NANO - e) as u64);
            e = NANO;
        }
        let (mut m, mut e) = strip_tens(m, e);
        if format == Format::BinarySI {
            let max = i128::from(i64::MAX);
            let too_big = if e >= 0 {
                pow10(e as u64)
                    .and_then(|p| m.checked_mul(p))
                    .is_none_or(|v| v > max)
            } else {
                pow10(e.unsigned_abs())
                    .and_then(|p| max.checked_mul(p))
                    .is_some_and(|limit| m > limit)
            };
            if too_big {
                (m, e) = (max, 0);
            }
            if m != 0 && e < 0 && pow10(e.unsigned_abs()).is_none_or(|one| m < one) {
                // Below one, so no Ki to speak of.
                format = Format::DecimalSI;
            }
        }
        if pow10(MAX_DIGITS as u64).is_some_and(|limit| m >= limit) {
            // Printing may shift the mantissa two places; keep room for it.
            return Err(QuantityError::Numeric);
        }
        if !s.positive {
            m = -m;
        }
        Ok(Quantity {
            mantissa: m,
            exponent: if m == 0 { 0 } else { e },
            format,
            text: None,
        })
    }

    /// The format the quantity was written in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether the amount is zero (`0`, `0Gi`, `-0.0`).
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// `ScaledValue`: the amount in units of `10^scale`, rounded away from
    /// zero, saturating where Go would overflow.
    pub fn scaled_value(&self, scale: i64) -> i128 {
        let shift = self.exponent - scale;
        if shift >= 0 {
            pow10(shift as u64)
                .and_then(|p| self.mantissa.checked_mul(p))
                .unwrap_or(if self.mantissa < 0 {
                    i128::MIN
                } else {
                    i128::MAX
                })
        } else {
            shrink_rounding_up(self.mantissa, shift.unsigned_abs())
        }
    }

    /// `Value`: whole units, rounded away from zero.
    pub fn value(&self) -> i128 {
        self.scaled_value(0)
    }

    /// `MilliValue`: thousandths, rounded away from zero.
    pub fn milli_value(&self) -> i128 {
        self.scaled_value(-3)
    }

    /// The amount in nanos, the finest unit a quantity keeps (exact).
    pub fn nano_value(&self) -> i128 {
        self.scaled_value(NANO)
    }

    /// `CanonicalizeBytes`: the mantissa and suffix `String()` prints when
    /// it has no input text to reuse.
    fn canonical(&self) -> String {
        if self.mantissa == 0 {
            return "0".to_string();
        }
        if self.format == Format::BinarySI && self.exponent >= 0 {
            let whole = self.value();
            if whole.abs() >= 1024 {
                let (mut m, mut k) = (whole, 0);
                while m % 1024 == 0 && k < 6 {
                    m /= 1024;
                    k += 1;
                }
                return format!("{m}{}", ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k]);
            }
        }
        // The largest multiple of 3 that keeps the mantissa whole.
        let (mut m, mut e) = strip_tens(self.mantissa, self.exponent);
        while e % 3 != 0 {
            m *= 10;
            e -= 1;
        }
        let si = match e {
            -9 => Some("n"),
            -6 => Some("u"),
            -3 => Some("m"),
            0 => Some(""),
            3 => Some("k"),
            6 => Some("M"),
            9 => Some("G"),
            12 => Some("T"),
            15 => Some("P"),
            18 => Some("E"),
            _ => None,
        };
        match (self.format, si) {
            (Format::DecimalSI | Format::BinarySI, Some(suffix)) => format!("{m}{suffix}"),
            // Past `E` there is no SI suffix; Go falls back to an exponent.
            (_, _) if e == 0 => m.to_string(),
            _ => format!("{m}e{e}"),
        }
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

impl fmt::Display for Quantity {
    /// `Quantity.String()`: the input when it was canonical, else the
    /// canonical form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(text) => f.write_str(text),
            None => f.write_str(&self.canonical()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> String {
        match Quantity::parse(s) {
            Ok(q) => q.to_string(),
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn binary_quantities_use_the_largest_whole_power_of_1024() {
        assert_eq!(c("1Gi"), "1Gi");
        assert_eq!(c("1024Mi"), "1Gi");
        assert_eq!(c("1536Mi"), "1536Mi");
        assert_eq!(c("1.5Gi"), "1536Mi");
        assert_eq!(c("1024Ki"), "1Mi");
        assert_eq!(c("1025Ki"), "1025Ki");
        assert_eq!(c("512Mi"), "512Mi");
        assert_eq!(c("500Ki"), "500Ki");
        assert_eq!(c("8Ki"), "8Ki");
    }

    #[test]
    fn small_or_fractional_binary_quantities_print_as_decimal() {
        assert_eq!(c("0.5Ki"), "512");
        assert_eq!(c("0.1Ki"), "102400m");
        assert_eq!(c("1.1Ki"), "1126400m");
    }

    #[test]
    fn binary_quantities_cap_at_the_largest_int64() {
        assert_eq!(c("8Ei"), "9223372036854775807");
        assert_eq!(c("-8Ei"), "-9223372036854775807");
        assert_eq!(c("7Ei"), "7Ei");
    }

    #[test]
    fn decimal_quantities_keep_a_whole_mantissa() {
        assert_eq!(c("500m"), "500m");
        assert_eq!(c("100m"), "100m");
        assert_eq!(c("200m"), "200m");
        assert_eq!(c("0.5"), "500m");
        assert_eq!(c("1"), "1");
        assert_eq!(c("100"), "100");
        assert_eq!(c("1000"), "1k");
        assert_eq!(c("1500"), "1500");
        assert_eq!(c("1.5k"), "1500");
        assert_eq!(c("2000M"), "2G");
        assert_eq!(c("1G"), "1G");
        assert_eq!(c("10"), "10");
        assert_eq!(c("-1"), "-1");
        assert_eq!(c("-1500m"), "-1500m");
        assert_eq!(c("1000E"), "1e21");
    }

    #[test]
    fn zero_in_any_spelling_prints_as_0() {
        for zero in ["0", "0Gi", "00", "-0", "0.0", "0e3", ".", "-", "Ki"] {
            assert_eq!(c(zero), "0", "{zero}");
            assert!(Quantity::parse(zero).is_ok_and(|q| q.is_zero()), "{zero}");
        }
    }

    #[test]
    fn exponents_stay_exponents() {
        assert_eq!(c("1e3"), "1e3");
        assert_eq!(c("1500e-3"), "1500e-3");
        assert_eq!(c("1e+3"), "1e+3");
        assert_eq!(c("10e3"), "10e3");
        assert_eq!(c("1000e3"), "1e6");
        assert_eq!(c("1.5e3"), "1500");
    }

    #[test]
    fn canonical_input_prints_as_written() {
        // Go reuses the input text when its fast path finds it canonical.
        assert_eq!(c("1E6"), "1E6");
        assert_eq!(c("12e0"), "12e0");
        assert_eq!(c("+1"), "+1");
        assert_eq!(c("1."), "1.");
        assert_eq!(c("1.001k"), "1.001k");
    }

    #[test]
    fn precision_below_nano_rounds_up() {
        assert_eq!(c("0.0000000001"), "1n");
        assert_eq!(c("0.0001"), "100u");
        assert_eq!(c("0.0001m"), "100n");
        assert_eq!(c("1.0000000001"), "1000000001n");
        assert_eq!(c("-0.0000000001"), "-1n");
        assert_eq!(c("1e-20"), "1e-9");
    }

    #[test]
    fn values_in_units() {
        let q = |s: &str| Quantity::parse(s).unwrap();
        assert_eq!(q("0.5").nano_value(), 500_000_000);
        assert_eq!(q("250m").milli_value(), 250);
        assert_eq!(q("1.5").value(), 2);
        assert_eq!(q("0.0001").milli_value(), 1);
        assert_eq!(q("-1.5").value(), -2);
        assert_eq!(q("1Ki").value(), 1024);
        assert_eq!(q("1e40").value(), i128::MAX);
        assert_eq!(q("1.5Gi").format(), Format::BinarySI);
    }

    #[test]
    fn malformed_quantities_carry_apimachinery_messages() {
        let err = |s: &str| Quantity::parse(s).unwrap_err();
        for bad in [
            "", "abc", "1Zi", "5Qi", " 1", "1 ", "1.2.3", "1e3.5", "1KiB",
        ] {
            assert_eq!(err(bad), QuantityError::FormatWrong, "{bad:?}");
        }
        assert_eq!(
            err("abc").to_string(),
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        );
        for bad in ["1kk", "1e", "1e-", "1iK", "1mi"] {
            assert_eq!(err(bad), QuantityError::Suffix, "{bad:?}");
        }
        assert_eq!(err("1kk").to_string(), "unable to parse quantity's suffix");
        assert_eq!(err(&"9".repeat(40)), QuantityError::Numeric);
        assert_eq!(
            err(&"9".repeat(40)).to_string(),
            "unable to parse numeric part of quantity"
        );
    }
}
