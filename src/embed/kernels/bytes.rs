//! The 8-bit formats of the VNNI kernel and its portable reference: weights
//! requantized at load, activations per call.

use super::{portable, Kernel, BYTE_CHUNK, BYTE_COLUMNS};
use crate::embed::format::Q4_BLOCK;

/// Weights requantized from Q4_0 to one byte each with one scale per output
/// row. A row's largest weight is 8 of its largest block's steps, so the
/// byte grid is 16 times finer than that block's and the rounding adds
/// little to the 4-bit error already there (the embedding fixtures' cosine
/// to the reference engine stays at 0.9998 with f32 activations).
pub struct ByteRows {
    /// Each weight as `round(w / scale) + 128`: VNNI multiplies unsigned
    /// bytes by signed ones, and the activations are the signed side
    /// ([`ActivationBytes::offsets`] takes the 128 back off). In panels of
    /// [`BYTE_COLUMNS`] rows, stored input-major: for every four inputs, the
    /// panel's rows' four bytes side by side, so that one register holds
    /// four inputs of 16 rows and `vpdpbusd` against four broadcast
    /// activations adds them into 16 outputs. A partial last panel repeats
    /// its last row, whose products are computed and never written.
    pub weights: Vec<u8>,
    /// Per output row: weight ≈ (byte − 128) × scale.
    pub scales: Vec<f32>,
}

impl ByteRows {
    /// Requantizes Q4_0 rows (`inp` wide: nibbles and a scale per block).
    pub fn from_q4(nibbles: &[u8], scales: &[f32], inp: usize) -> ByteRows {
        let per_row = inp / Q4_BLOCK;
        let out = scales.len() / per_row;
        let mut row = vec![0f32; inp];
        let mut rows = Vec::with_capacity(out * inp);
        let mut row_scales = Vec::with_capacity(out);
        for (nib, sc) in nibbles.chunks_exact(per_row * 16).zip(scales.chunks_exact(per_row)) {
            portable::dequantize(nib, sc, &mut row);
            let max = row.iter().fold(0f32, |m, w| m.max(w.abs()));
            let inverse = if max > 0.0 { 127.0 / max } else { 0.0 };
            // w · inverse + 128.5 lies in [1.5, 255.5]: truncating rounds
            // it, and vectorizes where `round` is a libm call per weight.
            rows.extend(row.iter().map(|w| (w * inverse + 128.5) as u8));
            row_scales.push(max / 127.0);
        }
        let mut weights = Vec::with_capacity(out.div_ceil(BYTE_COLUMNS) * BYTE_COLUMNS * inp);
        for p in 0..out.div_ceil(BYTE_COLUMNS) {
            for k in (0..inp).step_by(4) {
                for c in 0..BYTE_COLUMNS {
                    let n = (p * BYTE_COLUMNS + c).min(out - 1);
                    weights.extend_from_slice(&rows[n * inp + k..n * inp + k + 4]);
                }
            }
        }
        ByteRows {
            weights,
            scales: row_scales,
        }
    }

    /// Panel `p`'s rows, input-major.
    pub fn panel(&self, p: usize, inp: usize) -> &[u8] {
        &self.weights[p * BYTE_COLUMNS * inp..(p + 1) * BYTE_COLUMNS * inp]
    }

    /// Weight `k` of row `n`, stored (plus 128).
    #[cfg(test)]
    pub fn weight(&self, n: usize, k: usize, inp: usize) -> u8 {
        let (p, c) = (n / BYTE_COLUMNS, n % BYTE_COLUMNS);
        self.panel(p, inp)[(k / 4 * BYTE_COLUMNS + c) * 4 + k % 4]
    }
}

/// Activations as signed bytes with a scale per [`BYTE_CHUNK`] of each row.
/// One scale per whole row let BERT's few large hidden features coarsen all
/// the others: the fixtures' lowest cosine to the reference engine fell to
/// 0.9985 (0.9992 with chunks of 128, 0.9995 with 64).
#[derive(Default)]
pub struct ActivationBytes {
    /// `rows × k`: `round(v / scale)`, in [−127, 127].
    pub bytes: Vec<i8>,
    /// Per row and chunk: `max |v| / 127`.
    pub scales: Vec<f32>,
    /// Per row and chunk: −128 × the chunk's byte sum, which starting the
    /// chunk's integer sum there removes the weights' +128 from it.
    pub offsets: Vec<i32>,
}

impl ActivationBytes {
    /// Quantizes `x`, whose rows are `k` wide, replacing what was here, with
    /// `kernel`'s code (all give the same bytes).
    pub fn quantize(&mut self, kernel: Kernel, x: &[f32], k: usize) {
        assert!(
            k.is_multiple_of(BYTE_CHUNK) && x.len().is_multiple_of(k),
            "activation shape"
        );
        let chunks = x.len() / BYTE_CHUNK;
        self.bytes.resize(x.len(), 0);
        self.scales.resize(chunks, 0.0);
        self.offsets.resize(chunks, 0);
        kernel.quantize(self, x);
    }

    /// The activations of rows `rows` (each `k` wide).
    pub fn tile(&self, rows: std::ops::Range<usize>, k: usize) -> ByteTile<'_> {
        let chunks = k / BYTE_CHUNK;
        let chunked = rows.start * chunks..rows.end * chunks;
        ByteTile {
            x: &self.bytes[rows.start * k..rows.end * k],
            scales: &self.scales[chunked.clone()],
            offsets: &self.offsets[chunked],
        }
    }
}

/// The activations of one tile's rows.
pub struct ByteTile<'a> {
    /// The rows' bytes, `k` each.
    pub x: &'a [i8],
    /// The rows' chunk scales.
    pub scales: &'a [f32],
    /// The rows' chunk offsets.
    pub offsets: &'a [i32],
}
