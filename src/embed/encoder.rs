//! The BERT encoder of multilingual-e5-small, run with candle.
//!
//! Linear layers stay 4-bit, at a seventh of the memory of f32 weights; they
//! run as a candle custom op with kefu's own Q4_0 kernel ([`super::q4`]),
//! which is several times faster than candle's quantized matmul for the few
//! rows a query has. Query, key and value share one stacked layer, and the
//! first feed-forward layer applies GELU to its own output. The 250k-row
//! word-embedding table also stays 4-bit; only the rows a text uses are
//! dequantized. Position ids start at 0 (the file's table is already shifted
//! past XLM-R's padding offset).

use candle_core::{Device, Module, Tensor};
use candle_nn::LayerNorm;

use super::format::{dequantize_q4_row, DType, Header, ModelFile, Q4_BLOCK, Q4_BLOCK_BYTES};
use super::q4::{Activation, Q4Linear};
use super::EmbedError;

fn linear(file: &ModelFile, name: &str, out: usize, inp: usize) -> Result<Q4Linear, EmbedError> {
    let blocks = file.tensor(&format!("{name}.w"), DType::Q4_0, out * inp)?;
    Q4Linear::new(blocks, file.f32s(&format!("{name}.b"), out)?, out, inp)
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
    positions: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
}

fn layer_norm(file: &ModelFile, name: &str, h: usize, eps: f32) -> Result<LayerNorm, EmbedError> {
    let w = Tensor::from_vec(file.f32s(&format!("{name}.w"), h)?, h, &Device::Cpu)?;
    let b = Tensor::from_vec(file.f32s(&format!("{name}.b"), h)?, h, &Device::Cpu)?;
    Ok(LayerNorm::new(w, b, eps as f64))
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
            eps,
            ..
        } = file.header;
        let word_blocks = file.tensor("emb.word", DType::Q4_0, vocab * h)?.to_vec();
        let positions = Tensor::from_vec(
            file.f32s("emb.pos", max_positions * h)?,
            (max_positions, h),
            &Device::Cpu,
        )?;
        let types = file.f32s("emb.type", token_types * h)?;
        let token_type = Tensor::from_vec(types[..h].to_vec(), h, &Device::Cpu)?;
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
                attention_norm: layer_norm(file, &p("aln"), h, eps)?,
                ffn_in: linear(file, &p("fi"), ffn, h)?.with_activation(Activation::Gelu),
                ffn_out: linear(file, &p("fo"), h, ffn)?,
                output_norm: layer_norm(file, &p("oln"), h, eps)?,
            });
        }
        Ok(Encoder {
            header: file.header,
            word_blocks,
            positions,
            token_type,
            embedding_norm: layer_norm(file, "emb.ln", h, eps)?,
            layers,
        })
    }

    /// Mean-pooled, L2-normalized embedding of one token sequence (at most
    /// `max_positions` ids, all below the vocabulary size).
    pub fn embed(&self, ids: &[u32]) -> Result<Vec<f32>, EmbedError> {
        let Header { hidden: h, heads, .. } = self.header;
        let len = ids.len();
        if len == 0 || len > self.header.max_positions {
            return Err(EmbedError::Input(format!(
                "{len} tokens (allowed 1..={})",
                self.header.max_positions
            )));
        }
        let row_bytes = h / Q4_BLOCK * Q4_BLOCK_BYTES;
        let mut words = vec![0f32; len * h];
        for (&id, out) in ids.iter().zip(words.chunks_exact_mut(h)) {
            let start = id as usize * row_bytes;
            let row = self
                .word_blocks
                .get(start..start + row_bytes)
                .ok_or_else(|| EmbedError::Input(format!("token id {id} outside the vocabulary")))?;
            dequantize_q4_row(row, out);
        }
        let x = Tensor::from_vec(words, (len, h), &Device::Cpu)?;
        let x = x
            .add(&self.positions.narrow(0, 0, len)?)?
            .broadcast_add(&self.token_type)?;
        let mut x = self.embedding_norm.forward(&x)?;

        let head_dim = h / heads;
        let scale = 1.0 / (head_dim as f64).sqrt();
        let split = |t: Tensor| t.reshape((len, heads, head_dim))?.transpose(0, 1)?.contiguous();
        for layer in &self.layers {
            let qkv = x.apply_op1_no_bwd(&layer.qkv)?;
            let q = split(qkv.narrow(1, 0, h)?)?;
            let k = split(qkv.narrow(1, h, h)?)?;
            let v = split(qkv.narrow(1, 2 * h, h)?)?;
            let scores = (q.matmul(&k.t()?)? * scale)?;
            let attention = candle_nn::ops::softmax_last_dim(&scores)?.matmul(&v)?;
            let context = attention.transpose(0, 1)?.reshape((len, h))?;
            let attended = context.apply_op1_no_bwd(&layer.attention_out)?;
            x = layer.attention_norm.forward(&(x + attended)?)?;
            let mid = x.apply_op1_no_bwd(&layer.ffn_in)?;
            let out = mid.apply_op1_no_bwd(&layer.ffn_out)?;
            x = layer.output_norm.forward(&(x + out)?)?;
        }
        let pooled = x.mean(0)?;
        let norm = pooled.sqr()?.sum_all()?.sqrt()?.maximum(1e-12)?;
        Ok(pooled.broadcast_div(&norm)?.to_vec1()?)
    }
}
