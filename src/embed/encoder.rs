//! The BERT encoder of multilingual-e5-small, run with candle.
//!
//! Linear layers stay 4-bit: candle's `QMatMul` multiplies Q4_0 weights
//! directly (activations quantized to 8 bits on the fly), the same arithmetic
//! as the reference engine, at a seventh of the memory of f32 weights. The
//! 250k-row word-embedding table also stays 4-bit; only the rows a text uses
//! are dequantized. Position ids start at 0 (the file's table is already
//! shifted past XLM-R's padding offset).

use candle_core::quantized::{ggml_file::qtensor_from_ggml, GgmlDType, QMatMul};
use candle_core::{Device, Module, Tensor};
use candle_nn::LayerNorm;

use super::format::{dequantize_q4_row, DType, Header, ModelFile, Q4_BLOCK, Q4_BLOCK_BYTES};
use super::EmbedError;

struct Linear {
    weight: QMatMul,
    bias: Tensor,
}

impl Linear {
    fn load(file: &ModelFile, name: &str, out: usize, inp: usize) -> Result<Linear, EmbedError> {
        let raw = file.tensor(&format!("{name}.w"), DType::Q4_0, out * inp)?;
        // The blocks hold f16 scales: copy into 2-byte-aligned memory before
        // candle reinterprets them.
        let aligned: Vec<u16> = raw.chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]])).collect();
        let q = qtensor_from_ggml(
            GgmlDType::Q4_0,
            bytemuck::cast_slice(&aligned),
            vec![out, inp],
            &Device::Cpu,
        )?;
        Ok(Linear {
            weight: QMatMul::from_qtensor(q)?,
            bias: Tensor::from_vec(file.f32s(&format!("{name}.b"), out)?, out, &Device::Cpu)?,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.weight.forward(x)?.broadcast_add(&self.bias)
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    ffn_in: Linear,
    ffn_out: Linear,
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
                query: Linear::load(file, &p("q"), h, h)?,
                key: Linear::load(file, &p("k"), h, h)?,
                value: Linear::load(file, &p("v"), h, h)?,
                attention_out: Linear::load(file, &p("ao"), h, h)?,
                attention_norm: layer_norm(file, &p("aln"), h, eps)?,
                ffn_in: Linear::load(file, &p("fi"), ffn, h)?,
                ffn_out: Linear::load(file, &p("fo"), h, ffn)?,
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
            let q = split(layer.query.forward(&x)?)?;
            let k = split(layer.key.forward(&x)?)?;
            let v = split(layer.value.forward(&x)?)?;
            let scores = (q.matmul(&k.t()?)? * scale)?;
            let attention = candle_nn::ops::softmax_last_dim(&scores)?.matmul(&v)?;
            let context = attention.transpose(0, 1)?.reshape((len, h))?;
            let attended = layer.attention_out.forward(&context)?;
            x = layer.attention_norm.forward(&(x + attended)?)?;
            let mid = layer.ffn_in.forward(&x)?.gelu_erf()?;
            let out = layer.ffn_out.forward(&mid)?;
            x = layer.output_norm.forward(&(x + out)?)?;
        }
        let pooled = x.mean(0)?;
        let norm = pooled.sqr()?.sum_all()?.sqrt()?.maximum(1e-12)?;
        Ok(pooled.broadcast_div(&norm)?.to_vec1()?)
    }
}
