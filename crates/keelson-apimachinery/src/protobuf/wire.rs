//! The protobuf wire format, read without a schema: a message is a sequence of
//! `(tag << 3 | wire type)` keys, each followed by its value.

use super::Malformed;

/// One field value as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum WireValue<'a> {
    /// Wire type 0: int32, int64, bool (and enums, which Kubernetes does not use).
    Varint(u64),
    /// Wire type 1: double.
    Fixed64(u64),
    /// Wire type 2: string, bytes, embedded message, packed repeated scalars.
    Bytes(&'a [u8]),
    /// Wire type 5: float (unused by Kubernetes, skipped like any unknown field).
    Fixed32(u32),
}

impl WireValue<'_> {
    /// The name protobuf gives the wire type, for error messages.
    pub(crate) fn wire_type_name(&self) -> &'static str {
        match self {
            WireValue::Varint(_) => "varint",
            WireValue::Fixed64(_) => "64-bit",
            WireValue::Bytes(_) => "length-delimited",
            WireValue::Fixed32(_) => "32-bit",
        }
    }
}

/// Iterates over the fields of one message: `(tag, value)`, in wire order.
pub(crate) struct Fields<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    /// Fields of the message encoded in `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn next_field(&mut self) -> Result<(u32, WireValue<'a>), Malformed> {
        let start = self.pos;
        let key = read_varint(self.data, &mut self.pos)?;
        let tag = key >> 3;
        if tag == 0 || tag > u64::from(u32::MAX >> 3) {
            return Err(Malformed(format!(
                "invalid field number {tag} at byte {start}"
            )));
        }
        let value = match key & 7 {
            0 => WireValue::Varint(read_varint(self.data, &mut self.pos)?),
            1 => WireValue::Fixed64(u64::from_le_bytes(self.take::<8>()?)),
            2 => {
                let len = read_varint(self.data, &mut self.pos)?;
                let remaining = self.data.len() - self.pos;
                let len = usize::try_from(len)
                    .ok()
                    .filter(|&l| l <= remaining)
                    .ok_or_else(|| {
                        Malformed(format!(
                            "field {tag} at byte {start} declares {len} bytes, only {remaining} remain"
                        ))
                    })?;
                let bytes = &self.data[self.pos..self.pos + len];
                self.pos += len;
                WireValue::Bytes(bytes)
            }
            5 => WireValue::Fixed32(u32::from_le_bytes(self.take::<4>()?)),
            other => {
                // 3 and 4 are proto2 groups, which no Kubernetes message has; 6 and 7 do not exist.
                return Err(Malformed(format!(
                    "unsupported wire type {other} for field {tag} at byte {start}"
                )));
            }
        };
        Ok((tag as u32, value))
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], Malformed> {
        let end = self.pos + N;
        let bytes = self.data.get(self.pos..end).ok_or_else(|| {
            Malformed(format!(
                "truncated {}-bit value at byte {}",
                N * 8,
                self.pos
            ))
        })?;
        self.pos = end;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, WireValue<'a>), Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.data.len() {
            return None;
        }
        let item = self.next_field();
        if item.is_err() {
            // A malformed field makes the rest unreadable: stop after reporting it.
            self.pos = self.data.len();
        }
        Some(item)
    }
}

/// Reads a base-128 varint at `*pos`, advancing it.
pub(crate) fn read_varint(data: &[u8], pos: &mut usize) -> Result<u64, Malformed> {
    let start = *pos;
    let mut value: u64 = 0;
    for shift in (0..70).step_by(7) {
        let byte = *data
            .get(*pos)
            .ok_or_else(|| Malformed(format!("truncated varint at byte {start}")))?;
        *pos += 1;
        if shift == 63 && byte > 1 {
            return Err(Malformed(format!(
                "varint at byte {start} overflows 64 bits"
            )));
        }
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err(Malformed(format!(
        "varint at byte {start} is longer than 10 bytes"
    )))
}

/// The varints of a packed repeated scalar field.
pub(crate) fn packed_varints(data: &[u8]) -> Result<Vec<u64>, Malformed> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < data.len() {
        out.push(read_varint(data, &mut pos)?);
    }
    Ok(out)
}

/// The 64-bit values of a packed repeated `double` field.
pub(crate) fn packed_fixed64(data: &[u8]) -> Result<Vec<u64>, Malformed> {
    if !data.len().is_multiple_of(8) {
        return Err(Malformed(format!(
            "packed 64-bit field of {} bytes is not a multiple of 8",
            data.len()
        )));
    }
    Ok(data
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            u64::from_le_bytes(b)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_varints_of_every_length() {
        let cases: &[(&[u8], u64)] = &[
            (&[0x00], 0),
            (&[0x01], 1),
            (&[0xac, 0x02], 300),
            (
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
                u64::MAX,
            ),
        ];
        for (bytes, want) in cases {
            let mut pos = 0;
            assert_eq!(read_varint(bytes, &mut pos).unwrap(), *want);
            assert_eq!(pos, bytes.len());
        }
    }

    #[test]
    fn rejects_truncated_and_overlong_varints() {
        let mut pos = 0;
        assert_eq!(
            read_varint(&[0x80, 0x80], &mut pos).unwrap_err().0,
            "truncated varint at byte 0"
        );
        let mut pos = 0;
        let overflow = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(
            read_varint(&overflow, &mut pos).unwrap_err().0,
            "varint at byte 0 overflows 64 bits"
        );
    }

    #[test]
    fn iterates_fields_of_each_wire_type() {
        // 1: varint 150, 2: "hi", 3: fixed64 1.0, 4: fixed32 7
        let mut data = vec![0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i', 0x19];
        data.extend_from_slice(&1.0f64.to_bits().to_le_bytes());
        data.extend_from_slice(&[0x25, 7, 0, 0, 0]);
        let fields: Vec<_> = Fields::new(&data).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            fields,
            vec![
                (1, WireValue::Varint(150)),
                (2, WireValue::Bytes(b"hi")),
                (3, WireValue::Fixed64(1.0f64.to_bits())),
                (4, WireValue::Fixed32(7)),
            ]
        );
    }

    #[test]
    fn reports_lengths_past_the_end_and_groups() {
        let err = Fields::new(&[0x12, 0x05, b'a'])
            .next()
            .unwrap()
            .unwrap_err();
        assert_eq!(err.0, "field 2 at byte 0 declares 5 bytes, only 1 remain");
        let err = Fields::new(&[0x0b]).next().unwrap().unwrap_err();
        assert_eq!(err.0, "unsupported wire type 3 for field 1 at byte 0");
        let err = Fields::new(&[0x00]).next().unwrap().unwrap_err();
        assert_eq!(err.0, "invalid field number 0 at byte 0");
    }
}
