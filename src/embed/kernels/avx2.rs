//! AVX2 and FMA: 8 lanes per multiply-add, on most x86-64 CPUs since 2013.

use std::arch::x86_64::*;

use super::{portable, PANEL, TILE_ROWS};

/// Dequantizes Q4_0 blocks (16 nibble bytes and one scale each) into
/// `out`, 32 values per block: nibbles widened to i32, converted, and
/// scaled with the −8 offset folded into one FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn dequantize(nibbles: &[u8], scales: &[f32], out: &mut [f32]) {
    assert!(nibbles.len() == scales.len() * 16 && out.len() == scales.len() * 32);
    let low = _mm_set1_epi8(0x0F);
    for (b, &scale) in scales.iter().enumerate() {
        // SAFETY: block b's 16 bytes are in bounds (asserted above).
        let bytes = unsafe { _mm_loadu_si128(nibbles.as_ptr().add(16 * b).cast()) };
        let lo = _mm_and_si128(bytes, low);
        let hi = _mm_and_si128(_mm_srli_epi16::<4>(bytes), low);
        let d = _mm256_set1_ps(scale);
        let offset = _mm256_set1_ps(-8.0 * scale);
        // SAFETY: block b's 32 outputs are in bounds (asserted above).
        let o = unsafe { out.as_mut_ptr().add(32 * b) };
        for (i, q) in [lo, _mm_srli_si128::<8>(lo), hi, _mm_srli_si128::<8>(hi)]
            .into_iter()
            .enumerate()
        {
            let f = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(q));
            // SAFETY: outputs 8i..8i + 8 of the block's 32.
            unsafe { _mm256_storeu_ps(o.add(8 * i), _mm256_fmadd_ps(f, d, offset)) };
        }
    }
}

dot_tile!(
    dot_tile,
    tile,
    "avx2,fma",
    8,
    __m256,
    _mm256_setzero_ps,
    _mm256_loadu_ps,
    _mm256_fmadd_ps,
    hsum
);

#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
}

/// [`portable::gelu`] compiled for AVX2, where it runs 8 lanes wide.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn gelu(values: &mut [f32]) {
    portable::gelu(values)
}

/// [`portable::attend`] compiled for AVX2: its 32-wide head rows are four
/// registers, not eight (9.7% of a question's time as plain x86-64).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn attend(qkv: &[f32], len: usize, h: usize, heads: usize, scores: &mut [f32], context: &mut [f32]) {
    portable::attend(qkv, len, h, heads, scores, context)
}
