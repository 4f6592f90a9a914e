//! How much each priority of critical category weighs.

use std::collections::BTreeMap;

/// Priority weights, keyed by lowercase priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weights(BTreeMap<String, u32>);

/// The weight a priority unknown to [`Weights`] gets: that of `high`, because
/// an unknown priority counting for nothing would let a gate pass by accident.
pub(crate) const FALLBACK_PRIORITY: &str = "high";

impl Default for Weights {
    fn default() -> Self {
        let pairs = [
            ("critical", 10),
            ("high", 10),
            ("medium", 3),
            ("low", 1),
            ("non-critical", 1),
            ("not_a_bug", 0),
        ];
        Weights(pairs.into_iter().map(|(p, w)| (p.to_owned(), w)).collect())
    }
}

impl Weights {
    /// Sets (or adds) a priority's weight; priorities match case-insensitively.
    pub fn set(&mut self, priority: &str, weight: u32) {
        self.0.insert(priority.trim().to_lowercase(), weight);
    }

    /// The weight of a priority, and whether the priority is known.
    pub(crate) fn weigh(&self, priority: Option<&str>) -> (u32, bool) {
        let known = priority.and_then(|p| self.0.get(&p.trim().to_lowercase()));
        match known {
            Some(w) => (*w, true),
            None => (self.0.get(FALLBACK_PRIORITY).copied().unwrap_or(10), false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_match_case_insensitively_and_unknown_ones_weigh_like_high() {
        let mut weights = Weights::default();
        weights.set(" Medium ", 7);
        assert_eq!(weights.weigh(Some("MEDIUM")), (7, true));
        assert_eq!(weights.weigh(Some("urgent")), (10, false), "like high");
        assert_eq!(weights.weigh(None), (10, false), "a missing priority too");
        weights.set("high", 0);
        assert_eq!(
            weights.weigh(Some("urgent")),
            (0, false),
            "high=0 zeroes unknown ones (documented)"
        );
    }
}
