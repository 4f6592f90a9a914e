//! The IDs of one request: joined into its `run_ids=` query, and split so
//! each query stays short enough for the servers on the way.

pub(super) fn join_ids(ids: &[u64]) -> String {
    let mut s = String::with_capacity(ids.len() * 8);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&id.to_string());
    }
    s
}

/// Splits IDs into groups whose `run_ids=` query stays within `max_bytes`.
pub(super) fn chunk_ids(ids: &[u64], max_bytes: usize) -> Vec<Vec<u64>> {
    let budget = max_bytes.saturating_sub("run_ids=".len()).max(20);
    let mut chunks = Vec::new();
    let mut current: Vec<u64> = Vec::new();
    let mut used = 0;
    for &id in ids {
        let digits = id.checked_ilog10().unwrap_or(0) as usize + 1;
        if !current.is_empty() && used + 1 + digits > budget {
            chunks.push(std::mem::take(&mut current));
            used = 0;
        }
        // A comma before every ID but a chunk's first.
        used += digits + usize::from(!current.is_empty());
        current.push(id);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::MAX_QUERY_BYTES;

    #[test]
    fn chunks_keep_order_and_stay_under_the_limit() {
        let ids: Vec<u64> = (1..=5000).map(|i| i * 1_000_003).collect();
        let chunks = chunk_ids(&ids, MAX_QUERY_BYTES);
        assert!(chunks.len() > 1, "5000 long IDs need several requests");
        assert_eq!(chunks.concat(), ids, "every ID once, in order");
        for c in &chunks {
            assert!(
                format!("run_ids={}", join_ids(c)).len() <= MAX_QUERY_BYTES,
                "query within limit"
            );
        }
        assert_eq!(chunk_ids(&[1, 2, 3], MAX_QUERY_BYTES), vec![vec![1, 2, 3]]);
        assert!(chunk_ids(&[], MAX_QUERY_BYTES).is_empty());
    }
}
