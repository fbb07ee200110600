//! Every kernel this CPU has against the portable reference, on random
//! shapes and values; the reference against plain arithmetic.

use proptest::prelude::*;

use super::portable::{erf, exp_negative};
use super::*;

/// Byte kernels: the reference, and VNNI where the CPU has it.
fn byte_kernels() -> Vec<Kernel> {
    let mut kernels = vec![Kernel::Portable];
    kernels.extend(Kernel::available(BYTE_CHUNK).into_iter().filter(|k| k.is_bytes()));
    kernels
}

/// Q4_0 rows from random bytes: a nibble byte each, and a scale per block.
fn q4_rows(seed: &[u8], out: usize, inp: usize) -> (Vec<u8>, Vec<f32>) {
    let blocks = out * inp / 32;
    let nibbles = (0..blocks * 16)
        .map(|i| seed[i % seed.len()].wrapping_mul(i as u8 | 1))
        .collect();
    let scales = (0..blocks)
        .map(|b| f32::from(seed[b % seed.len()]) / 5000.0 + 0.001)
        .collect();
    (nibbles, scales)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn f32_kernels_match_the_reference(
        blocks in 1usize..7,
        rows in 1usize..=TILE_ROWS,
        seed in proptest::collection::vec(any::<u8>(), 1..64),
        x in proptest::collection::vec(-4f32..4.0, 32 * 6 * TILE_ROWS),
    ) {
        // Q4_0 rows are whole blocks of 32.
        let k = 32 * blocks;
        let (nibbles, scales) = q4_rows(&seed, PANEL, k);
        let xs = &x[..rows * k];
        let mut panel = vec![0f32; PANEL * k];
        portable::dequantize(&nibbles, &scales, &mut panel);
        let mut want = [[0f32; PANEL]; TILE_ROWS];
        portable::dot_tile(xs, &panel, k, rows, &mut want);
        for kernel in Kernel::available(k) {
            let mut dequantized = vec![f32::NAN; PANEL * k];
            kernel.dequantize(&nibbles, &scales, &mut dequantized);
            prop_assert_eq!(&dequantized, &panel, "{:?} dequantizes", kernel);
            let tile = kernel.dot_tile(xs, &panel, k, rows);
            for (got, want) in tile.iter().flatten().zip(want.iter().flatten()) {
                prop_assert!((got - want).abs() <= 1e-4 * (1.0 + want.abs()), "{:?}: {} vs {}", kernel, got, want);
            }
        }
    }

    #[test]
    fn byte_kernels_match_the_reference_to_the_bit(
        chunks in 1usize..5,
        rows in 1usize..=TILE_ROWS,
        out in 1usize..=BYTE_COLUMNS,
        seed in proptest::collection::vec(any::<u8>(), 1..64),
        x in proptest::collection::vec(-6f32..6.0, BYTE_CHUNK * 4 * TILE_ROWS),
    ) {
        let k = BYTE_CHUNK * chunks;
        let (nibbles, scales) = q4_rows(&seed, out, k);
        let weights = ByteRows::from_q4(&nibbles, &scales, k);
        let xs = &x[..rows * k];
        let mut reference = ActivationBytes::default();
        reference.quantize(Kernel::Portable, xs, k);
        let want = portable::dot_bytes(&reference.tile(0..rows, k), weights.panel(0, k), k, rows);
        for kernel in byte_kernels() {
            let mut xq = ActivationBytes::default();
            xq.quantize(kernel, xs, k);
            prop_assert_eq!(&xq.bytes, &reference.bytes, "{:?} quantizes", kernel);
            prop_assert_eq!(&xq.scales, &reference.scales);
            prop_assert_eq!(&xq.offsets, &reference.offsets);
            let dots = kernel.dot_bytes(&xq.tile(0..rows, k), weights.panel(0, k), k, rows);
            prop_assert_eq!(dots, want, "{:?} multiplies", kernel);
        }
    }

    #[test]
    fn gelu_kernels_match_the_reference(values in proptest::collection::vec(-8f32..8.0, 0..100)) {
        let mut fast = values.clone();
        let mut reference = values;
        gelu(&mut fast);
        portable::gelu(&mut reference);
        for (a, b) in fast.iter().zip(&reference) {
            prop_assert!((a - b).abs() <= 1e-6, "{} vs {}", a, b);
        }
    }
}

#[test]
fn the_byte_reference_multiplies_in_plain_integers() {
    let k = 2 * BYTE_CHUNK;
    let (nibbles, scales) = q4_rows(&[3, 141, 59, 26, 5], 5, k);
    let weights = ByteRows::from_q4(&nibbles, &scales, k);
    let x: Vec<f32> = (0..2 * k).map(|i| ((i * 37 % 101) as f32 - 50.0) / 9.0).collect();
    let mut xq = ActivationBytes::default();
    xq.quantize(Kernel::Portable, &x, k);
    let dots = portable::dot_bytes(&xq.tile(0..2, k), weights.panel(0, k), k, 2);
    for (r, dots) in dots.iter().enumerate().take(2) {
        for (n, &got) in dots.iter().enumerate().take(5) {
            let want: f64 = (0..2)
                .map(|chunk| {
                    let products: i32 = (chunk * BYTE_CHUNK..(chunk + 1) * BYTE_CHUNK)
                        .map(|i| (i32::from(weights.weight(n, i, k)) - 128) * i32::from(xq.bytes[r * k + i]))
                        .sum();
                    f64::from(products) * f64::from(xq.scales[r * 2 + chunk])
                })
                .sum();
            let got = f64::from(got);
            assert!(
                (got - want).abs() <= 1e-4 * (1.0 + want.abs()),
                "({r}, {n}): {got} vs {want}"
            );
        }
    }
}

#[test]
fn activations_round_to_the_nearest_step_of_their_chunk() {
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
    for kernel in byte_kernels() {
        let mut xq = ActivationBytes {
            bytes: vec![5; 3],
            scales: Vec::new(),
            offsets: Vec::new(),
        };
        xq.quantize(kernel, &x, k);
        assert_eq!((xq.bytes.len(), xq.scales.len(), xq.offsets.len()), (2 * k, 6, 6));
        for (c, chunk) in x.chunks_exact(BYTE_CHUNK).enumerate() {
            let bytes = &xq.bytes[c * BYTE_CHUNK..(c + 1) * BYTE_CHUNK];
            let max = chunk.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert_eq!(xq.scales[c], max / 127.0, "{kernel:?}, chunk {c}");
            assert_eq!(xq.offsets[c], -128 * bytes.iter().map(|&b| i32::from(b)).sum::<i32>());
            for (&b, &v) in bytes.iter().zip(chunk) {
                let step = xq.scales[c];
                assert!(
                    (f32::from(b) * step - v).abs() <= step * 0.5 + 1e-5,
                    "{kernel:?}, chunk {c}: {b} for {v}"
                );
            }
            if max > 0.0 {
                assert_eq!(bytes.iter().map(|b| b.unsigned_abs()).max(), Some(127), "chunk {c}");
            }
        }
        assert!(xq.bytes[64..128].iter().all(|&b| b == 0));
        assert_eq!(xq.bytes[150], -127);
    }
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
    let mut reference = fast;
    gelu(&mut fast);
    portable::gelu(&mut reference);
    for v in [fast, reference] {
        for (got, want) in v.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{v:?}");
        }
    }
    assert!(exp_negative(-200.0) >= 0.0 && exp_negative(-200.0) < 1e-37);
    assert!((exp_negative(-1.0) - (-1.0f32).exp()).abs() < 1e-7);
}

#[test]
fn attention_matches_a_plain_softmax_for_any_head_width() {
    let (len, h) = (5, 64);
    let qkv: Vec<f32> = (0..len * 3 * h)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 20.0)
        .collect();
    // 2 heads of 32 (e5-small's width, summed in registers) and 8 of 8.
    for heads in [2, 8] {
        let d = h / heads;
        let mut context = vec![f32::NAN; len * h];
        attend(&qkv, len, h, heads, &mut vec![0.0; len], &mut context);
        for head in 0..heads {
            let at = |t: usize, part: usize, k: usize| f64::from(qkv[t * 3 * h + part * h + head * d + k]);
            for i in 0..len {
                let scores: Vec<f64> = (0..len)
                    .map(|j| (0..d).map(|k| at(i, 0, k) * at(j, 1, k)).sum::<f64>() / (d as f64).sqrt())
                    .collect();
                let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let weights: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                let total: f64 = weights.iter().sum();
                for k in 0..d {
                    let want = (0..len).map(|j| weights[j] * at(j, 2, k)).sum::<f64>() / total;
                    let got = f64::from(context[i * h + head * d + k]);
                    assert!(
                        (got - want).abs() < 1e-5,
                        "{heads} heads, token {i}, head {head}: {got} vs {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn simd_sum_and_dot_match_the_plain_sums() {
    let a: Vec<f32> = (0..389).map(|i| (i as f32 * 0.37).sin()).collect();
    let b: Vec<f32> = (0..389).map(|i| (i as f32 * 0.11).cos()).collect();
    let plain: f32 = a.iter().sum();
    assert!((portable::sum(&a) - plain).abs() < 1e-3);
    let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    assert!((portable::dot(&a, &b) - plain).abs() < 1e-3);
}
