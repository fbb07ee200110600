//! Personal data hidden from agents who may not see it: all but the last
//! four digits of phone, ID and card numbers, the e-mail's local part after
//! its first letter, passport numbers and street addresses entirely.
//!
//! The text is read as typed and folded first: a Chinese IME in full-width
//! mode types `１３８１２３４５６７８` and `alice＠example.com`, and people
//! group phone numbers with dots as often as with spaces or dashes. Short
//! numbers (amounts, order and user ids) stay: agents need them.

use std::sync::LazyLock;

use regex::Regex;

use super::words::fold_width;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})").expect("valid regex")
});
/// Runs of digits, possibly grouped by single spaces, dashes or dots,
/// possibly starting with `+`; Chinese ID numbers may end in X.
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?[0-9](?:[ .\-]?[0-9]){6,}[Xx]?").expect("valid regex"));
static PASSPORT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Z]{1,2}[0-9]{7,8}").expect("valid regex"));
static ADDRESS_ZH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{Han}]{1,12}(?:路|街|大道|巷|弄|胡同)[0-9一二三四五六七八九十百零]+号(?:[0-9一二三四五六七八九十百零\-]+(?:室|楼|栋|单元|号))*")
        .expect("valid regex")
});
static ADDRESS_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b\d{1,5}\s+(?:[a-z]+\s+){1,4}(?:street|st|road|rd|avenue|ave|boulevard|blvd|lane|ln|drive|dr|way|court|ct)\b\.?")
        .expect("valid regex")
});

/// Hides personal data in `text` for an agent who may not see it.
pub fn mask_personal_data(text: &str) -> String {
    let text = fold(text);
    let text = EMAIL.replace_all(&text, "$1***$2");
    let text = mask_numbers(&text);
    let text = replace_isolated(&PASSPORT, &text, "[passport]");
    let text = ADDRESS_ZH.replace_all(&text, "[地址]");
    ADDRESS_EN.replace_all(&text, "[address]").into_owned()
}

/// Full-width letters, digits and the signs of numbers and addresses as
/// ASCII (the rest of the text keeps its Chinese punctuation), and no
/// zero-width characters to split a number where the eye sees none.
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{200B}' | '\u{200C}' | '\u{2060}' | '\u{FEFF}'))
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '＠' | '．' | '－' | '＋' | '\u{3000}' => fold_width(c),
            c => c,
        })
        .collect()
}

/// Masks personal numbers, but not digits inside a long token of letters
/// and digits: a TxID or an address is not a phone number.
fn mask_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in NUMBER.find_iter(text) {
        let token_start = text[..m.start()]
            .rfind(|c: char| !c.is_ascii_alphanumeric())
            .map_or(0, |i| i + 1);
        let token_end = text[m.end()..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(text.len(), |i| m.end() + i);
        let inside_hash = token_end - token_start > m.len() && token_end - token_start >= 26;
        if is_personal_number(m.as_str()) && !inside_hash {
            out.push_str(&text[at..m.start()]);
            out.push_str(&mask_digits(m.as_str()));
            at = m.end();
        }
    }
    out.push_str(&text[at..]);
    out
}

/// Replaces matches of `re` that no ASCII letter or digit touches (`\b` would
/// not do: a Han character next to a Latin one is not a word boundary).
fn replace_isolated(re: &Regex, text: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in re.find_iter(text) {
        let touches = text[..m.start()].ends_with(|c: char| c.is_ascii_alphanumeric())
            || text[m.end()..].starts_with(|c: char| c.is_ascii_alphanumeric());
        if !touches {
            out.push_str(&text[at..m.start()]);
            out.push_str(with);
            at = m.end();
        }
    }
    out.push_str(&text[at..]);
    out
}

/// Phone numbers (Chinese mobiles and landlines, `+` or `00`
/// international), Chinese ID numbers (15 or 18 characters) and bank cards
/// (13–19 digits, Luhn-valid).
fn is_personal_number(s: &str) -> bool {
    // One dot makes a decimal amount (`0.00012345678`); phones are dotted
    // in groups (`138.1234.5678`).
    if s.matches('.').count() == 1 {
        return false;
    }
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    let n = digits.len() + usize::from(s.ends_with(['X', 'x']));
    let cn_mobile = n == 11 && digits[0] == 1 && (3..=9).contains(&digits[1]);
    let cn_mobile_86 = n == 13 && digits[..2] == [8, 6] && digits[2] == 1;
    let cn_landline = (10..=12).contains(&n) && digits[0] == 0 && digits[1] != 0;
    let international = s.starts_with('+') || (n >= 10 && digits[..2] == [0, 0]);
    let id = n == 15 || n == 18;
    let card = (13..=19).contains(&n) && luhn(&digits);
    international || cn_mobile || cn_mobile_86 || cn_landline || id || card
}

fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                (d * 2) % 9 + if d == 9 { 9 } else { 0 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn mask_digits(s: &str) -> String {
    let keep_from = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .count()
        .saturating_sub(4);
    let mut seen = 0;
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                seen += 1;
                if seen <= keep_from {
                    return '*';
                }
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_masked_for_agents() {
        assert_eq!(mask_personal_data("手机13812345678"), "手机*******5678");
        assert_eq!(mask_personal_data("call +44 20 7946 0958"), "call +** ** **** 0958");
        assert_eq!(mask_personal_data("邮箱 alice.w@example.com"), "邮箱 a***@example.com");
        assert_eq!(
            mask_personal_data("身份证11010519491231002X"),
            "身份证**************002X"
        );
        assert_eq!(
            mask_personal_data("card 4111 1111 1111 1111"),
            "card **** **** **** 1111"
        );
        assert_eq!(mask_personal_data("passport E12345678 ok"), "passport [passport] ok");
        assert_eq!(mask_personal_data("护照号G12345678"), "护照号[passport]");
        assert_eq!(mask_personal_data("地址：朝阳区建国路88号3栋"), "地址：[地址]");
        assert_eq!(mask_personal_data("I live at 221 Baker Street."), "I live at [address]");
    }

    #[test]
    fn full_width_dotted_and_split_numbers_are_masked_too() {
        assert_eq!(
            mask_personal_data("我的手机１３８１２３４５６７８"),
            "我的手机*******5678"
        );
        assert_eq!(mask_personal_data("电话 138.1234.5678"), "电话 ***.****.5678");
        assert_eq!(
            mask_personal_data("电话 １３８－１２３４－５６７８"),
            "电话 ***-****-5678"
        );
        assert_eq!(mask_personal_data("138\u{200B}1234\u{200B}5678"), "*******5678");
        assert_eq!(mask_personal_data("座机 010-6552 1234"), "座机 ***-**** 1234");
        assert_eq!(mask_personal_data("0086 138 1234 5678"), "**** *** **** 5678");
        assert_eq!(mask_personal_data("alice＠example．com"), "a***@example.com");
        assert_eq!(mask_personal_data("护照 Ｅ１２３４５６７８"), "护照 [passport]");
    }

    #[test]
    fn amounts_ids_and_hashes_agents_need_stay_visible() {
        for text in [
            "提币 2500 USDT",
            "UID 87654321",
            "order 1234567890123 failed",
            "金额10000000",
            "余额 1234567.89",
            "0.00012345678 BTC",
            "v2024.12.04",
            "TxID 4c0883a69102937d6231471b5dbb620413812345678792ae468d01a3f362318",
        ] {
            assert_eq!(mask_personal_data(text), text);
        }
    }
}
