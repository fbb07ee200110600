//! A layer's product fed to the kernels tile by tile: weight panels against
//! blocks of input rows, split between the calling thread and candle's pool.

use std::ops::Range;

use super::{gelu, ActivationBytes, ByteRows, Kernel, Threads, BYTE_COLUMNS, PANEL, TILE_ROWS};
use crate::embed::format::Q4_BLOCK;

/// Input rows per pass over the weights: their activations (at most 64 × 1536
/// f32, 384 KiB) stay in L2 while every panel is multiplied against them.
const ROW_BLOCK: usize = 64;

/// A Q4_0 layer's weights, as the kernels read them.
pub struct Q4Weights<'a> {
    /// Output features (weight rows).
    pub out: usize,
    /// Input features (weights per row).
    pub inp: usize,
    /// For each weight row, `inp / 32` blocks of 16 bytes: byte `j` holds
    /// weight `j` in the low nibble and weight `j + 16` in the high one.
    pub nibbles: &'a [u8],
    /// For each weight row, the scale of each block.
    pub scales: &'a [f32],
    /// One per output.
    pub bias: &'a [f32],
    /// Whether GELU follows the bias.
    pub gelu: bool,
}

thread_local! {
    /// Each pool thread's dequantized panel, kept between calls: allocating
    /// and zeroing it per call was 4% of the encoder's instructions.
    static PANEL_SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The calling thread's quantized activations.
    static ACTIVATION_BYTES: std::cell::RefCell<ActivationBytes> = std::cell::RefCell::new(ActivationBytes::default());
}

/// `y = act(x · Wᵀ + b)` in f32: dequantizes `PANEL` weight rows at a time
/// and multiplies them against tiles of `x`'s rows with `kernel`.
pub fn forward_f32(kernel: Kernel, w: &Q4Weights<'_>, x: &[f32], rows: usize, y: &mut [f32], threads: Threads) {
    assert!(x.len() == rows * w.inp && y.len() == rows * w.out, "layer shape");
    let panels = w.out.div_ceil(PANEL);
    let row_blocks = rows.div_ceil(ROW_BLOCK);
    let out = SharedOut(y.as_mut_ptr());
    let work = |items: Range<usize>| {
        PANEL_SCRATCH.with_borrow_mut(|panel| {
            panel.resize(PANEL * w.inp, 0.0);
            for item in items {
                let (block, p) = (item / panels, item % panels);
                let cols = p * PANEL..w.out.min(p * PANEL + PANEL);
                // A partial last panel keeps stale rows from an earlier
                // one: their products are computed and never written.
                for (c, n) in cols.clone().enumerate() {
                    dequantize_row(kernel, w, n, &mut panel[c * w.inp..(c + 1) * w.inp]);
                }
                let block_rows = block * ROW_BLOCK..rows.min(block * ROW_BLOCK + ROW_BLOCK);
                for r0 in block_rows.clone().step_by(TILE_ROWS) {
                    let tile_rows = TILE_ROWS.min(block_rows.end - r0);
                    let xs = &x[r0 * w.inp..(r0 + tile_rows) * w.inp];
                    let tile = kernel.dot_tile(xs, panel, w.inp, tile_rows);
                    for (i, row) in tile.iter().take(tile_rows).enumerate() {
                        for (c, n) in cols.clone().enumerate() {
                            // SAFETY: (r0 + i, n) is inside the rows × out
                            // output, and each item writes only its own
                            // rows and columns, so no two threads write
                            // the same element and nobody reads it meanwhile.
                            unsafe { out.write((r0 + i) * w.out + n, row[c] + w.bias[n]) };
                        }
                    }
                }
            }
        })
    };
    run(threads, row_blocks * panels, work);
    if w.gelu {
        gelu(y);
    }
}

/// `y = act(x · Wᵀ + b)` in 8 bits: quantizes the activations to a byte
/// each and multiplies them with the byte weights (with VNNI, 64
/// multiply-adds per instruction against 16 per f32 FMA, and no
/// unpacking). Applies the activation itself, on each tile while it is in
/// cache and on every thread of the pool.
pub fn forward_bytes(
    kernel: Kernel,
    bytes: &ByteRows,
    w: &Q4Weights<'_>,
    x: &[f32],
    rows: usize,
    y: &mut [f32],
    threads: Threads,
) {
    assert!(x.len() == rows * w.inp && y.len() == rows * w.out, "layer shape");
    let inp = w.inp;
    ACTIVATION_BYTES.with_borrow_mut(|xq| {
        xq.quantize(kernel, x, inp);
        let xq = &*xq;
        let panels = w.out.div_ceil(BYTE_COLUMNS);
        let row_blocks = rows.div_ceil(ROW_BLOCK);
        let out = SharedOut(y.as_mut_ptr());
        let work = |items: Range<usize>| {
            for item in items {
                let (block, p) = (item / panels, item % panels);
                let cols = p * BYTE_COLUMNS..w.out.min(p * BYTE_COLUMNS + BYTE_COLUMNS);
                let weights = bytes.panel(p, inp);
                let block_rows = block * ROW_BLOCK..rows.min(block * ROW_BLOCK + ROW_BLOCK);
                for r0 in block_rows.clone().step_by(TILE_ROWS) {
                    let tile_rows = TILE_ROWS.min(block_rows.end - r0);
                    let dots = kernel.dot_bytes(&xq.tile(r0..r0 + tile_rows, inp), weights, inp, tile_rows);
                    for (i, dots) in dots.iter().take(tile_rows).enumerate() {
                        // SAFETY: as in `forward_f32`, each item writes
                        // only its own rows and columns.
                        let row = unsafe { out.slice((r0 + i) * w.out + cols.start, cols.len()) };
                        let scaled = bytes.scales[cols.clone()].iter().zip(&w.bias[cols.clone()]);
                        for ((o, d), (scale, bias)) in row.iter_mut().zip(dots).zip(scaled) {
                            *o = d * scale + bias;
                        }
                        if w.gelu {
                            gelu(row);
                        }
                    }
                }
            }
        };
        run(threads, row_blocks * panels, work);
    });
}

fn run(threads: Threads, items: usize, work: impl Fn(Range<usize>) + Sync) {
    match threads {
        Threads::One => work(0..items),
        Threads::Pool => candle_core::utils::barrier_pool().execute_chunked(items, work),
    }
}

fn dequantize_row(kernel: Kernel, w: &Q4Weights<'_>, n: usize, out: &mut [f32]) {
    let per_row = w.inp / Q4_BLOCK;
    let nibbles = &w.nibbles[n * per_row * 16..(n + 1) * per_row * 16];
    let scales = &w.scales[n * per_row..(n + 1) * per_row];
    kernel.dequantize(nibbles, scales, out);
}

/// The output pointer shared by the pool's threads.
struct SharedOut(*mut f32);

// SAFETY: threads write disjoint elements (see `forward_f32`).
unsafe impl Sync for SharedOut {}

impl SharedOut {
    /// # Safety
    /// `i` must be inside the output and written by no other thread.
    unsafe fn write(&self, i: usize, v: f32) {
        // SAFETY: the caller's contract.
        unsafe { *self.0.add(i) = v }
    }

    /// The `len` outputs from `start`.
    ///
    /// # Safety
    /// They must be inside the output, and no other thread may touch them
    /// while the slice lives.
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice(&self, start: usize, len: usize) -> &mut [f32] {
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.0.add(start), len) }
    }
}
