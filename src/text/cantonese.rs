//! Written Cantonese read as Mandarin: Hong Kong users write "點樣充USDT入嚟",
//! "要揀咩網絡", "收唔到"; the articles say 怎样, 选, 什么, 不. A message is
//! read with these words in their Mandarin form after normalization, so
//! retrieval, small talk and the policy's word lists meet it.
//!
//! Only words that are Cantonese and never Mandarin are rewritten: 系 is
//! Mandarin too (系统), so only 系咪 and 唔系 are; 唔该 ("thanks") is kept
//! whole for the small-talk phrases.

/// Cantonese words (after traditional → simplified) and their Mandarin,
/// longest first where one contains another.
const WORDS: &[(&str, &str)] = &[
    ("系唔系", "是不是"),
    ("系咪", "是不是"),
    ("唔系", "不是"),
    ("点样", "怎样"),
    ("点解", "为什么"),
    ("点算", "怎么办"),
    ("乜嘢", "什么"),
    ("咩嘢", "什么"),
    ("边度", "哪里"),
    ("边个", "哪个"),
    ("边条", "哪条"),
    ("边种", "哪种"),
    ("几时", "什么时候"),
    ("几耐", "多久"),
    ("而家", "现在"),
    ("咁样", "这样"),
    ("入嚟", "进来"),
    ("点搞", "怎么办"),
    ("点整", "怎么弄"),
    ("开埋", "也开"),
    ("仲有", "还有"),
    ("剩返", "剩下"),
    ("搞掂", "搞定"),
    ("攞返", "拿回"),
    ("揾唔返", "找不回"),
    ("搵唔返", "找不回"),
    ("攞唔返", "拿不回"),
    ("揾返", "找回"),
    ("搵返", "找回"),
    ("即系", "就是"),
    ("俾", "给"),
    ("冇", "没有"),
    ("咩", "什么"),
    ("喺", "在"),
    ("嘅", "的"),
    ("咗", "了"),
    ("嚟", "来"),
    ("佢", "他"),
    ("啲", "些"),
    ("嗰", "那"),
    ("睇", "看"),
    ("攞", "拿"),
    ("畀", "给"),
    ("拣", "选"),
    ("揾", "找"),
    // Normalization leaves 搵 as it is: the simplified form is 揾.
    ("搵", "找"),
];

/// `normalized` (from [`crate::text::normalize`]) with written Cantonese
/// in Mandarin words; text without Cantonese comes back unchanged.
pub fn to_mandarin(normalized: &str) -> String {
    let mut out = String::with_capacity(normalized.len() + 8);
    let mut rest = normalized;
    'outer: while let Some(c) = rest.chars().next() {
        for (cantonese, mandarin) in WORDS {
            if rest.starts_with(cantonese) {
                out.push_str(mandarin);
                rest = &rest[cantonese.len()..];
                continue 'outer;
            }
        }
        // 唔 is 不, except in 唔该 ("thanks"), a phrase of its own.
        if c == '唔' && !rest.starts_with("唔该") {
            out.push('不');
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    #[test]
    fn cantonese_reads_as_mandarin() {
        for (text, mandarin) in [
            ("請問點樣充USDT入嚟", "请问怎样充usdt进来"),
            ("要揀咩網絡", "要选什么网络"),
            ("收唔到驗證碼", "收不到验证码"),
            ("唔該晒", "唔该晒"),
            ("係咪要實名", "是不是要实名"),
            ("即係搵唔返？", "就是找不回?"),
        ] {
            assert_eq!(to_mandarin(&normalize(text)), mandarin, "{text}");
        }
    }

    #[test]
    fn mandarin_is_left_as_it_is() {
        for text in ["系统维护什么时候结束", "提币要多久", "how do i withdraw"] {
            assert_eq!(to_mandarin(&normalize(text)), normalize(text), "{text}");
        }
    }
}
