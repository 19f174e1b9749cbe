//! LIKE and GLOB patterns that match a value literally, wildcards and all.

/// A LIKE pattern matching `text` literally, with `\` as the escape character.
pub(super) fn like_pattern(text: &str, any_before: bool, any_after: bool) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    if any_before {
        pattern.push('%');
    }
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    if any_after {
        pattern.push('%');
    }
    pattern
}

/// A GLOB pattern matching `text` literally (GLOB has no escape character: brackets instead).
pub(super) fn glob_pattern(text: &str, any_before: bool, any_after: bool) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    if any_before {
        pattern.push('*');
    }
    for ch in text.chars() {
        match ch {
            '*' | '?' | '[' => {
                pattern.push('[');
                pattern.push(ch);
                pattern.push(']');
            }
            _ => pattern.push(ch),
        }
    }
    if any_after {
        pattern.push('*');
    }
    pattern
}
