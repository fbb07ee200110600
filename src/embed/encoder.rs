//! The BERT encoder of multilingual-e5-small.
//!
//! Linear layers stay 4-bit, at a seventh of the memory of f32 weights, and
//! run on kefu's own Q4_0 kernel ([`super::q4`]). Query, key and value share
//! one stacked layer, and the first feed-forward layer applies GELU to its
//! own output. The 250k-row word-embedding table also stays 4-bit; only the
//! rows a text uses are dequantized. Position ids start at 0 (the file's
//! table is already shifted past XLM-R's padding offset).
//!
//! Everything between the linear layers (layer norms, attention, residuals,
//! pooling) is plain loops over row-major buffers. As candle tensor
//! operations they were a third of a query's time: each allocated, checked
//! its layout and handed its few thousand values to a rayon pool, whose
//! wake-ups alone were 18% of the encoder's samples (`perf`, "谷歌验证器丢了").

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::format::{dequantize_q4_row, DType, Header, ModelFile, Q4_BLOCK, Q4_BLOCK_BYTES};
use super::kernels::attend;
use super::q4::{Activation, Q4Linear, Threads};
use super::EmbedError;

fn linear(file: &ModelFile, name: &str, out: usize, inp: usize) -> Result<Q4Linear, EmbedError> {
    let blocks = file.tensor(&format!("{name}.w"), DType::Q4_0, out * inp)?;
    Q4Linear::new(blocks, file.f32s(&format!("{name}.b"), out)?, out, inp)
}

/// `y = (x − mean) / √(var + eps) · weight + bias` over each row.
struct LayerNorm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

impl LayerNorm {
    fn load(file: &ModelFile, name: &str, h: usize, eps: f32) -> Result<LayerNorm, EmbedError> {
        Ok(LayerNorm {
            weight: file.f32s(&format!("{name}.w"), h)?,
            bias: file.f32s(&format!("{name}.b"), h)?,
            eps,
        })
    }

    /// Normalizes every row of `x` in place.
    fn apply(&self, x: &mut [f32]) {
        let h = self.weight.len();
        // Sums in SIMD lanes: a plain running sum cannot be reordered, and
        // left these at a value per instruction (6.5% of a question's time).
        for row in x.chunks_exact_mut(h) {
            let mean = super::sum(row) / h as f32;
            for v in row.iter_mut() {
                *v -= mean;
            }
            let var = super::dot(row, row) / h as f32;
            let inv = 1.0 / (var + self.eps).sqrt();
            for ((v, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
                *v = *v * inv * w + b;
            }
        }
    }
}

struct Layer {
    /// Query, key and value, side by side.
    qkv: Q4Linear,
    attention_out: Q4Linear,
    attention_norm: LayerNorm,
    /// The first feed-forward layer, GELU included.
    ffn_in: Q4Linear,
    ffn_out: Q4Linear,
    output_norm: LayerNorm,
}

/// The loaded encoder.
pub struct Encoder {
    header: Header,
    word_blocks: Vec<u8>,
    /// `max_positions` rows of `hidden`, with the (single) token type's
    /// embedding already added.
    positions: Vec<f32>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    /// Whether to split layers across cores.
    contention: Contention,
}

/// Tracks whether texts are embedded concurrently. A text gets every core
/// only when no other text has been embedded beside one for a second: under
/// load the other cores are busy with other questions (and their HTTP and
/// database work), so a layer split across them would wait for a pool thread
/// the scheduler has not run yet. bench/load.sh at 32 connections spent 13%
/// of its samples in that wait while one question at a time got every core.
struct Contention {
    in_flight: AtomicUsize,
    /// When two texts were last in flight together, in milliseconds since
    /// `epoch`, or [`NEVER`].
    last_overlap: AtomicU64,
    epoch: Instant,
}

const NEVER: u64 = u64::MAX;

/// Quiet time after which a lone text may use every core again.
const CALM: Duration = Duration::from_secs(1);

impl Contention {
    fn new() -> Contention {
        Contention {
            in_flight: AtomicUsize::new(0),
            last_overlap: AtomicU64::new(NEVER),
            epoch: Instant::now(),
        }
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn enter(&self) -> InFlight<'_> {
        if self.in_flight.fetch_add(1, Ordering::Relaxed) > 0 {
            self.last_overlap.store(self.now(), Ordering::Relaxed);
        }
        InFlight(self)
    }
}

/// Counts one text in [`Contention::in_flight`] while it lives.
struct InFlight<'a>(&'a Contention);

impl InFlight<'_> {
    /// Asked per layer, so a text that started alone stops borrowing cores
    /// as soon as another arrives.
    fn threads(&self) -> Threads {
        let c = self.0;
        if c.in_flight.load(Ordering::Relaxed) > 1 {
            c.last_overlap.store(c.now(), Ordering::Relaxed);
            return Threads::One;
        }
        let last = c.last_overlap.load(Ordering::Relaxed);
        if last == NEVER || c.now().saturating_sub(last) >= CALM.as_millis() as u64 {
            Threads::Pool
        } else {
            Threads::One
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Encoder {
    /// Builds the encoder from a parsed model file.
    pub fn load(file: &ModelFile) -> Result<Encoder, EmbedError> {
        let Header {
            hidden: h,
            ffn,
            vocab,
            max_positions,
            token_types,
            heads,
            eps,
            ..
        } = file.header;
        if heads == 0 || !h.is_multiple_of(heads) || !h.is_multiple_of(Q4_BLOCK) {
            return Err(EmbedError::Format(format!(
                "{h} hidden units do not split into {heads} heads and whole {Q4_BLOCK}-weight blocks"
            )));
        }
        let word_blocks = file.tensor("emb.word", DType::Q4_0, vocab * h)?.to_vec();
        let mut positions = file.f32s("emb.pos", max_positions * h)?;
        let types = file.f32s("emb.type", token_types * h)?;
        for row in positions.chunks_exact_mut(h) {
            for (p, t) in row.iter_mut().zip(&types) {
                *p += t;
            }
        }
        let mut layers = Vec::with_capacity(file.header.layers);
        for l in 0..file.header.layers {
            let p = |s: &str| format!("l{l}.{s}");
            layers.push(Layer {
                qkv: Q4Linear::stack(vec![
                    linear(file, &p("q"), h, h)?,
                    linear(file, &p("k"), h, h)?,
                    linear(file, &p("v"), h, h)?,
                ])?,
                attention_out: linear(file, &p("ao"), h, h)?,
                attention_norm: LayerNorm::load(file, &p("aln"), h, eps)?,
                ffn_in: linear(file, &p("fi"), ffn, h)?.with_activation(Activation::Gelu),
                ffn_out: linear(file, &p("fo"), h, ffn)?,
                output_norm: LayerNorm::load(file, &p("oln"), h, eps)?,
            });
        }
        Ok(Encoder {
            header: file.header,
            word_blocks,
            positions,
            embedding_norm: LayerNorm::load(file, "emb.ln", h, eps)?,
            layers,
            contention: Contention::new(),
        })
    }

    /// Mean-pooled, L2-normalized embedding of one token sequence (at most
    /// `max_positions` ids, all below the vocabulary size).
    pub fn embed(&self, ids: &[u32]) -> Result<Vec<f32>, EmbedError> {
        let Header {
            hidden: h, heads, ffn, ..
        } = self.header;
        let len = ids.len();
        if len == 0 || len > self.header.max_positions {
            return Err(EmbedError::Input(format!(
                "{len} tokens (allowed 1..={})",
                self.header.max_positions
            )));
        }
        let in_flight = self.contention.enter();
        let row_bytes = h / Q4_BLOCK * Q4_BLOCK_BYTES;
        let mut x = vec![0f32; len * h];
        for ((&id, out), position) in ids
            .iter()
            .zip(x.chunks_exact_mut(h))
            .zip(self.positions.chunks_exact(h))
        {
            let start = id as usize * row_bytes;
            let row = self
                .word_blocks
                .get(start..start + row_bytes)
                .ok_or_else(|| EmbedError::Input(format!("token id {id} outside the vocabulary")))?;
            dequantize_q4_row(row, out);
            for (v, p) in out.iter_mut().zip(position) {
                *v += p;
            }
        }
        self.embedding_norm.apply(&mut x);

        let mut qkv = vec![0f32; len * 3 * h];
        let mut context = vec![0f32; len * h];
        let mut projected = vec![0f32; len * h];
        let mut mid = vec![0f32; len * ffn];
        let mut scores = vec![0f32; len];
        for layer in &self.layers {
            layer.qkv.forward_slice(&x, len, &mut qkv, in_flight.threads());
            attend(&qkv, len, h, heads, &mut scores, &mut context);
            layer
                .attention_out
                .forward_slice(&context, len, &mut projected, in_flight.threads());
            add_into(&mut x, &projected);
            layer.attention_norm.apply(&mut x);
            layer.ffn_in.forward_slice(&x, len, &mut mid, in_flight.threads());
            layer
                .ffn_out
                .forward_slice(&mid, len, &mut projected, in_flight.threads());
            add_into(&mut x, &projected);
            layer.output_norm.apply(&mut x);
        }
        let mut pooled = vec![0f32; h];
        for row in x.chunks_exact(h) {
            add_into(&mut pooled, row);
        }
        let norm = pooled.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
        for v in &mut pooled {
            *v /= norm;
        }
        Ok(pooled)
    }
}

fn add_into(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_text_shares_cores_until_another_arrives() {
        let contention = Contention::new();
        let first = contention.enter();
        assert_eq!(first.threads(), Threads::Pool);
        let second = contention.enter();
        assert_eq!(first.threads(), Threads::One);
        assert_eq!(second.threads(), Threads::One);
        drop(second);
        // Alone again, but within a second of the overlap.
        assert_eq!(first.threads(), Threads::One);
        drop(first);
        assert_eq!(contention.in_flight.load(Ordering::Relaxed), 0);
    }
}
