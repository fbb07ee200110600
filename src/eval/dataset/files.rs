//! The two file formats the datasets come in: BANKING77's `text,category`
//! CSV and CLINC150's `data_full.json`, each error named by file and line.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::DatasetError;

/// Parses a `text,category` CSV file (RFC 4180 quoting: fields may be
/// quoted, quotes doubled inside them, and quoted fields may span lines).
/// Errors name the line where the bad record starts.
pub fn parse_csv(path: &Path, text: &str) -> Result<Vec<(String, String)>, DatasetError> {
    let malformed = |line: usize, message: String| DatasetError::Malformed {
        path: path.to_path_buf(),
        line,
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = csv_records(text).map_err(|(line, message)| malformed(line, message))?;
    let header: Vec<&str> = match records.first() {
        Some((_, fields)) => fields.iter().map(String::as_str).collect(),
        None => return Err(malformed(1, "empty file, expected a `text,category` header".into())),
    };
    if header != ["text", "category"] {
        return Err(malformed(
            1,
            format!("expected the header `text,category`, found `{}`", header.join(",")),
        ));
    }
    records
        .drain(1..)
        .map(|(line, mut fields)| {
            if fields.len() != 2 {
                return Err(malformed(
                    line,
                    format!("expected 2 fields (text,category), found {}", fields.len()),
                ));
            }
            let (category, text) = (fields.remove(1), fields.remove(0));
            if text.trim().is_empty() || category.trim().is_empty() {
                return Err(malformed(line, "empty text or category".into()));
            }
            Ok((text, category))
        })
        .collect()
}

/// A CSV record's fields and the line it starts on.
type Record = (usize, Vec<String>);

/// Splits CSV text into records. Blank lines between records are skipped.
/// An error is the line where it is and what is wrong.
fn csv_records(text: &str) -> Result<Vec<Record>, (usize, String)> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        loop {
            match chars.next() {
                None => {
                    if quoted {
                        return Err((start, "quoted field is never closed".into()));
                    }
                    break;
                }
                Some('"') if quoted => {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                        if !matches!(chars.peek(), None | Some(',' | '\n' | '\r')) {
                            return Err((line, "unexpected text after a closing quote".into()));
                        }
                    }
                }
                Some('"') if field.is_empty() => quoted = true,
                Some('"') => return Err((line, "quote inside an unquoted field".into())),
                Some('\n') if quoted => {
                    line += 1;
                    field.push('\n');
                }
                Some(c) if quoted => field.push(c),
                Some(',') => fields.push(std::mem::take(&mut field)),
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some('\n') => {
                    line += 1;
                    break;
                }
                Some(c) => field.push(c),
            }
        }
        if fields.is_empty() && field.is_empty() {
            continue;
        }
        fields.push(field);
        records.push((start, fields));
    }
    Ok(records)
}

/// Parses CLINC150's `data_full.json`: an object of splits, each a list of
/// `[text, intent]` pairs. Errors name the line of the offending pair.
pub fn parse_clinc(path: &Path, text: &str) -> Result<HashMap<String, Vec<(String, String)>>, DatasetError> {
    let splits: HashMap<String, Vec<(NonEmpty, NonEmpty)>> =
        serde_json::from_str(text).map_err(|e| malformed_json(path, e))?;
    Ok(splits
        .into_iter()
        .map(|(name, pairs)| (name, pairs.into_iter().map(|(t, i)| (t.0, i.0)).collect()))
        .collect())
}

/// A JSON dataset file's error, at the line serde found it on.
pub(super) fn malformed_json(path: &Path, e: serde_json::Error) -> DatasetError {
    DatasetError::Malformed {
        path: path.to_path_buf(),
        line: e.line().max(1),
        message: e.to_string(),
    }
}

/// A string with something besides white space in it; rejected while
/// parsing so that the JSON error carries the position.
struct NonEmpty(String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<NonEmpty, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            return Err(serde::de::Error::custom("empty text or intent"));
        }
        Ok(NonEmpty(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<Vec<(String, String)>, DatasetError> {
        parse_csv(Path::new("train.csv"), text)
    }

    #[test]
    fn reads_quoted_csv_fields() {
        let rows = csv("text,category\nI am still waiting on my card?,card_arrival\n\"Hi, my \"\"new\"\" card\nis late\",card_arrival\r\nwhat rate?,exchange_rate\n").unwrap();
        assert_eq!(
            rows,
            [
                ("I am still waiting on my card?".into(), "card_arrival".into()),
                ("Hi, my \"new\" card\nis late".into(), "card_arrival".into()),
                ("what rate?".into(), "exchange_rate".into()),
            ]
        );
    }

    #[test]
    fn malformed_csv_names_file_and_line() {
        let err = |text: &str| csv(text).unwrap_err().to_string();
        assert_eq!(
            err("text,category\nok,a\n\"two\nlines\",b\nno label\n"),
            "train.csv:5: expected 2 fields (text,category), found 1"
        );
        assert_eq!(
            err("text,category\nok,a\n\"never closed,b\nx,c\n"),
            "train.csv:3: quoted field is never closed"
        );
        assert_eq!(
            err("text,category\n\"quoted\" tail,a\n"),
            "train.csv:2: unexpected text after a closing quote"
        );
        assert_eq!(
            err("text,category\nsay \"hi\",a\n"),
            "train.csv:2: quote inside an unquoted field"
        );
        assert_eq!(err("text,category\n  ,a\n"), "train.csv:2: empty text or category");
        assert!(err("sentence,label\nx,y\n").starts_with("train.csv:1: expected the header"));
        assert!(err("").starts_with("train.csv:1: empty file"));
    }

    fn clinc(text: &str) -> Result<HashMap<String, Vec<(String, String)>>, DatasetError> {
        parse_clinc(Path::new("data_full.json"), text)
    }

    #[test]
    fn reads_clinc_json_splits() {
        let splits =
            clinc("{\"train\": [[\"how do i say hi in french\", \"translate\"]],\n \"oos_test\": [[\"tell a joke\", \"oos\"]]}")
                .unwrap();
        assert_eq!(
            splits["train"],
            [("how do i say hi in french".into(), "translate".into())]
        );
        assert_eq!(splits["oos_test"].len(), 1);
    }

    #[test]
    fn malformed_clinc_json_names_file_and_line() {
        let err = |text: &str| clinc(text).unwrap_err().to_string();
        let text = "{\n\"train\": [\n  [\"a\", \"x\"],\n  [\"b\"],\n  [\"c\", \"y\"]\n]}";
        assert!(
            err(text).starts_with("data_full.json:4: invalid length 1"),
            "{}",
            err(text)
        );
        let empty = "{\"train\": [\n[\"a\", \"x\"],\n[\" \", \"y\"]]}";
        assert!(
            err(empty).starts_with("data_full.json:3: empty text or intent"),
            "{}",
            err(empty)
        );
        assert!(err("{\"train\": [[\"a\", \"x\"]\n").starts_with("data_full.json:2: EOF"));
        assert!(err("{\"test\": 3}").starts_with("data_full.json:1: invalid type"));
    }
}
