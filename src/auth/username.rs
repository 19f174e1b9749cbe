//! The username rule: how names are compared, and which names are refused.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, MixedScript, skeleton};

/// The form a username is compared in: trimmed, NFKC, lower case.
///
/// The rule, for logins, uniqueness and the login throttle:
/// - A name is stored as typed (its display form), but compared in its *normalised* form:
///   surrounding whitespace trimmed, Unicode NFKC, then lower-cased. `Alice`, `ALICE`,
///   `alice ` and fullwidth `ａｌｉｃｅ` are all the name `alice`. A login finds the stored
///   name through the username index by the spellings it is likely to have (as typed, lower
///   case, upper case, capitalised), so on databases whose collation is case-sensitive a name
///   stored in mixed case (`aLiCe`) must be typed as stored; the throttle always keys on the
///   normalised form.
/// - A new name is refused when it has invisible, default-ignorable or control characters (such
///   as U+3164 HANGUL FILLER or a zero-width space), whitespace, characters that NFKC would
///   change (fullwidth or other compatibility forms), or letters of more than one script
///   (Cyrillic `а` inside a Latin name): see [`username_problem`].
/// - A new name is refused when it is *confusable* with an existing one: the Unicode
///   confusables skeletons (UTS #39) of their normalised forms are equal (`admin`, `Admin`,
///   `аdmin`, `admіn` and `adrnin` all clash): see [`crate::auth::Auth::username_refusal`].
pub fn normalize_username(name: &str) -> String {
    let lower: String = name.trim().nfkc().flat_map(char::to_lowercase).collect();
    lower.nfkc().collect()
}

/// The UTS #39 confusables skeleton of a name's normalised form: two names with the same
/// skeleton look alike.
pub(crate) fn skeleton_of(name: &str) -> String {
    skeleton(&normalize_username(name)).collect()
}

/// The longest username, in characters: the login page and HTTP basic authentication look
/// up no longer name, so none is accepted as a new one.
pub const MAX_USERNAME_CHARS: usize = 150;

/// Whether `name` is no longer than [`MAX_USERNAME_CHARS`] (counted without walking a huge
/// text).
pub(crate) fn fits(name: &str) -> bool {
    name.len() <= MAX_USERNAME_CHARS
        || name.chars().take(MAX_USERNAME_CHARS + 1).count() <= MAX_USERNAME_CHARS
}

/// Why a name may not be chosen as a new username, or `None` when its characters are fine
/// (whether it clashes with an existing name is checked against the database separately).
pub fn username_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("Choose a username.");
    }
    if !fits(name) {
        return Some("Use at most 150 characters.");
    }
    // Django's set: letters, digits and `@ . + - _`; beyond ASCII, what UTS #39 allows in
    // identifiers, which leaves out invisible, default-ignorable and control characters,
    // whitespace and symbols. No `/`, `?`, `#` or `%`: names go into URL paths.
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || "@.+-_".contains(c)
            || (!c.is_ascii() && c.identifier_allowed() && !c.is_whitespace())
    };
    if !name.chars().all(allowed) {
        return Some("Use only letters, digits and @ . + - _, without spaces.");
    }
    // `.` and `..` are path segments of their own.
    if name.chars().all(|c| c == '.') {
        return Some("Use at least one letter or digit.");
    }
    if name.nfkc().ne(name.chars()) {
        return Some("Use ordinary characters (no fullwidth or other compatibility forms).");
    }
    if !name.is_single_script() {
        return Some("Use letters of one script only.");
    }
    None
}

/// Up to five spellings of `name` that a stored name is likely to have (as typed, NFKC, lower
/// case, upper case, capitalised), so a login finds a user through the username index
/// instead of a scan. The caller keeps only rows whose normalised form matches.
pub(crate) fn likely_spellings(name: &str) -> Vec<String> {
    let typed = name.trim().to_owned();
    let lower = normalize_username(name);
    let mut capitalised = String::with_capacity(lower.len());
    let mut chars = lower.chars();
    if let Some(first) = chars.next() {
        capitalised.extend(first.to_uppercase());
        capitalised.push_str(chars.as_str());
    }
    let nfkc: String = typed.nfkc().collect();
    let upper = lower.to_uppercase();
    let mut spellings = vec![typed, nfkc, lower, upper, capitalised];
    spellings.sort();
    spellings.dedup();
    spellings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_space_and_width_variants_normalise_alike() {
        for variant in ["alice", "ALICE", "Alice", " alice ", "ａｌｉｃｅ"] {
            assert_eq!(normalize_username(variant), "alice", "{variant}");
        }
        assert_ne!(normalize_username("alïce"), "alice");
    }

    #[test]
    fn look_alikes_share_a_skeleton() {
        let admin = skeleton_of("admin");
        for variant in ["Admin", "\u{430}dmin", "adm\u{456}n", "ａｄｍｉｎ"] {
            assert_eq!(skeleton_of(variant), admin, "{variant}");
        }
        assert_ne!(skeleton_of("bob"), admin);
    }

    #[test]
    fn invisible_compatibility_and_mixed_script_names_are_refused() {
        for bad in [
            "admin\u{3164}",
            "ad\u{200b}min",
            "ａｄｍｉｎ",
            "\u{430}dmin",
            "a b",
            "tab\t",
            "",
            "a/b",
            "50%",
            "..",
        ] {
            assert!(username_problem(bad).is_some(), "{bad:?}");
        }
        for good in [
            "alice",
            "zoë",
            "Ölaf_2-b",
            "first.last+tag@example.com",
            "\u{430}\u{43b}\u{435}\u{43a}\u{441}",
            "太郎",
        ] {
            assert_eq!(username_problem(good), None, "{good}");
        }
    }

    #[test]
    fn spellings_include_the_usual_cases() {
        let spellings = likely_spellings(" ALICE ");
        for expected in ["ALICE", "alice", "Alice"] {
            assert!(spellings.iter().any(|s| s == expected), "{spellings:?}");
        }
    }
}
