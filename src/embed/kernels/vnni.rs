//! AVX-512 VNNI: 64 byte multiply-adds per instruction (`vpdpbusd`), on
//! the 8-bit weights and activations of [`super::bytes`].

use std::arch::x86_64::*;

use super::{ByteTile, BYTE_CHUNK, BYTE_COLUMNS, BYTE_LANES, BYTE_PANEL, TILE_ROWS};

/// `dots[i][c] = x_i · w_c`, unscaled by the weight row's scale, for the
/// `rows` rows of `tile` and the [`BYTE_COLUMNS`] rows of `panel` (laid
/// out as [`super::ByteRows`] says). Each chunk of [`BYTE_CHUNK`] inputs
/// adds up in integers, 16 outputs to a register, and joins the f32 sums
/// at its activation scale: one conversion per 16 `vpdpbusd`, and no
/// horizontal sums.
///
/// # Safety
/// The CPU must support AVX-512F, BW and VNNI.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub unsafe fn dot_tile(tile: &ByteTile<'_>, panel: &[u8], k: usize, rows: usize) -> [[f32; BYTE_COLUMNS]; TILE_ROWS] {
    let chunks = k / BYTE_CHUNK;
    assert!(
        k.is_multiple_of(BYTE_CHUNK)
            && rows <= TILE_ROWS
            && tile.x.len() >= rows * k
            && tile.scales.len() >= rows * chunks
            && tile.offsets.len() >= rows * chunks
            && panel.len() >= BYTE_COLUMNS * k
    );
    let mut dots = [[0f32; BYTE_COLUMNS]; TILE_ROWS];
    match rows {
        // SAFETY: the CPU has the features (this function's contract), the lengths were asserted.
        4 => unsafe { rows_of::<4>(tile, panel, k, &mut dots) },
        // SAFETY: the CPU has the features (this function's contract), the lengths were asserted.
        3 => unsafe { rows_of::<3>(tile, panel, k, &mut dots) },
        // SAFETY: the CPU has the features (this function's contract), the lengths were asserted.
        2 => unsafe { rows_of::<2>(tile, panel, k, &mut dots) },
        // SAFETY: the CPU has the features (this function's contract), the lengths were asserted.
        1 => unsafe { rows_of::<1>(tile, panel, k, &mut dots) },
        _ => {}
    }
    dots
}

#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn rows_of<const R: usize>(
    tile: &ByteTile<'_>,
    panel: &[u8],
    k: usize,
    dots: &mut [[f32; BYTE_COLUMNS]; TILE_ROWS],
) {
    let mut sums = [[_mm512_setzero_ps(); BYTE_PANEL]; R];
    let (x, w) = (tile.x.as_ptr(), panel.as_ptr());
    for chunk in 0..k / BYTE_CHUNK {
        // SAFETY: (all loads) chunk < k / BYTE_CHUNK and every input
        // read is below (chunk + 1) · BYTE_CHUNK ≤ k; the caller checked
        // that the tile holds R rows of k bytes and k / BYTE_CHUNK scales
        // and offsets each, and the panel BYTE_COLUMNS rows of k.
        let j = |i: usize| i * (k / BYTE_CHUNK) + chunk;
        let mut acc: [[__m512i; BYTE_PANEL]; R] =
            // SAFETY: as above.
            std::array::from_fn(|i| [_mm512_set1_epi32(unsafe { *tile.offsets.get_unchecked(j(i)) }); BYTE_PANEL]);
        // Four inputs per `vpdpbusd`: one 32-bit lane of bytes.
        for at in (chunk * BYTE_CHUNK..(chunk + 1) * BYTE_CHUNK).step_by(4) {
            // SAFETY: as above.
            let wv: [__m512i; BYTE_PANEL] = std::array::from_fn(|c| unsafe {
                _mm512_loadu_si512(w.add(at * BYTE_COLUMNS + c * 4 * BYTE_LANES).cast())
            });
            for (i, acc) in acc.iter_mut().enumerate() {
                // SAFETY: as above.
                let xv = _mm512_set1_epi32(unsafe { x.add(i * k + at).cast::<i32>().read_unaligned() });
                for c in 0..BYTE_PANEL {
                    acc[c] = _mm512_dpbusd_epi32(acc[c], wv[c], xv);
                }
            }
        }
        for (i, (sums, acc)) in sums.iter_mut().zip(&acc).enumerate() {
            // SAFETY: as above.
            let scale = _mm512_set1_ps(unsafe { *tile.scales.get_unchecked(j(i)) });
            for c in 0..BYTE_PANEL {
                sums[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[c]), scale, sums[c]);
            }
        }
    }
    for (dots, sums) in dots.iter_mut().zip(&sums) {
        for (c, sum) in sums.iter().enumerate() {
            // SAFETY: the row holds BYTE_PANEL registers' worth of floats.
            unsafe { _mm512_storeu_ps(dots.as_mut_ptr().add(c * BYTE_LANES), *sum) };
        }
    }
}
