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
use super::kernels::gemm::{self, Q4Weights};
use super::kernels::{ByteRows, Kernel, BYTE_COLUMNS};
use super::EmbedError;

pub use super::kernels::Threads;

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
            bytes: Kernel::available(inp)
                .iter()
                .any(|k| k.is_bytes())
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
            bytes: None,
        };
        let bytes = parts.iter().all(|p| p.bytes.is_some());
        // Whole panels (BERT's widths) join as they are; otherwise the
        // panels of the parts' rows would not line up, and the stack is
        // requantized whole.
        let joined = bytes && parts.iter().all(|p| p.out.is_multiple_of(BYTE_COLUMNS));
        let mut joined_rows = ByteRows {
            weights: Vec::new(),
            scales: Vec::new(),
        };
        for p in parts {
            all.out += p.out;
            all.nibbles.extend(p.nibbles);
            all.scales.extend(p.scales);
            all.bias.extend(p.bias);
            if let (true, Some(rows)) = (joined, p.bytes) {
                joined_rows.weights.extend(rows.weights);
                joined_rows.scales.extend(rows.scales);
            }
        }
        all.bytes = match (bytes, joined) {
            (true, true) => Some(joined_rows),
            (true, false) => Some(ByteRows::from_q4(&all.nibbles, &all.scales, inp)),
            _ => None,
        };
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
        match (&self.bytes, kernel.is_bytes()) {
            (Some(bytes), true) => gemm::forward_bytes(kernel, bytes, &self.weights(), x, rows, y, threads),
            _ => gemm::forward_f32(kernel, &self.weights(), x, rows, y, threads),
        }
    }

    fn weights(&self) -> Q4Weights<'_> {
        Q4Weights {
            out: self.out,
            inp: self.inp,
            nibbles: &self.nibbles,
            scales: &self.scales,
            bias: &self.bias,
            gelu: self.activation == Activation::Gelu,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::format::dequantize_q4_row;
    use crate::embed::kernels::{ActivationBytes, BYTE_CHUNK};

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

    /// The 8-bit path, with the portable reference and, where the CPU has
    /// it, VNNI: the integer products exactly, and close to the 4-bit layer.
    #[test]
    fn the_byte_path_is_exact_in_integers_and_close_to_4_bits() {
        let (out, inp) = (10, 4 * BYTE_CHUNK);
        let (blocks, bias) = layer(out, inp, 7);
        let q = Q4Linear::new(&blocks, bias.clone(), out, inp).unwrap();
        let bytes = ByteRows::from_q4(&q.nibbles, &q.scales, inp);
        let kernels =
            std::iter::once(Kernel::Portable).chain(Kernel::available(inp).into_iter().filter(|k| k.is_bytes()));
        for kernel in kernels {
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
                let mut xq = ActivationBytes::default();
                xq.quantize(Kernel::Portable, &x, inp);
                let mut y = vec![f32::NAN; rows * out];
                gemm::forward_bytes(kernel, &bytes, &q.weights(), &x, rows, &mut y, Threads::Pool);
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
                            "{kernel:?}, {rows} rows, ({r}, {n}): {got} vs {want}"
                        );
                        let e = f64::from(got - exact[r * out + n]);
                        err += e * e;
                        norm += f64::from(exact[r * out + n] - bias[n]).powi(2);
                    }
                }
                let relative = (err / norm).sqrt();
                assert!(
                    relative < 0.02,
                    "{kernel:?}, {rows} rows: 8-bit output is {relative:.4} away from the 4-bit layer's"
                );
            }
        }
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
}
