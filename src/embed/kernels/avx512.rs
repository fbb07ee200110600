//! AVX-512F (and BW for bytes): 16 lanes per multiply-add.

use std::arch::x86_64::*;

use super::{portable, ActivationBytes, BYTE_CHUNK, PANEL, TILE_ROWS};

/// [`super::avx2::dequantize`] with 16 lanes: a block's low and high nibbles
/// each fill one register.
///
/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub unsafe fn dequantize(nibbles: &[u8], scales: &[f32], out: &mut [f32]) {
    assert!(nibbles.len() == scales.len() * 16 && out.len() == scales.len() * 32);
    let low = _mm_set1_epi8(0x0F);
    for (b, &scale) in scales.iter().enumerate() {
        // SAFETY: block b's 16 bytes are in bounds (asserted above).
        let bytes = unsafe { _mm_loadu_si128(nibbles.as_ptr().add(16 * b).cast()) };
        let lo = _mm_and_si128(bytes, low);
        let hi = _mm_and_si128(_mm_srli_epi16::<4>(bytes), low);
        let d = _mm512_set1_ps(scale);
        let offset = _mm512_set1_ps(-8.0 * scale);
        // SAFETY: block b's 32 outputs are in bounds (asserted above).
        let o = unsafe { out.as_mut_ptr().add(32 * b) };
        for (i, q) in [lo, hi].into_iter().enumerate() {
            let f = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(q));
            // SAFETY: outputs 16i..16i + 16 of the block's 32.
            unsafe { _mm512_storeu_ps(o.add(16 * i), _mm512_fmadd_ps(f, d, offset)) };
        }
    }
}

dot_tile!(
    dot_tile,
    tile,
    "avx512f",
    16,
    __m512,
    _mm512_setzero_ps,
    _mm512_loadu_ps,
    _mm512_fmadd_ps,
    _mm512_reduce_add_ps
);

/// [`portable::quantize`] 16 lanes wide: per chunk of 64 values, the
/// largest magnitude sets the scale, and each value becomes
/// `round(v · 127 / max)`, rounding halves up.
///
/// # Safety
/// The CPU must support AVX-512F and BW.
#[target_feature(enable = "avx512f,avx512bw")]
pub unsafe fn quantize(bytes: &mut ActivationBytes, x: &[f32]) {
    const { assert!(BYTE_CHUNK == 4 * 16, "a chunk is four registers of 16 floats") };
    let chunks = x.len() / BYTE_CHUNK;
    assert!(bytes.bytes.len() == x.len() && bytes.scales.len() == chunks && bytes.offsets.len() == chunks);
    for (c, chunk) in x.chunks_exact(BYTE_CHUNK).enumerate() {
        // SAFETY: the chunk holds 4 × 16 values.
        let v: [__m512; 4] = std::array::from_fn(|i| unsafe { _mm512_loadu_ps(chunk.as_ptr().add(16 * i)) });
        let max = _mm512_reduce_max_ps(_mm512_max_ps(
            _mm512_max_ps(_mm512_abs_ps(v[0]), _mm512_abs_ps(v[1])),
            _mm512_max_ps(_mm512_abs_ps(v[2]), _mm512_abs_ps(v[3])),
        ));
        let inverse = _mm512_set1_ps(if max > 0.0 { 127.0 / max } else { 0.0 });
        // v · inverse + 128.5 lies in [1.5, 255.5]: truncating rounds it.
        let half = _mm512_set1_ps(128.5);
        let mut total = _mm512_setzero_si512();
        for (i, v) in v.into_iter().enumerate() {
            let q = _mm512_sub_epi32(
                _mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(v, inverse), half)),
                _mm512_set1_epi32(128),
            );
            total = _mm512_add_epi32(total, q);
            // SAFETY: bytes holds x.len() values, chunk c's 16·i.. among them.
            unsafe {
                _mm_storeu_si128(
                    bytes.bytes.as_mut_ptr().add(c * BYTE_CHUNK + 16 * i).cast(),
                    _mm512_cvtepi32_epi8(q),
                )
            };
        }
        bytes.scales[c] = max / 127.0;
        bytes.offsets[c] = -128 * _mm512_reduce_add_epi32(total);
    }
}

/// [`portable::gelu`] compiled for AVX-512, where it runs 16 lanes wide.
///
/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub unsafe fn gelu(values: &mut [f32]) {
    portable::gelu(values)
}
