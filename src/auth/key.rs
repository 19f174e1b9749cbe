//! The secret key that signs cookies: from the environment in production, or a random
//! development key kept in a private file so sessions survive restarts.

use std::path::Path;

use super::MIN_KEY_BYTES;

/// The key in `from_env` (the value of `SECRET_KEY`, say) when set; otherwise the key saved
/// in `file`, made (64 random bytes, hex, mode 0600) the first time.
///
/// # Errors
/// A key from the environment shorter than [`MIN_KEY_BYTES`], no randomness, or a file that
/// cannot be written; the message says which.
pub fn secret_key_or_dev_file(from_env: Option<String>, file: &Path) -> Result<Vec<u8>, String> {
    if let Some(key) = from_env {
        if key.len() < MIN_KEY_BYTES {
            return Err(format!(
                "the secret key must be at least {MIN_KEY_BYTES} bytes long"
            ));
        }
        return Ok(key.into_bytes());
    }
    if let Ok(existing) = std::fs::read_to_string(file) {
        let key = existing.trim().to_owned();
        if key.len() >= MIN_KEY_BYTES {
            return Ok(key.into_bytes());
        }
    }
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(file, &key).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(key.into_bytes())
}

fn write_private(file: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(file)?.write_all(contents.as_bytes())
}
