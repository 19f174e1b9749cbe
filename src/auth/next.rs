//! Where to send a user after login or logout: only ever a path on this site.

/// Returns `next` if it is a safe local path (starts with one `/`, no backslash, no scheme, no
/// control characters, also after percent-decoding), else `None`.
pub fn safe_next(next: &str) -> Option<&str> {
    let decoded = percent_encoding::percent_decode_str(next)
        .decode_utf8()
        .ok()?;
    for candidate in [next, decoded.as_ref()] {
        let local = candidate.starts_with('/') && !candidate.starts_with("//");
        if !local || candidate.contains('\\') || candidate.chars().any(char::is_control) {
            return None;
        }
    }
    if next.len() > 2048 {
        return None;
    }
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        for good in [
            "/",
            "/admin/",
            "/users/alice/?page=2",
            "/a%20b",
            "/private/#top",
        ] {
            assert_eq!(safe_next(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "admin/",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "%2F%2Fevil.example",
            "/%2F/evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\tevil",
            "/a\nb",
            "/%0d%0aSet-Cookie:x",
            " /admin/",
            "/%ff",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
