//! "Did you mean ...?": the names close enough to a misspelt one to suggest.

/// The candidates close enough to `name` to suggest, closest first: within one edit for names of
/// up to 3 characters, two up to 7, three beyond, ignoring case.
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
    found.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_prefers_the_closest() {
        assert_eq!(near_names("deskotp", ["desktop", "base", "desk"]), vec!["desktop"]);
        assert_eq!(near_names("homemanager", ["homeManager", "nixos"]), vec!["homeManager"]);
        assert!(near_names("ssh", ["nixos"]).is_empty());
    }
}
