//! 4-bit (Q4_0) linear layers with kefu's own kernel.
//!
//! candle's quantized matmul is built for generating text one token at a
//! time. For a 10-token query it spent 93% of the encoder's instructions
//! (callgrind) in per-block dot products that convert two f16 scales behind
//! a runtime CPU-feature check for every 32 weights of every token, about 46
//! instructions per 32 multiply-adds. Here the scales are converted once at
//! load, and a few weight rows at a time are dequantized into an f32 panel
//! that stays in L1 and is multiplied against every token with AVX2 FMA, so
//! unpacking is paid once per weight instead of once per weight and token.
//!
//! On CPUs with AVX-512 VNNI the weights are instead requantized to bytes
//! at load ([`ByteRows`]) and the activations to bytes per call
//! ([`ActivationBytes`]), and one instruction does 64 multiply-adds in
//! integers. The reference engine also runs 8-bit activations; the f32
//! kernels remain for other CPUs. The byte kernel adds 16 outputs per
//! register from four broadcast activations, as GEMM kernels do, rather
//! than one output's 64 products per register: that left a conversion, a
//! multiply-add and a horizontal sum per output and chunk, and halved
//! the encoder's time (`examples/embed_loop`, 8.0 → 4.2 ms for a 16-token
//! question on one thread).

use super::format::{Q4_BLOCK, Q4_BLOCK_BYTES};
use super::EmbedError;

/// Weight rows dequantized together: the kernel's output columns per tile.
/// With AVX-512, which has registers for more, 4 and 6 were no faster.
const PANEL: usize = 3;
/// Input rows (tokens) per tile.
const TILE_ROWS: usize = 4;
/// Input rows per pass over the weights: their activations (at most 64 × 1536
/// f32, 384 KiB) stay in L2 while every panel is multiplied against them.
const ROW_BLOCK: usize = 64;
/// Output columns per tile of the 8-bit kernel, in registers of
/// [`BYTE_LANES`]: with four rows, 12 integer and 12 float accumulators,
/// three weight registers and the broadcast activation fill 28 of AVX-512's
/// 32 registers.
#[cfg(target_arch = "x86_64")]
const BYTE_PANEL: usize = 3;
/// Output columns per register: one 32-bit sum per lane of 512 bits.
#[cfg(target_arch = "x86_64")]
const BYTE_LANES: usize = 16;
/// Output columns per panel of the 8-bit kernel.
#[cfg(target_arch = "x86_64")]
const BYTE_COLUMNS: usize = BYTE_PANEL * BYTE_LANES;
/// Activations per scale in the 8-bit kernel (see [`ActivationBytes`]): one
/// VNNI instruction's worth. A scale per 128 was no faster and further from
/// the reference engine (lowest fixture cosine 0.9991 against 0.9995).
#[cfg(target_arch = "x86_64")]
const BYTE_CHUNK: usize = 64;

/// Who computes a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// The calling thread alone: when other questions keep the other cores
    /// busy, splitting a layer only adds hand-offs.
    One,
    /// The caller and candle's barrier pool, for one question on idle cores.
    Pool,
}

/// What is applied to each output after the bias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// Nothing.
    Identity,
    /// GELU with the exact (erf) form, as BERT uses.
    Gelu,
}

/// `y = act(x · Wᵀ + b)` with `W` in Q4_0 blocks.
pub struct Q4Linear {
    out: usize,
    inp: usize,
    /// For each weight row, `inp / 32` blocks of 16 bytes: byte `j` holds
    /// weight `j` in the low nibble and weight `j + 16` in the high one.
    nibbles: Vec<u8>,
    /// For each weight row, the scale of each block.
    scales: Vec<f32>,
    bias: Vec<f32>,
    activation: Activation,
    /// The same weights at 8 bits, on CPUs that multiply bytes (VNNI).
    #[cfg(target_arch = "x86_64")]
    bytes: Option<ByteRows>,
}

impl Q4Linear {
    /// Builds the layer from ggml Q4_0 blocks (`out` rows of `inp` weights)
    /// and `out` biases.
    pub fn new(blocks: &[u8], bias: Vec<f32>, out: usize, inp: usize) -> Result<Q4Linear, EmbedError> {
        let per_row = inp / Q4_BLOCK;
        if !inp.is_multiple_of(Q4_BLOCK) || blocks.len() != out * per_row * Q4_BLOCK_BYTES || bias.len() != out {
            return Err(EmbedError::Format(format!(
                "a {out}×{inp} Q4_0 layer needs {} bytes of blocks and {out} biases, got {} and {}",
                out * per_row * Q4_BLOCK_BYTES,
                blocks.len(),
                bias.len()
            )));
        }
        let mut nibbles = Vec::with_capacity(out * per_row * 16);
        let mut scales = Vec::with_capacity(out * per_row);
        for block in blocks.chunks_exact(Q4_BLOCK_BYTES) {
            scales.push(half::f16::from_le_bytes([block[0], block[1]]).to_f32());
            nibbles.extend_from_slice(&block[2..]);
        }
        Ok(Q4Linear {
            out,
            inp,
            #[cfg(target_arch = "x86_64")]
            bytes: Kernel::available(inp)
                .contains(&Kernel::Vnni)
                .then(|| ByteRows::from_q4(&nibbles, &scales, inp)),
            nibbles,
            scales,
            bias,
            activation: Activation::Identity,
        })
    }

    /// Stacks layers that read the same input (query, key and value) into
    /// one, whose output is theirs side by side.
    pub fn stack(parts: Vec<Q4Linear>) -> Result<Q4Linear, EmbedError> {
        let Some(inp) = parts.first().map(|p| p.inp) else {
            return Err(EmbedError::Format("nothing to stack".into()));
        };
        if parts
            .iter()
            .any(|p| p.inp != inp || p.activation != Activation::Identity)
        {
            return Err(EmbedError::Format("stacked layers must share their input".into()));
        }
        let mut all = Q4Linear {
            out: 0,
            inp,
            nibbles: Vec::new(),
            scales: Vec::new(),
            bias: Vec::new(),
            activation: Activation::Identity,
            #[cfg(target_arch = "x86_64")]
            bytes: None,
        };
        #[cfg(target_arch = "x86_64")]
        let bytes = parts.iter().all(|p| p.bytes.is_some());
        // Whole panels (BERT's widths) join as they are; otherwise the
        // panels of the parts' rows would not line up, and the stack is
        // requantized whole.
        #[cfg(target_arch = "x86_64")]
        let joined = bytes && parts.iter().all(|p| p.out.is_multiple_of(BYTE_COLUMNS));
        #[cfg(target_arch = "x86_64")]
        let mut joined_rows = ByteRows {
            weights: Vec::new(),
            scales: Vec::new(),
        };
        for p in parts {
            all.out += p.out;
            all.nibbles.extend(p.nibbles);
            all.scales.extend(p.scales);
            all.bias.extend(p.bias);
            #[cfg(target_arch = "x86_64")]
            if let (true, Some(rows)) = (joined, p.bytes) {
                joined_rows.weights.extend(rows.weights);
                joined_rows.scales.extend(rows.scales);
            }
        }
        #[cfg(target_arch = "x86_64")]
        {
            all.bytes = match (bytes, joined) {
                (true, true) => Some(joined_rows),
                (true, false) => Some(ByteRows::from_q4(&all.nibbles, &all.scales, inp)),
                _ => None,
            };
        }
        Ok(all)
    }

    /// The same layer followed by `activation`.
    pub fn with_activation(self, activation: Activation) -> Q4Linear {
        Q4Linear { activation, ..self }
    }

    /// Output features.
    pub fn out_features(&self) -> usize {
        self.out
    }

    /// Computes the layer for the `rows` rows of `x` (row-major, `inp` wide)
    /// into `y` (row-major, `out` wide), on this thread alone or shared with
    /// candle's pool.
    pub fn forward_slice(&self, x: &[f32], rows: usize, y: &mut [f32], threads: Threads) {
        self.forward_with(Kernel::detect(self.inp), x, rows, y, threads)
    }

    fn forward_with(&self, kernel: Kernel, x: &[f32], rows: usize, y: &mut [f32], threads: Threads) {
        assert_eq!(x.len(), rows * self.inp, "input shape");
        assert_eq!(y.len(), rows * self.out, "output shape");
        #[cfg(target_arch = "x86_64")]
        if let (Kernel::Vnni, Some(bytes)) = (kernel, &self.bytes) {
            return self.forward_bytes(bytes, x, rows, y, threads);
        }
        self.forward_f32(kernel, x, rows, y, threads);
        if self.activation == Activation::Gelu {
            gelu(y);
        }
    }

    /// Dequantizes `PANEL` weight rows at a time and multiplies them in f32.
    fn forward_f32(&self, kernel: Kernel, x: &[f32], rows: usize, y: &mut [f32], threads: Threads) {
        let panels = self.out.div_ceil(PANEL);
        let row_blocks = rows.div_ceil(ROW_BLOCK);
        let out = SharedOut(y.as_mut_ptr());
        let work = |items: std::ops::Range<usize>| {
            PANEL_SCRATCH.with_borrow_mut(|panel| {
                panel.resize(PANEL * self.inp, 0.0);
                for item in items {
                    let (block, p) = (item / panels, item % panels);
                    let cols = p * PANEL..self.out.min(p * PANEL + PANEL);
                    // A partial last panel keeps stale rows from an earlier
                    // one: their products are computed and never written.
                    for (c, n) in cols.clone().enumerate() {
                        self.dequantize_row(kernel, n, &mut panel[c * self.inp..(c + 1) * self.inp]);
                    }
                    let block_rows = block * ROW_BLOCK..rows.min(block * ROW_BLOCK + ROW_BLOCK);
                    for r0 in block_rows.clone().step_by(TILE_ROWS) {
                        let tile_rows = TILE_ROWS.min(block_rows.end - r0);
                        let xs = &x[r0 * self.inp..(r0 + tile_rows) * self.inp];
                        let tile = kernel.dot_tile(xs, panel, self.inp, tile_rows);
                        for (i, row) in tile.iter().take(tile_rows).enumerate() {
                            for (c, n) in cols.clone().enumerate() {
                                // SAFETY: (r0 + i, n) is inside the rows × out
                                // output, and each item writes only its own
                                // rows and columns, so no two threads write
                                // the same element and nobody reads it meanwhile.
                                unsafe { out.write((r0 + i) * self.out + n, row[c] + self.bias[n]) };
                            }
                        }
                    }
                }
            })
        };
        match threads {
            Threads::One => work(0..row_blocks * panels),
            Threads::Pool => candle_core::utils::barrier_pool().execute_chunked(row_blocks * panels, work),
        }
    }

    /// Quantizes the activations to a byte each and multiplies them with
    /// the byte weights: 64 multiply-adds per VNNI instruction against 16
    /// per f32 FMA, and no unpacking. Applies the activation itself, on each
    /// tile while it is in cache and on every thread of the pool.
    #[cfg(target_arch = "x86_64")]
    fn forward_bytes(&self, bytes: &ByteRows, x: &[f32], rows: usize, y: &mut [f32], threads: Threads) {
        let inp = self.inp;
        ACTIVATION_BYTES.with_borrow_mut(|xq| {
            xq.quantize(x, inp);
            let xq = &*xq;
            let chunks = inp / BYTE_CHUNK;
            let panels = self.out.div_ceil(BYTE_COLUMNS);
            let row_blocks = rows.div_ceil(ROW_BLOCK);
            let out = SharedOut(y.as_mut_ptr());
            let work = |items: std::ops::Range<usize>| {
                for item in items {
                    let (block, p) = (item / panels, item % panels);
                    let cols = p * BYTE_COLUMNS..self.out.min(p * BYTE_COLUMNS + BYTE_COLUMNS);
                    let w = bytes.panel(p, inp);
                    let block_rows = block * ROW_BLOCK..rows.min(block * ROW_BLOCK + ROW_BLOCK);
                    for r0 in block_rows.clone().step_by(TILE_ROWS) {
                        let tile_rows = TILE_ROWS.min(block_rows.end - r0);
                        let chunked = r0 * chunks..(r0 + tile_rows) * chunks;
                        let tile = ByteTile {
                            x: &xq.bytes[r0 * inp..(r0 + tile_rows) * inp],
                            scales: &xq.scales[chunked.clone()],
                            offsets: &xq.offsets[chunked],
                        };
                        // SAFETY: `Kernel::Vnni` (the only way here) is only
                        // chosen on CPUs with AVX-512 VNNI and BW and for inp
                        // a multiple of BYTE_CHUNK; `dot_tile_vnni` checks the lengths.
                        let dots = unsafe { x86::dot_tile_vnni(&tile, w, inp, tile_rows) };
                        for (i, dots) in dots.iter().take(tile_rows).enumerate() {
                            // SAFETY: as in `forward_f32`, each item writes
                            // only its own rows and columns.
                            let row = unsafe { out.slice((r0 + i) * self.out + cols.start, cols.len()) };
                            let weights = bytes.scales[cols.clone()].iter().zip(&self.bias[cols.clone()]);
                            for ((o, d), (scale, bias)) in row.iter_mut().zip(dots).zip(weights) {
                                *o = d * scale + bias;
                            }
                            if self.activation == Activation::Gelu {
                                gelu(row);
                            }
                        }
                    }
                }
            };
            match threads {
                Threads::One => work(0..row_blocks * panels),
                Threads::Pool => candle_core::utils::barrier_pool().execute_chunked(row_blocks * panels, work),
            }
        });
    }

    fn dequantize_row(&self, kernel: Kernel, n: usize, out: &mut [f32]) {
        let per_row = self.inp / Q4_BLOCK;
        let nibbles = &self.nibbles[n * per_row * 16..(n + 1) * per_row * 16];
        let scales = &self.scales[n * per_row..(n + 1) * per_row];
        match kernel {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx2` is only chosen on CPUs with AVX2 and FMA.
            Kernel::Avx2 => unsafe { x86::dequantize_avx2(nibbles, scales, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx512` is only chosen on CPUs with AVX-512F.
            Kernel::Avx512 | Kernel::Vnni => unsafe { x86::dequantize_avx512(nibbles, scales, out) },
            Kernel::Portable => dequantize_portable(nibbles, scales, out),
        }
    }
}

fn dequantize_portable(nibbles: &[u8], scales: &[f32], out: &mut [f32]) {
    for ((bytes, &scale), o) in nibbles.chunks_exact(16).zip(scales).zip(out.chunks_exact_mut(Q4_BLOCK)) {
        for (j, &byte) in bytes.iter().enumerate() {
            o[j] = ((byte & 0x0F) as i32 - 8) as f32 * scale;
            o[j + 16] = ((byte >> 4) as i32 - 8) as f32 * scale;
        }
    }
}

thread_local! {
    /// Each pool thread's dequantized panel, kept between calls: allocating
    /// and zeroing it per call was 4% of the encoder's instructions.
    static PANEL_SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The calling thread's quantized activations.
    #[cfg(target_arch = "x86_64")]
    static ACTIVATION_BYTES: std::cell::RefCell<ActivationBytes> = const {
        std::cell::RefCell::new(ActivationBytes { bytes: Vec::new(), scales: Vec::new(), offsets: Vec::new() })
    };
}

/// Weights requantized from Q4_0 to one byte each with one scale per output
/// row. A row's largest weight is 8 of its largest block's steps, so the
/// byte grid is 16 times finer than that block's and the rounding adds
/// little to the 4-bit error already there (the embedding fixtures' cosine
/// to the reference engine stays at 0.9998 with f32 activations).
#[cfg(target_arch = "x86_64")]
struct ByteRows {
    /// Each weight as `round(w / scale) + 128`: VNNI multiplies unsigned
    /// bytes by signed ones, and the activations are the signed side
    /// ([`ActivationBytes::offsets`] takes the 128 back off). In panels of
    /// [`BYTE_COLUMNS`] rows, stored input-major: for every four inputs, the
    /// panel's rows' four bytes side by side, so that one register holds
    /// four inputs of 16 rows and `vpdpbusd` against four broadcast
    /// activations adds them into 16 outputs. A partial last panel repeats
    /// its last row, whose products are computed and never written.
    weights: Vec<u8>,
    /// Per output row: weight ≈ (byte − 128) × scale.
    scales: Vec<f32>,
}

#[cfg(target_arch = "x86_64")]
impl ByteRows {
    fn from_q4(nibbles: &[u8], scales: &[f32], inp: usize) -> ByteRows {
        let per_row = inp / Q4_BLOCK;
        let out = scales.len() / per_row;
        let mut row = vec![0f32; inp];
        let mut rows = Vec::with_capacity(out * inp);
        let mut row_scales = Vec::with_capacity(out);
        for (nib, sc) in nibbles.chunks_exact(per_row * 16).zip(scales.chunks_exact(per_row)) {
            dequantize_portable(nib, sc, &mut row);
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
    fn panel(&self, p: usize, inp: usize) -> &[u8] {
        &self.weights[p * BYTE_COLUMNS * inp..(p + 1) * BYTE_COLUMNS * inp]
    }

    /// Weight `k` of row `n`, stored (plus 128).
    #[cfg(test)]
    fn weight(&self, n: usize, k: usize, inp: usize) -> u8 {
        let (p, c) = (n / BYTE_COLUMNS, n % BYTE_COLUMNS);
        self.panel(p, inp)[(k / 4 * BYTE_COLUMNS + c) * 4 + k % 4]
    }
}

/// Activations as signed bytes with a scale per [`BYTE_CHUNK`] of each row.
/// One scale per whole row let BERT's few large hidden features coarsen all
/// the others: the fixtures' lowest cosine to the reference engine fell to
/// 0.9985 (0.9992 with chunks of 128, 0.9995 with 64).
#[cfg(target_arch = "x86_64")]
struct ActivationBytes {
    /// `rows × k`: `round(v / scale)`, in [−127, 127].
    bytes: Vec<i8>,
    /// Per row and chunk: `max |v| / 127`.
    scales: Vec<f32>,
    /// Per row and chunk: −128 × the chunk's byte sum, which starting the
    /// chunk's integer sum there removes the weights' +128 from it.
    offsets: Vec<i32>,
}

#[cfg(target_arch = "x86_64")]
impl ActivationBytes {
    /// Quantizes `x`, whose rows are `k` wide, replacing what was here.
    fn quantize(&mut self, x: &[f32], k: usize) {
        assert!(
            k.is_multiple_of(BYTE_CHUNK) && x.len().is_multiple_of(k),
            "activation shape"
        );
        let chunks = x.len() / BYTE_CHUNK;
        self.bytes.resize(x.len(), 0);
        self.scales.resize(chunks, 0.0);
        self.offsets.resize(chunks, 0);
        // SAFETY: only the VNNI kernel quantizes, and only on CPUs with
        // AVX-512BW; the buffers were just sized for `x`.
        unsafe { x86::quantize_avx512(self, x) }
    }
}

/// The activations of one tile's rows.
#[cfg(target_arch = "x86_64")]
struct ByteTile<'a> {
    x: &'a [i8],
    scales: &'a [f32],
    offsets: &'a [i32],
}

/// Which arithmetic the layers of a model whose widths are multiples of 64
/// run on this CPU: `"int8"` with VNNI, `"f32"` otherwise. Their vectors
/// differ slightly, so caches of vectors keep them apart.
pub fn arithmetic() -> &'static str {
    if Kernel::detect(64).is_bytes() {
        "int8"
    } else {
        "f32"
    }
}

/// Which implementation runs, decided once per call rather than per tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    /// Plain Rust, for any CPU.
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
    fn is_bytes(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        if self == Kernel::Vnni {
            return true;
        }
        false
    }

    /// The fastest kernel this CPU runs for inputs `k` wide.
    fn detect(k: usize) -> Kernel {
        Kernel::available(k).pop().unwrap_or(Kernel::Portable)
    }

    /// Every kernel this CPU runs for inputs `k` wide, slowest first.
    fn available(k: usize) -> Vec<Kernel> {
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

    /// `tile[i][c] = x_i · panel_c` for the `rows` rows of `xs` and the
    /// `PANEL` rows of `panel`, all `k` wide.
    fn dot_tile(self, xs: &[f32], panel: &[f32], k: usize, rows: usize) -> [[f32; PANEL]; TILE_ROWS] {
        let mut tile = [[0f32; PANEL]; TILE_ROWS];
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx2` is only chosen on CPUs with AVX2 and FMA
            // and for k a multiple of 8; `dot_tile_avx2` checks the lengths.
            Kernel::Avx2 => unsafe { x86::dot_tile_avx2(xs, panel, k, rows, &mut tile) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx512` is only chosen on CPUs with AVX-512F
            // and for k a multiple of 16; `dot_tile_avx512` checks the lengths.
            Kernel::Avx512 | Kernel::Vnni => unsafe { x86::dot_tile_avx512(xs, panel, k, rows, &mut tile) },
            Kernel::Portable => Kernel::dot_tile_portable(xs, panel, k, rows, &mut tile),
        }
        tile
    }

    fn dot_tile_portable(xs: &[f32], panel: &[f32], k: usize, rows: usize, tile: &mut [[f32; PANEL]; TILE_ROWS]) {
        for (i, x) in xs.chunks_exact(k).take(rows).enumerate() {
            for (c, w) in panel.chunks_exact(k).enumerate() {
                tile[i][c] = super::dot(x, w);
            }
        }
    }
}

/// The output pointer shared by the pool's threads.
struct SharedOut(*mut f32);

// SAFETY: threads write disjoint elements (see `forward_slice`).
unsafe impl Sync for SharedOut {}

impl SharedOut {
    /// # Safety
    /// `i` must be inside the output and written by no other thread.
    unsafe fn write(&self, i: usize, v: f32) {
        unsafe { *self.0.add(i) = v }
    }

    /// The `len` outputs from `start`.
    ///
    /// # Safety
    /// They must be inside the output, and no other thread may touch them
    /// while the slice lives.
    #[cfg(target_arch = "x86_64")]
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice(&self, start: usize, len: usize) -> &mut [f32] {
        unsafe { std::slice::from_raw_parts_mut(self.0.add(start), len) }
    }
}

/// GELU in place, in its exact form `x/2 · (1 + erf(x/√2))`, as BERT uses.
pub fn gelu(values: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F.
        unsafe { x86::gelu_avx512(values) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA.
        unsafe { x86::gelu_avx2(values) };
        return;
    }
    gelu_portable(values);
}

/// Branch-free so the compiler vectorizes it; candle's `gelu_erf` calls libm's
/// `erff` per element, which was 5% of the encoder's instructions.
#[inline(always)]
fn gelu_portable(values: &mut [f32]) {
    for v in values {
        *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// erf to within 2e-7: Abramowitz & Stegun 7.1.26 (error 1.5e-7) with the
/// exponential below.
#[inline(always)]
fn erf(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t * (0.254_829_6 + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152 + t * 1.061_405_4))));
    (1.0 - poly * exp_negative(-z * z)).copysign(x)
}

/// e^y for y ≤ 0 (to 0 below −87) within about 1e-7 relative: y = n·ln2 + r
/// with |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial, 2^n by building
/// the float's exponent bits.
#[inline(always)]
pub(super) fn exp_negative(y: f32) -> f32 {
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

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{ByteTile, BYTE_CHUNK, BYTE_COLUMNS, BYTE_LANES, BYTE_PANEL, PANEL, TILE_ROWS};

    /// Dequantizes Q4_0 blocks (16 nibble bytes and one scale each) into
    /// `out`, 32 values per block: nibbles widened to i32, converted, and
    /// scaled with the −8 offset folded into one FMA.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dequantize_avx2(nibbles: &[u8], scales: &[f32], out: &mut [f32]) {
        assert!(nibbles.len() == scales.len() * 16 && out.len() == scales.len() * 32);
        let low = _mm_set1_epi8(0x0F);
        for (b, &scale) in scales.iter().enumerate() {
            // SAFETY: block b's 16 bytes and 32 outputs are in bounds (asserted above).
            let bytes = unsafe { _mm_loadu_si128(nibbles.as_ptr().add(16 * b).cast()) };
            let lo = _mm_and_si128(bytes, low);
            let hi = _mm_and_si128(_mm_srli_epi16::<4>(bytes), low);
            let d = _mm256_set1_ps(scale);
            let offset = _mm256_set1_ps(-8.0 * scale);
            let o = unsafe { out.as_mut_ptr().add(32 * b) };
            for (i, q) in [lo, _mm_srli_si128::<8>(lo), hi, _mm_srli_si128::<8>(hi)]
                .into_iter()
                .enumerate()
            {
                let f = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(q));
                unsafe { _mm256_storeu_ps(o.add(8 * i), _mm256_fmadd_ps(f, d, offset)) };
            }
        }
    }

    /// Defines `$name`, the body of `Kernel::dot_tile` for one vector width:
    /// every `$lanes` inputs, `rows` activation loads and `PANEL` weight
    /// loads feed `rows × PANEL` FMAs. AVX2 and AVX-512 differ only in the
    /// register type and intrinsics, so one definition serves both.
    macro_rules! dot_tile {
        ($name:ident, $tile:ident, $feature:literal, $lanes:literal, $vector:ty,
         $zero:ident, $load:ident, $fmadd:ident, $sum:expr) => {
            /// # Safety
            #[doc = concat!("The CPU must support ", $feature, ".")]
            #[target_feature(enable = $feature)]
            pub unsafe fn $name(
                xs: &[f32],
                panel: &[f32],
                k: usize,
                rows: usize,
                tile: &mut [[f32; PANEL]; TILE_ROWS],
            ) {
                assert!(
                    k.is_multiple_of($lanes) && rows <= TILE_ROWS && xs.len() >= rows * k && panel.len() >= PANEL * k
                );
                // Monomorphized per row count so the accumulators live in registers.
                match rows {
                    4 => unsafe { $tile::<4>(xs, panel, k, tile) },
                    3 => unsafe { $tile::<3>(xs, panel, k, tile) },
                    2 => unsafe { $tile::<2>(xs, panel, k, tile) },
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
                    // SAFETY (all loads): at + lanes <= k, and the caller
                    // checked that xs holds R rows and panel PANEL rows of k values.
                    let wv: [$vector; PANEL] = std::array::from_fn(|c| unsafe { $load(w.add(c * k + at)) });
                    for (i, row) in acc.iter_mut().enumerate() {
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

    dot_tile!(
        dot_tile_avx2,
        tile_avx2,
        "avx2,fma",
        8,
        __m256,
        _mm256_setzero_ps,
        _mm256_loadu_ps,
        _mm256_fmadd_ps,
        hsum
    );
    dot_tile!(
        dot_tile_avx512,
        tile_avx512,
        "avx512f",
        16,
        __m512,
        _mm512_setzero_ps,
        _mm512_loadu_ps,
        _mm512_fmadd_ps,
        _mm512_reduce_add_ps
    );

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
    pub unsafe fn dot_tile_vnni(
        tile: &ByteTile<'_>,
        panel: &[u8],
        k: usize,
        rows: usize,
    ) -> [[f32; BYTE_COLUMNS]; TILE_ROWS] {
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
            4 => unsafe { tile_vnni::<4>(tile, panel, k, &mut dots) },
            3 => unsafe { tile_vnni::<3>(tile, panel, k, &mut dots) },
            2 => unsafe { tile_vnni::<2>(tile, panel, k, &mut dots) },
            1 => unsafe { tile_vnni::<1>(tile, panel, k, &mut dots) },
            _ => {}
        }
        dots
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn tile_vnni<const R: usize>(
        tile: &ByteTile<'_>,
        panel: &[u8],
        k: usize,
        dots: &mut [[f32; BYTE_COLUMNS]; TILE_ROWS],
    ) {
        let mut sums = [[_mm512_setzero_ps(); BYTE_PANEL]; R];
        let (x, w) = (tile.x.as_ptr(), panel.as_ptr());
        for chunk in 0..k / BYTE_CHUNK {
            // SAFETY (all loads): chunk < k / BYTE_CHUNK and every input
            // read is below (chunk + 1) · BYTE_CHUNK ≤ k; the caller checked
            // that the tile holds R rows of k bytes and k / BYTE_CHUNK scales
            // and offsets each, and the panel BYTE_COLUMNS rows of k.
            let j = |i: usize| i * (k / BYTE_CHUNK) + chunk;
            let mut acc: [[__m512i; BYTE_PANEL]; R] =
                std::array::from_fn(|i| [_mm512_set1_epi32(unsafe { *tile.offsets.get_unchecked(j(i)) }); BYTE_PANEL]);
            // Four inputs per `vpdpbusd`: one 32-bit lane of bytes.
            for at in (chunk * BYTE_CHUNK..(chunk + 1) * BYTE_CHUNK).step_by(4) {
                let wv: [__m512i; BYTE_PANEL] = std::array::from_fn(|c| unsafe {
                    _mm512_loadu_si512(w.add(at * BYTE_COLUMNS + c * 4 * BYTE_LANES).cast())
                });
                for (i, acc) in acc.iter_mut().enumerate() {
                    let xv = _mm512_set1_epi32(unsafe { x.add(i * k + at).cast::<i32>().read_unaligned() });
                    for c in 0..BYTE_PANEL {
                        acc[c] = _mm512_dpbusd_epi32(acc[c], wv[c], xv);
                    }
                }
            }
            for (i, (sums, acc)) in sums.iter_mut().zip(&acc).enumerate() {
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

    /// [`dequantize_avx2`] with 16 lanes: a block's low and high nibbles
    /// each fill one register.
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn dequantize_avx512(nibbles: &[u8], scales: &[f32], out: &mut [f32]) {
        assert!(nibbles.len() == scales.len() * 16 && out.len() == scales.len() * 32);
        let low = _mm_set1_epi8(0x0F);
        for (b, &scale) in scales.iter().enumerate() {
            // SAFETY: block b's 16 bytes and 32 outputs are in bounds (asserted above).
            let bytes = unsafe { _mm_loadu_si128(nibbles.as_ptr().add(16 * b).cast()) };
            let lo = _mm_and_si128(bytes, low);
            let hi = _mm_and_si128(_mm_srli_epi16::<4>(bytes), low);
            let d = _mm512_set1_ps(scale);
            let offset = _mm512_set1_ps(-8.0 * scale);
            let o = unsafe { out.as_mut_ptr().add(32 * b) };
            for (i, q) in [lo, hi].into_iter().enumerate() {
                let f = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(q));
                unsafe { _mm512_storeu_ps(o.add(16 * i), _mm512_fmadd_ps(f, d, offset)) };
            }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
    }

    /// [`super::ActivationBytes::quantize`] for buffers already sized: per
    /// chunk of 64 values, the largest magnitude sets the scale, and each
    /// value becomes `round(v · 127 / max)`, rounding halves up.
    ///
    /// # Safety
    /// The CPU must support AVX-512F and BW.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub unsafe fn quantize_avx512(bytes: &mut super::ActivationBytes, x: &[f32]) {
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

    /// [`super::gelu_portable`] compiled for AVX-512, where it runs 16 lanes wide.
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn gelu_avx512(values: &mut [f32]) {
        super::gelu_portable(values)
    }

    /// [`super::gelu_portable`] compiled for AVX2, where it runs 8 lanes wide.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn gelu_avx2(values: &mut [f32]) {
        super::gelu_portable(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::format::dequantize_q4_row;

    /// Deterministic pseudo-random Q4_0 blocks and inputs.
    fn layer(out: usize, inp: usize, seed: u32) -> (Vec<u8>, Vec<f32>) {
        let mut s = seed;
        let mut next = move || {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            s >> 8
        };
        let mut blocks = Vec::new();
        for _ in 0..out * inp / Q4_BLOCK {
            let scale = half::f16::from_f32((next() % 1000) as f32 / 20_000.0 + 0.001);
            blocks.extend_from_slice(&scale.to_le_bytes());
            blocks.extend((0..16).map(|_| next() as u8));
        }
        let bias = (0..out).map(|_| (next() % 200) as f32 / 100.0 - 1.0).collect();
        (blocks, bias)
    }

    fn reference(blocks: &[u8], bias: &[f32], x: &[f32], rows: usize, out: usize, inp: usize) -> Vec<f32> {
        let row_bytes = inp / Q4_BLOCK * Q4_BLOCK_BYTES;
        let mut w = vec![0f32; inp];
        let mut y = vec![0f32; rows * out];
        for n in 0..out {
            dequantize_q4_row(&blocks[n * row_bytes..(n + 1) * row_bytes], &mut w);
            for r in 0..rows {
                let xr = &x[r * inp..(r + 1) * inp];
                y[r * out + n] =
                    xr.iter().zip(&w).map(|(a, b)| (*a as f64) * (*b as f64)).sum::<f64>() as f32 + bias[n];
            }
        }
        y
    }

    #[test]
    fn matches_a_plain_dequantized_matmul() {
        // Output widths that leave partial panels, row counts that leave
        // partial tiles and span several row blocks.
        for (out, inp, rows) in [(7, 64, 1), (12, 96, 5), (10, 32, 70), (384, 384, 11)] {
            let (blocks, bias) = layer(out, inp, (out * inp + rows) as u32);
            let x: Vec<f32> = (0..rows * inp).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect();
            let q = Q4Linear::new(&blocks, bias.clone(), out, inp).unwrap();
            let want = reference(&blocks, &bias, &x, rows, out, inp);
            for kernel in Kernel::available(inp).into_iter().filter(|k| !k.is_bytes()) {
                let mut y = vec![f32::NAN; rows * out];
                q.forward_with(kernel, &x, rows, &mut y, Threads::Pool);
                for (i, (a, b)) in y.iter().zip(&want).enumerate() {
                    let context = format!("{kernel:?} {out}×{inp}, {rows} rows, element {i}");
                    assert!((a - b).abs() <= 1e-4 * (1.0 + b.abs()), "{context}: {a} vs {b}");
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_byte_kernel_is_exact_in_integers_and_close_to_4_bits() {
        let (out, inp) = (10, 4 * BYTE_CHUNK);
        let (blocks, bias) = layer(out, inp, 7);
        let q = Q4Linear::new(&blocks, bias.clone(), out, inp).unwrap();
        let Some(bytes) = &q.bytes else {
            eprintln!("this CPU has no AVX-512 VNNI: nothing to test");
            return;
        };
        for rows in [1, 4, 6, 70] {
            // One large activation per row, as BERT's hidden states have.
            let x: Vec<f32> = (0..rows * inp)
                .map(|i| {
                    if i % inp == 5 {
                        9.0
                    } else {
                        ((i * 37 % 101) as f32 - 50.0) / 25.0
                    }
                })
                .collect();
            let mut xq = ActivationBytes {
                bytes: Vec::new(),
                scales: Vec::new(),
                offsets: Vec::new(),
            };
            xq.quantize(&x, inp);
            let mut y = vec![f32::NAN; rows * out];
            q.forward_with(Kernel::Vnni, &x, rows, &mut y, Threads::Pool);
            let exact = reference(&blocks, &bias, &x, rows, out, inp);
            let (mut err, mut norm) = (0f64, 0f64);
            for r in 0..rows {
                for n in 0..out {
                    let mut want = 0f64;
                    for (j, k) in (r * inp..(r + 1) * inp).step_by(BYTE_CHUNK).enumerate() {
                        let products: i32 = (0..BYTE_CHUNK)
                            .map(|i| {
                                let w = i32::from(bytes.weight(n, j * BYTE_CHUNK + i, inp)) - 128;
                                i32::from(xq.bytes[k + i]) * w
                            })
                            .sum();
                        want += f64::from(products) * f64::from(xq.scales[k / BYTE_CHUNK]);
                    }
                    let want = (want * f64::from(bytes.scales[n])) as f32 + bias[n];
                    let got = y[r * out + n];
                    assert!(
                        (got - want).abs() <= 1e-5 * (1.0 + want.abs()),
                        "{rows} rows, ({r}, {n}): {got} vs {want}"
                    );
                    let e = f64::from(got - exact[r * out + n]);
                    err += e * e;
                    norm += f64::from(exact[r * out + n] - bias[n]).powi(2);
                }
            }
            let relative = (err / norm).sqrt();
            assert!(
                relative < 0.02,
                "{rows} rows: 8-bit output is {relative:.4} away from the 4-bit layer's"
            );
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn activations_round_to_the_nearest_step_of_their_chunk() {
        if !Kernel::detect(BYTE_CHUNK).is_bytes() {
            eprintln!("this CPU has no AVX-512 VNNI: nothing to test");
            return;
        }
        let k = 3 * BYTE_CHUNK;
        // Two rows; the second chunk of the first row is all zeros, and a
        // large value sits in the third.
        let x: Vec<f32> = (0..2 * k)
            .map(|i| match i {
                64..128 => 0.0,
                150 => -40.0,
                _ => ((i * 37 % 101) as f32 - 50.0) / 7.0,
            })
            .collect();
        let mut xq = ActivationBytes {
            bytes: vec![5; 3],
            scales: Vec::new(),
            offsets: Vec::new(),
        };
        xq.quantize(&x, k);
        assert_eq!((xq.bytes.len(), xq.scales.len(), xq.offsets.len()), (2 * k, 6, 6));
        for (c, chunk) in x.chunks_exact(BYTE_CHUNK).enumerate() {
            let bytes = &xq.bytes[c * BYTE_CHUNK..(c + 1) * BYTE_CHUNK];
            let max = chunk.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert_eq!(xq.scales[c], max / 127.0, "chunk {c}");
            assert_eq!(xq.offsets[c], -128 * bytes.iter().map(|&b| i32::from(b)).sum::<i32>());
            for (&b, &v) in bytes.iter().zip(chunk) {
                let step = xq.scales[c];
                assert!(
                    (f32::from(b) * step - v).abs() <= step * 0.5 + 1e-5,
                    "chunk {c}: {b} for {v}"
                );
            }
            if max > 0.0 {
                assert_eq!(bytes.iter().map(|b| b.unsigned_abs()).max(), Some(127), "chunk {c}");
            }
        }
        assert!(xq.bytes[64..128].iter().all(|&b| b == 0));
        assert_eq!(xq.bytes[150], -127);
    }

    #[test]
    fn stacked_layers_give_their_outputs_side_by_side() {
        // Widths that leave partial panels of the 8-bit kernel, and whole
        // panels, which the stack joins without requantizing.
        for (o1, o2) in [(5, 4), (48, 96)] {
            let (b1, bias1) = layer(o1, 64, 1);
            let (b2, bias2) = layer(o2, 64, 2);
            let x: Vec<f32> = (0..2 * 64).map(|i| (i as f32 * 0.1).sin()).collect();
            let run = |q: &Q4Linear, rows| {
                let mut y = vec![0f32; rows * q.out_features()];
                q.forward_slice(&x, rows, &mut y, Threads::One);
                y
            };
            let (l1, l2) = (
                Q4Linear::new(&b1, bias1.clone(), o1, 64).unwrap(),
                Q4Linear::new(&b2, bias2.clone(), o2, 64).unwrap(),
            );
            let stacked = Q4Linear::stack(vec![
                Q4Linear::new(&b1, bias1, o1, 64).unwrap(),
                Q4Linear::new(&b2, bias2, o2, 64).unwrap(),
            ])
            .unwrap();
            let (y1, y2, y) = (run(&l1, 2), run(&l2, 2), run(&stacked, 2));
            let w = o1 + o2;
            for r in 0..2 {
                assert_eq!(&y[r * w..r * w + o1], &y1[r * o1..(r + 1) * o1], "{o1} + {o2}");
                assert_eq!(&y[r * w + o1..(r + 1) * w], &y2[r * o2..(r + 1) * o2], "{o1} + {o2}");
            }
        }
        let (b1, _) = layer(5, 64, 1);
        assert!(Q4Linear::new(&b1, vec![0.0; 5], 5, 63).is_err());
    }

    #[test]
    fn gelu_uses_an_accurate_erf() {
        // erf values from tables (Abramowitz & Stegun 7.1).
        for (x, want) in [
            (0.0, 0.0),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (2.0, 0.995_322_3),
            (-1.5, -0.966_105_1),
        ] {
            assert!((erf(x) - want).abs() < 2e-7, "erf({x}) = {} not {want}", erf(x));
        }
        let want = [0.0, 0.841_344_7, 0.0, -0.154_268_5, 1.954_499_7];
        let mut fast = [0.0, 1.0, -10.0, -0.5, 2.0];
        let mut portable = fast;
        gelu(&mut fast);
        gelu_portable(&mut portable);
        for v in [fast, portable] {
            for (got, want) in v.iter().zip(want) {
                assert!((got - want).abs() < 1e-6, "{v:?}");
            }
        }
        assert!(exp_negative(-200.0) >= 0.0 && exp_negative(-200.0) < 1e-37);
        assert!((exp_negative(-1.0) - (-1.0f32).exp()).abs() < 1e-7);
    }
}
