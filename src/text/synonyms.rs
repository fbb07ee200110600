//! Query-time synonym expansion.
//!
//! Users and authors name the same thing differently: 提币 / 提现 / withdraw,
//! 验证器 / 2FA, and the common typo 体现 for 提现. The synonym list (one group
//! per line, members separated by commas) is expanded on the query side only,
//! so editing it never requires re-indexing.

use std::collections::HashMap;

use super::{normalize, Segmenter};

/// Groups of interchangeable terms, keyed by the analyzed form of each member.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    /// Each member's term sequence → the groups it belongs to.
    members: HashMap<Vec<String>, Vec<usize>>,
    /// Each group's members, as term sequences.
    groups: Vec<Vec<Vec<String>>>,
}

/// A problem in the synonym file, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymProblem {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl Synonyms {
    /// Parses the synonym file. Blank lines and `#` comments are skipped; a
    /// group needs at least two members that analyze to some term.
    pub fn parse(text: &str, segmenter: &Segmenter) -> Result<Synonyms, Vec<SynonymProblem>> {
        let mut synonyms = Synonyms::default();
        let mut problems = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let members: Vec<Vec<String>> = line
                .split([',', '，', '/', '、'])
                .map(|m| {
                    segmenter
                        .terms(&normalize(m))
                        .into_iter()
                        .map(|t| t.text)
                        .collect::<Vec<_>>()
                })
                .filter(|terms| !terms.is_empty())
                .collect();
            if members.len() < 2 {
                problems.push(SynonymProblem {
                    line: i + 1,
                    message: format!("a synonym group needs at least two members, found {}", members.len()),
                });
                continue;
            }
            let group = synonyms.groups.len();
            for m in &members {
                let groups = synonyms.members.entry(m.clone()).or_default();
                if !groups.contains(&group) {
                    groups.push(group);
                }
            }
            synonyms.groups.push(members);
        }
        if problems.is_empty() {
            Ok(synonyms)
        } else {
            Err(problems)
        }
    }

    /// The extra terms `query_terms` expands to: every term of every other
    /// member of each group that a contiguous run of the query matches.
    pub fn expand(&self, query_terms: &[String]) -> Vec<String> {
        let mut extra: Vec<String> = Vec::new();
        for start in 0..query_terms.len() {
            for end in start + 1..=query_terms.len().min(start + 4) {
                let Some(groups) = self.members.get(&query_terms[start..end]) else {
                    continue;
                };
                for &g in groups {
                    for member in &self.groups[g] {
                        for term in member {
                            if !query_terms.contains(term) && !extra.contains(term) {
                                extra.push(term.clone());
                            }
                        }
                    }
                }
            }
        }
        extra
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzed(s: &Segmenter, text: &str) -> Vec<String> {
        s.terms(&normalize(text)).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn expands_single_and_multi_word_members() {
        let s = Segmenter::new(&mut "谷歌验证器 20000 n\n".as_bytes()).unwrap();
        let syn = Synonyms::parse(
            "# comment\n提币, 提现, withdraw\n谷歌验证器, google authenticator\n",
            &s,
        )
        .unwrap();
        let extra = syn.expand(&analyzed(&s, "提现多久到账"));
        assert!(
            extra.contains(&"提币".to_string()) && extra.contains(&"withdraw".to_string()),
            "{extra:?}"
        );
        let extra = syn.expand(&analyzed(&s, "lost my google authenticator"));
        assert!(extra.contains(&"谷歌验证器".to_string()), "{extra:?}");
        assert!(syn.expand(&analyzed(&s, "充值")).is_empty());
    }

    #[test]
    fn reports_groups_with_one_member_by_line() {
        let s = Segmenter::new(&mut "".as_bytes()).unwrap();
        let problems = Synonyms::parse("提币, 提现\n\n充值\n", &s).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3);
    }
}
