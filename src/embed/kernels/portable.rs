//! Plain Rust for any CPU, and the reference the other kernels are tested
//! against. Written so that the compiler vectorizes it: the AVX kernels of
//! GELU and attention are these functions compiled for wider registers.

use super::{ActivationBytes, ByteTile, BYTE_CHUNK, BYTE_COLUMNS, PANEL, TILE_ROWS};
use crate::embed::format::Q4_BLOCK;

/// Dequantizes Q4_0 blocks (16 nibble bytes and one scale each) into
/// `out`, 32 values per block: byte `j` holds value `j` in its low nibble
/// and value `j + 16` in its high one, both offset by 8.
pub fn dequantize(nibbles: &[u8], scales: &[f32], out: &mut [f32]) {
    for ((bytes, &scale), o) in nibbles.chunks_exact(16).zip(scales).zip(out.chunks_exact_mut(Q4_BLOCK)) {
        for (j, &byte) in bytes.iter().enumerate() {
            o[j] = ((byte & 0x0F) as i32 - 8) as f32 * scale;
            o[j + 16] = ((byte >> 4) as i32 - 8) as f32 * scale;
        }
    }
}

/// `tile[i][c] = x_i · panel_c` for the `rows` rows of `xs` and the
/// `PANEL` rows of `panel`, all `k` wide.
pub fn dot_tile(xs: &[f32], panel: &[f32], k: usize, rows: usize, tile: &mut [[f32; PANEL]; TILE_ROWS]) {
    for (i, x) in xs.chunks_exact(k).take(rows).enumerate() {
        for (c, w) in panel.chunks_exact(k).enumerate() {
            tile[i][c] = dot(x, w);
        }
    }
}

/// The VNNI kernel's product in plain integers, in its order: per chunk of
/// [`BYTE_CHUNK`] inputs, the integer sum (started at the chunk's offset)
/// is converted and added to the output at the chunk's scale with one fused
/// multiply-add, so the results are the same to the bit.
pub fn dot_bytes(tile: &ByteTile<'_>, panel: &[u8], k: usize, rows: usize) -> [[f32; BYTE_COLUMNS]; TILE_ROWS] {
    let chunks = k / BYTE_CHUNK;
    let mut dots = [[0f32; BYTE_COLUMNS]; TILE_ROWS];
    for (i, dots) in dots.iter_mut().enumerate().take(rows) {
        let x = &tile.x[i * k..(i + 1) * k];
        for (c, dot) in dots.iter_mut().enumerate() {
            for chunk in 0..chunks {
                let mut acc = tile.offsets[i * chunks + chunk];
                for at in chunk * BYTE_CHUNK..(chunk + 1) * BYTE_CHUNK {
                    let w = panel[(at / 4 * BYTE_COLUMNS + c) * 4 + at % 4];
                    acc += i32::from(w) * i32::from(x[at]);
                }
                *dot = (acc as f32).mul_add(tile.scales[i * chunks + chunk], *dot);
            }
        }
    }
    dots
}

/// Quantizes `x` into `bytes`, whose buffers are already sized: per chunk
/// of [`BYTE_CHUNK`] values, the largest magnitude sets the scale, and each
/// value becomes `round(v · 127 / max)`, rounding halves up.
pub fn quantize(bytes: &mut ActivationBytes, x: &[f32]) {
    for (c, chunk) in x.chunks_exact(BYTE_CHUNK).enumerate() {
        let max = chunk.iter().fold(0f32, |m, v| m.max(v.abs()));
        let inverse = if max > 0.0 { 127.0 / max } else { 0.0 };
        let mut total = 0i32;
        for (b, v) in bytes.bytes[c * BYTE_CHUNK..(c + 1) * BYTE_CHUNK].iter_mut().zip(chunk) {
            // v · inverse + 128.5 lies in [1.5, 255.5]: truncating rounds it.
            let q = (v * inverse + 128.5) as i32 - 128;
            total += q;
            *b = q as i8;
        }
        bytes.scales[c] = max / 127.0;
        bytes.offsets[c] = -128 * total;
    }
}

/// GELU in place, in its exact form `x/2 · (1 + erf(x/√2))`, as BERT uses.
/// Branch-free so the compiler vectorizes it; candle's `gelu_erf` calls
/// libm's `erff` per element, which was 5% of the encoder's instructions.
#[inline(always)]
pub fn gelu(values: &mut [f32]) {
    for v in values {
        *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// erf to within 2e-7: Abramowitz & Stegun 7.1.26 (error 1.5e-7) with the
/// exponential below.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t * (0.254_829_6 + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152 + t * 1.061_405_4))));
    (1.0 - poly * exp_negative(-z * z)).copysign(x)
}

/// e^y for y ≤ 0 (to 0 below −87) within about 1e-7 relative: y = n·ln2 + r
/// with |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial, 2^n by building
/// the float's exponent bits.
#[inline(always)]
pub fn exp_negative(y: f32) -> f32 {
    // Adding 1.5·2^23 rounds to an integer held in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    let y = y.max(-87.0);
    let shifted = y * std::f32::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = y - n * 0.693_145_75 - n * 1.428_606_8e-6;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    let exponent = (shifted.to_bits() as i32 - ROUND.to_bits() as i32 + 127) as u32;
    p * f32::from_bits(exponent << 23)
}

/// Scaled dot-product attention of every head (see [`super::attend`]).
#[inline(always)]
pub fn attend(qkv: &[f32], len: usize, h: usize, heads: usize, scores: &mut [f32], context: &mut [f32]) {
    let head_dim = h / heads;
    let scale = 1.0 / (head_dim as f32).sqrt();
    let row = |t: usize, part: usize, head: usize| {
        let start = t * 3 * h + part * h + head * head_dim;
        &qkv[start..start + head_dim]
    };
    for head in 0..heads {
        for i in 0..len {
            let q = row(i, 0, head);
            let mut max = f32::NEG_INFINITY;
            for (j, s) in scores.iter_mut().enumerate() {
                *s = dot(q, row(j, 1, head)) * scale;
                max = max.max(*s);
            }
            for s in scores.iter_mut() {
                *s = exp_negative(*s - max);
            }
            let inverse = 1.0 / sum(scores);
            let out = &mut context[i * h + head * head_dim..i * h + (head + 1) * head_dim];
            let values = |j: usize| row(j, 2, head);
            // e5-small's heads are 32 wide: a sum of that fixed width stays
            // in registers, where a slice's went through memory per token.
            match head_dim {
                32 => weighted_sum::<32>(scores, values, out),
                _ => weighted_sum_any(scores, values, out),
            }
            for o in out.iter_mut() {
                *o *= inverse;
            }
        }
    }
}

/// `out = Σ_j weights[j] · values(j)`, each `D` wide.
#[inline(always)]
fn weighted_sum<'a, const D: usize>(weights: &[f32], values: impl Fn(usize) -> &'a [f32], out: &mut [f32]) {
    let mut acc = [0f32; D];
    for (j, &p) in weights.iter().enumerate() {
        let v = &values(j)[..D];
        for d in 0..D {
            acc[d] += p * v[d];
        }
    }
    out.copy_from_slice(&acc);
}

/// [`weighted_sum`] for any width.
#[inline(always)]
fn weighted_sum_any<'a>(weights: &[f32], values: impl Fn(usize) -> &'a [f32], out: &mut [f32]) {
    out.fill(0.0);
    for (j, &p) in weights.iter().enumerate() {
        for (o, v) in out.iter_mut().zip(values(j)) {
            *o += p * v;
        }
    }
}

/// Dot product (the cosine similarity of unit vectors), with eight
/// independent accumulators that the compiler turns into SIMD lanes; a single
/// running sum could not be reordered. Inlined, so that it runs as wide
/// as its caller is compiled for.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Sum of `a`, in eight lanes as [`dot`].
pub fn sum(a: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = a.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for x in chunks {
        for i in 0..8 {
            acc[i] += x[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}
