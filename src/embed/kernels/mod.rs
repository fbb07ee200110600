//! The encoder's arithmetic, one room per instruction set.
//!
//! [`Kernel`] says which implementation runs on this CPU and dispatches to
//! it; [`gemm`] feeds a layer's product to the kernels tile by tile, on the
//! calling thread or candle's pool; [`bytes`] holds the 8-bit formats the
//! VNNI kernel reads. [`portable`] is plain Rust for any CPU and the
//! reference: the AVX2, AVX-512 and VNNI kernels are tested against it on
//! random shapes, the 8-bit one bit for bit, so every path is checked on a
//! CPU that has it and the reference on every CPU.
//!
//! This is the only module of the crate where `unsafe` is allowed: the
//! intrinsics need it, and the pool's threads write disjoint parts of one
//! output. Every block says why it is sound (`clippy::undocumented_unsafe_blocks`
//! is on for the crate).
#![allow(unsafe_code)]

/// Defines `$name`, the body of [`Kernel::dot_tile`] for one vector width:
/// every `$lanes` inputs, `rows` activation loads and `PANEL` weight loads
/// feed `rows × PANEL` FMAs. AVX2 and AVX-512 differ only in the register
/// type and intrinsics, so one definition serves both.
#[cfg(target_arch = "x86_64")]
macro_rules! dot_tile {
    ($name:ident, $tile:ident, $feature:literal, $lanes:literal, $vector:ty,
     $zero:ident, $load:ident, $fmadd:ident, $sum:expr) => {
        /// # Safety
        #[doc = concat!("The CPU must support ", $feature, ".")]
        #[target_feature(enable = $feature)]
        pub unsafe fn $name(xs: &[f32], panel: &[f32], k: usize, rows: usize, tile: &mut [[f32; PANEL]; TILE_ROWS]) {
            assert!(k.is_multiple_of($lanes) && rows <= TILE_ROWS && xs.len() >= rows * k && panel.len() >= PANEL * k);
            // Monomorphized per row count so the accumulators live in registers.
            match rows {
                // SAFETY: the CPU has the features (this function's contract), the lengths were asserted.
                4 => unsafe { $tile::<4>(xs, panel, k, tile) },
                // SAFETY: the CPU has the features (this function's contract), the lengths were asserted.
                3 => unsafe { $tile::<3>(xs, panel, k, tile) },
                // SAFETY: the CPU has the features (this function's contract), the lengths were asserted.
                2 => unsafe { $tile::<2>(xs, panel, k, tile) },
                // SAFETY: the CPU has the features (this function's contract), the lengths were asserted.
                1 => unsafe { $tile::<1>(xs, panel, k, tile) },
                _ => {}
            }
        }

        #[target_feature(enable = $feature)]
        unsafe fn $tile<const R: usize>(xs: &[f32], panel: &[f32], k: usize, tile: &mut [[f32; PANEL]; TILE_ROWS]) {
            let mut acc = [[$zero(); PANEL]; R];
            let (x, w) = (xs.as_ptr(), panel.as_ptr());
            let mut at = 0;
            while at < k {
                // SAFETY: (all loads) at + lanes <= k, and the caller
                // checked that xs holds R rows and panel PANEL rows of k values.
                let wv: [$vector; PANEL] = std::array::from_fn(|c| unsafe { $load(w.add(c * k + at)) });
                for (i, row) in acc.iter_mut().enumerate() {
                    // SAFETY: as above.
                    let xv = unsafe { $load(x.add(i * k + at)) };
                    for c in 0..PANEL {
                        row[c] = $fmadd(xv, wv[c], row[c]);
                    }
                }
                at += $lanes;
            }
            for (i, row) in acc.iter().enumerate() {
                for c in 0..PANEL {
                    tile[i][c] = $sum(row[c]);
                }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
pub mod bytes;
pub mod gemm;
pub mod portable;
#[cfg(target_arch = "x86_64")]
mod vnni;

pub use bytes::{ActivationBytes, ByteRows, ByteTile};

/// Weight rows dequantized together: the kernel's output columns per tile.
/// With AVX-512, which has registers for more, 4 and 6 were no faster.
pub const PANEL: usize = 3;
/// Input rows (tokens) per tile.
pub const TILE_ROWS: usize = 4;
/// Output columns per tile of the 8-bit kernel, in registers of
/// [`BYTE_LANES`]: with four rows, 12 integer and 12 float accumulators,
/// three weight registers and the broadcast activation fill 28 of AVX-512's
/// 32 registers.
pub const BYTE_PANEL: usize = 3;
/// Output columns per register: one 32-bit sum per lane of 512 bits.
pub const BYTE_LANES: usize = 16;
/// Output columns per panel of the 8-bit kernel.
pub const BYTE_COLUMNS: usize = BYTE_PANEL * BYTE_LANES;
/// Activations per scale in the 8-bit kernel (see [`ActivationBytes`]): one
/// VNNI instruction's worth. A scale per 128 was no faster and further from
/// the reference engine (lowest fixture cosine 0.9991 against 0.9995).
pub const BYTE_CHUNK: usize = 64;

/// Who computes a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// The calling thread alone: when other questions keep the other cores
    /// busy, splitting a layer only adds hand-offs.
    One,
    /// The caller and candle's barrier pool, for one question on idle cores.
    Pool,
}

/// Which implementation runs, decided once per call rather than per tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// Plain Rust, for any CPU: the reference.
    Portable,
    /// AVX2 and FMA intrinsics.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// AVX-512F: twice the lanes per multiply-add. On the development
    /// machine's Xeon the whole answer path's median fell from 17.3–20.6 ms
    /// to 14.0–17.9 ms (three alternating runs each of
    /// `RAYON_NUM_THREADS=1 kefu eval`).
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// AVX-512 VNNI on byte weights and activations ([`ByteRows`]).
    #[cfg(target_arch = "x86_64")]
    Vnni,
}

impl Kernel {
    /// Whether it runs on [`ByteRows`], whose rounding the f32 kernels lack.
    pub fn is_bytes(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        if self == Kernel::Vnni {
            return true;
        }
        false
    }

    /// The fastest kernel this CPU runs for inputs `k` wide.
    pub fn detect(k: usize) -> Kernel {
        Kernel::available(k).pop().unwrap_or(Kernel::Portable)
    }

    /// Every kernel this CPU runs for inputs `k` wide, slowest first.
    pub fn available(k: usize) -> Vec<Kernel> {
        let mut kernels = vec![Kernel::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if k.is_multiple_of(8) && std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                kernels.push(Kernel::Avx2);
            }
            if k.is_multiple_of(16) && std::is_x86_feature_detected!("avx512f") {
                kernels.push(Kernel::Avx512);
            }
            if k.is_multiple_of(BYTE_CHUNK)
                && std::is_x86_feature_detected!("avx512bw")
                && std::is_x86_feature_detected!("avx512vnni")
            {
                kernels.push(Kernel::Vnni);
            }
        }
        let _ = k;
        kernels
    }

    /// Dequantizes Q4_0 blocks (16 nibble bytes and one scale each) into
    /// `out`, 32 values per block.
    pub fn dequantize(self, nibbles: &[u8], scales: &[f32], out: &mut [f32]) {
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx2` is only chosen on CPUs with AVX2 and FMA.
            Kernel::Avx2 => unsafe { avx2::dequantize(nibbles, scales, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx512` and `Vnni` are only chosen on CPUs with AVX-512F.
            Kernel::Avx512 | Kernel::Vnni => unsafe { avx512::dequantize(nibbles, scales, out) },
            Kernel::Portable => portable::dequantize(nibbles, scales, out),
        }
    }

    /// `tile[i][c] = x_i · panel_c` for the `rows` rows of `xs` and the
    /// `PANEL` rows of `panel`, all `k` wide.
    pub fn dot_tile(self, xs: &[f32], panel: &[f32], k: usize, rows: usize) -> [[f32; PANEL]; TILE_ROWS] {
        let mut tile = [[0f32; PANEL]; TILE_ROWS];
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx2` is only chosen on CPUs with AVX2 and FMA
            // and for k a multiple of 8; `dot_tile` checks the lengths.
            Kernel::Avx2 => unsafe { avx2::dot_tile(xs, panel, k, rows, &mut tile) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx512` and `Vnni` are only chosen on CPUs with
            // AVX-512F and for k a multiple of 16; `dot_tile` checks the lengths.
            Kernel::Avx512 | Kernel::Vnni => unsafe { avx512::dot_tile(xs, panel, k, rows, &mut tile) },
            Kernel::Portable => portable::dot_tile(xs, panel, k, rows, &mut tile),
        }
        tile
    }

    /// `dots[i][c] = x_i · w_c` in 8 bits, unscaled by the weight rows'
    /// scales, for the `rows` rows of `tile` and the [`BYTE_COLUMNS`] rows
    /// of `panel` (laid out as [`ByteRows`] says). The f32 kernels have no
    /// byte path of their own: they run the reference.
    pub fn dot_bytes(
        self,
        tile: &ByteTile<'_>,
        panel: &[u8],
        k: usize,
        rows: usize,
    ) -> [[f32; BYTE_COLUMNS]; TILE_ROWS] {
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Vnni` is only chosen on CPUs with AVX-512 VNNI
            // and BW and for k a multiple of BYTE_CHUNK; `dot_tile` checks the lengths.
            Kernel::Vnni => unsafe { vnni::dot_tile(tile, panel, k, rows) },
            _ => portable::dot_bytes(tile, panel, k, rows),
        }
    }

    /// Quantizes `x` into `bytes`, whose buffers are already sized for it
    /// (see [`ActivationBytes::quantize`]).
    fn quantize(self, bytes: &mut ActivationBytes, x: &[f32]) {
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Vnni` is only chosen on CPUs with AVX-512F and
            // BW; `quantize` checks the lengths.
            Kernel::Vnni => unsafe { avx512::quantize(bytes, x) },
            _ => portable::quantize(bytes, x),
        }
    }
}

/// GELU in place, in its exact form `x/2 · (1 + erf(x/√2))`, as BERT uses.
pub fn gelu(values: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F.
        unsafe { avx512::gelu(values) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA.
        unsafe { avx2::gelu(values) };
        return;
    }
    portable::gelu(values);
}

/// Scaled dot-product attention of every head. `qkv` holds each token's
/// query, key and value rows side by side (`3h` wide); the context of token
/// `i` goes to `context[i·h..]`, heads side by side, as BERT concatenates them.
pub fn attend(qkv: &[f32], len: usize, h: usize, heads: usize, scores: &mut [f32], context: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA.
        unsafe { avx2::attend(qkv, len, h, heads, scores, context) };
        return;
    }
    portable::attend(qkv, len, h, heads, scores, context)
}

#[cfg(test)]
mod tests;
