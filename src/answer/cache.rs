//! Recent replies by normalized question. Help-center traffic repeats
//! itself ("怎么提币", "how do I withdraw"), and a repeated question needs
//! no embedding: its reply is looked up before the question ever waits for
//! an engine worker.
//!
//! The key is the question after [`normalize`] (full/half width,
//! traditional → simplified, case), so 提幣 and 提币 share an entry. Each
//! engine owns its cache, so a reloaded corpus starts with an empty one and
//! can never serve an answer from the old articles.

use std::sync::Mutex;

use lru::LruCache;

use super::Reply;
use crate::text::normalize;

/// A bounded least-recently-used map from question to reply.
pub struct AnswerCache {
    entries: Option<Mutex<LruCache<String, Reply>>>,
}

impl AnswerCache {
    /// A cache of at most `capacity` replies; 0 turns caching off.
    pub fn new(capacity: usize) -> AnswerCache {
        AnswerCache {
            entries: std::num::NonZeroUsize::new(capacity).map(|n| Mutex::new(LruCache::new(n))),
        }
    }

    /// The key of `question` asked for `suggestions` candidates.
    pub fn key(question: &str, suggestions: usize) -> String {
        format!("{suggestions}\u{1f}{}", normalize(question.trim()))
    }

    /// The cached reply for `key`, marking it recently used.
    pub fn get(&self, key: &str) -> Option<Reply> {
        let mut entries = self
            .entries
            .as_ref()?
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(key).map(|reply| Reply {
            embedding_time: std::time::Duration::ZERO,
            ..reply.clone()
        })
    }

    /// Remembers `reply` for `key`, forgetting the least recently used
    /// entry when full.
    pub fn insert(&self, key: String, reply: Reply) {
        if let Some(entries) = &self.entries {
            entries
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .put(key, reply);
        }
    }

    /// How many replies are cached.
    pub fn len(&self) -> usize {
        self.entries
            .as_ref()
            .map_or(0, |e| e.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len())
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Decision;

    fn reply(confidence: f32) -> Reply {
        Reply {
            decision: Decision::Answer,
            confidence,
            handoff_reason: None,
            candidates: Vec::new(),
            embedding_time: std::time::Duration::from_millis(20),
        }
    }

    #[test]
    fn normalized_questions_share_an_entry_and_hits_cost_no_embedding() {
        let cache = AnswerCache::new(8);
        cache.insert(AnswerCache::key("怎么提幣", 3), reply(0.9));
        let hit = cache.get(&AnswerCache::key("  怎麼提币 ", 3)).unwrap();
        assert_eq!(hit.confidence, 0.9);
        assert_eq!(hit.embedding_time, std::time::Duration::ZERO);
        assert!(
            cache.get(&AnswerCache::key("怎么提币", 5)).is_none(),
            "suggestions are part of the key"
        );
        assert_eq!(
            AnswerCache::key("How Do I WITHDRAW", 3),
            AnswerCache::key("how do i withdraw", 3)
        );
    }

    #[test]
    fn the_least_recently_used_entry_goes_first() {
        let cache = AnswerCache::new(2);
        cache.insert("a".into(), reply(0.1));
        cache.insert("b".into(), reply(0.2));
        assert!(cache.get("a").is_some());
        cache.insert("c".into(), reply(0.3));
        assert!(cache.get("b").is_none(), "b was used least recently");
        assert!(cache.get("a").is_some() && cache.get("c").is_some());
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn capacity_zero_caches_nothing() {
        let cache = AnswerCache::new(0);
        cache.insert("a".into(), reply(0.1));
        assert!(cache.get("a").is_none());
        assert!(cache.is_empty());
    }
}
