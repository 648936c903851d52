//! "Did you mean ...?": the closest valid name to a misspelt one.
//!
//! Used wherever a name from the user is checked against a fixed list (CLI options, commands,
//! model names, hyperparameter names and their allowed values, losses). The distance is the
//! optimal string alignment distance (Levenshtein plus the swap of two adjacent letters, so
//! `MPL` is one edit from `MLP` and `modle` one from `model`), compared case-insensitively. A
//! candidate is suggested only when it is close for its length (see [`closest`]), so a word
//! that resembles nothing gets no suggestion rather than a random one.

/// Edits (insert, delete, substitute, swap two adjacent characters) turning `a` into `b`,
/// ignoring ASCII case.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    // Three rows of the dynamic programme: i-2, i-1 and i (the swap looks two rows back).
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is within a third of `word`'s length (at least one
/// edit, at most three). Ties go to the earlier candidate.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(word, c);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `"; did you mean `X`?"` for the closest candidate, or `""`.
pub fn hint<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    match closest(word, candidates) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_and_adjacent_swaps() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("", "ab"), 2);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("MPL", "mlp"), 1); // swap, any case
        assert_eq!(distance("modle", "model"), 1);
        assert_eq!(distance("hiden_size", "hidden_size"), 1);
        assert_eq!(distance("ca", "abc"), 3); // OSA: no edit of a swapped pair
        for (a, b) in [("nhits", "nbeats"), ("input-size", "input"), ("x", "xyz")] {
            assert_eq!(distance(a, b), distance(b, a), "{a} {b}");
        }
    }

    #[test]
    fn closest_suggests_only_near_names() {
        let options = ["model", "models", "max-steps", "input-size", "input"];
        assert_eq!(closest("modle", options), Some("model"));
        assert_eq!(closest("max-step", options), Some("max-steps"));
        assert_eq!(closest("imput", options), Some("input"));
        assert_eq!(closest("frobnicate", options), None);
        // A short word gets a suggestion only one edit away.
        assert_eq!(closest("ab", ["mlp", "nhits"]), None);
        assert_eq!(hint("MPL", ["mlp", "nhits"]), "; did you mean `mlp`?");
        assert_eq!(hint("zzz", ["mlp"]), "");
    }
}
