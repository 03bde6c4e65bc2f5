//! Checks of the scalar types that decode themselves in Go, with the
//! messages their decoders give: `resource.Quantity`, base64 `[]byte`, and
//! RFC 3339 times.

/// `resource.ErrFormatWrong`.
pub const QUANTITY_FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/// `resource.ErrSuffix`.
pub const QUANTITY_SUFFIX: &str = "unable to parse quantity's suffix";
/// `resource.ErrNumeric`.
pub const QUANTITY_NUMERIC: &str = "unable to parse numeric part of quantity";

/// Parses a quantity as `resource.ParseQuantity` does (through
/// [`crate::quantity::Quantity`]), returning its error message.
pub fn check_quantity(text: &str) -> Result<(), &'static str> {
    use crate::quantity::{Quantity, QuantityError};
    match Quantity::parse(text.trim()) {
        Ok(_) => Ok(()),
        Err(QuantityError::FormatWrong) => Err(QUANTITY_FORMAT_WRONG),
        Err(QuantityError::Suffix) => Err(QUANTITY_SUFFIX),
        Err(QuantityError::Numeric) => Err(QUANTITY_NUMERIC),
    }
}

/// Decodes standard padded base64 as Go's `base64.StdEncoding` does; the
/// error is Go's `illegal base64 data at input byte N`.
pub fn check_base64(text: &str) -> Result<(), String> {
    let src = text.as_bytes();
    let corrupt = |at: usize| Err(format!("illegal base64 data at input byte {at}"));
    let is_alphabet = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let is_newline = |c: u8| c == b'\n' || c == b'\r';
    let mut si = 0;
    loop {
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(());
                }
                return corrupt(si - j);
            }
            let c = src[si];
            si += 1;
            if is_alphabet(c) {
                j += 1;
                continue;
            }
            if is_newline(c) {
                continue;
            }
            if c != b'=' {
                return corrupt(si - 1);
            }
            // Padding: only after two or three characters of a quantum.
            match j {
                0 | 1 => return corrupt(si - 1),
                2 => {
                    while si < src.len() && is_newline(src[si]) {
                        si += 1;
                    }
                    if si == src.len() {
                        return corrupt(src.len());
                    }
                    if src[si] != b'=' {
                        return corrupt(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && is_newline(src[si]) {
                si += 1;
            }
            if si < src.len() {
                return corrupt(si);
            }
            return Ok(());
        }
    }
}

/// Parses an RFC 3339 time as Go's `time.Parse(time.RFC3339, s)` accepts it,
/// returning Go's message for the common failure.
pub fn check_rfc3339(text: &str) -> Result<(), String> {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let mut ok = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if ok {
        let mut rest = &text[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            ok &= n > 0;
            rest = &frac[n..];
        }
        ok &= rest == "Z"
            || (rest.len() == 6
                && matches!(rest.as_bytes()[0], b'+' | b'-')
                && rest.as_bytes()[3] == b':'
                && rest[1..3].bytes().all(|c| c.is_ascii_digit())
                && rest[4..6].bytes().all(|c| c.is_ascii_digit()));
    }
    if ok {
        Ok(())
    } else {
        Err(format!(
            "parsing time {} as \"2006-01-02T15:04:05Z07:00\": cannot parse {} as \"2006\"",
            crate::validation::go_quote(text),
            crate::validation::go_quote(text)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for ok in ["1", "100m", "1.5Gi", "0", "2e3", "+1k", "1E-3", ".5", "5."] {
            assert_eq!(check_quantity(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_quantity("abc"), Err(QUANTITY_FORMAT_WRONG));
        assert_eq!(check_quantity("true"), Err(QUANTITY_FORMAT_WRONG));
        assert_eq!(check_quantity("1Gb"), Err(QUANTITY_FORMAT_WRONG));
        assert_eq!(check_quantity("100mi"), Err(QUANTITY_SUFFIX));
        assert_eq!(check_quantity("1KiB"), Err(QUANTITY_FORMAT_WRONG));
    }

    #[test]
    fn base64_like_go() {
        assert_eq!(check_base64("czNjcjN0"), Ok(()));
        assert_eq!(check_base64("aGk="), Ok(()));
        assert_eq!(check_base64("aQ=="), Ok(()));
        assert_eq!(check_base64(""), Ok(()));
        assert_eq!(
            check_base64("s3cr3t!"),
            Err("illegal base64 data at input byte 6".into())
        );
        assert_eq!(
            check_base64("hello"),
            Err("illegal base64 data at input byte 4".into())
        );
        assert_eq!(
            check_base64("abc"),
            Err("illegal base64 data at input byte 0".into())
        );
        assert_eq!(
            check_base64("aQ="),
            Err("illegal base64 data at input byte 3".into())
        );
        assert_eq!(
            check_base64("aGk=x"),
            Err("illegal base64 data at input byte 4".into())
        );
    }

    #[test]
    fn times() {
        assert!(check_rfc3339("2024-01-02T03:04:05Z").is_ok());
        assert!(check_rfc3339("2024-01-02T03:04:05.123456+02:00").is_ok());
        assert!(check_rfc3339("yesterday").is_err());
    }
}
