//! "Did you mean ...?": the names close enough to a misspelt one to suggest.

/// The candidates close enough to `name` to suggest, closest first (then by name), at most
/// `MAX_SUGGESTIONS`: within one edit for names of up to 3 characters, two up to 7, three beyond,
/// ignoring case.
pub(crate) fn near_names<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let length = name.chars().count();
    let limit = match length {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    let lower = name.to_lowercase();
    let mut found: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        // The distance is at least the difference in length: skip the quadratic work.
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .filter_map(|c| {
            let d = strsim::levenshtein(&lower, &c.to_lowercase());
            (d <= limit).then_some((d, c))
        })
        .collect();
    found.sort();
    found.dedup();
    found.into_iter().take(MAX_SUGGESTIONS).map(|(_, c)| c).collect()
}

/// Most names suggested for one misspelling. In a workspace of numbered aspects (`a1` ...
/// `a50000`) hundreds are within two edits of any of them: each suggestion is a quick fix and a
/// related location, and a menu of hundreds helps nobody (and took a quarter second to build).
const MAX_SUGGESTIONS: usize = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_prefers_the_closest() {
        assert_eq!(near_names("deskotp", ["desktop", "base", "desk"]), vec!["desktop"]);
        assert_eq!(near_names("homemanager", ["homeManager", "nixos"]), vec!["homeManager"]);
        assert!(near_names("ssh", ["nixos"]).is_empty());
    }

    #[test]
    fn near_names_keeps_the_closest_few() {
        let numbered: Vec<String> = (0..1000).map(|i| format!("a{i}")).collect();
        let near = near_names("a5000", numbered.iter().map(String::as_str));
        assert_eq!(near.len(), MAX_SUGGESTIONS);
        // One edit away first (`a500`), then the two-edit names in order.
        assert_eq!(near[0], "a500");
        assert!(near.windows(2).skip(1).all(|w| w[0] < w[1]), "{near:?}");
    }
}
