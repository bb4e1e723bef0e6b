//! Credentials: read from the environment or a file, held in a type that can't be printed.

use std::fmt;
use std::path::{Path, PathBuf};

/// A credential. `Debug` shows `Secret(***)`; there is no `Display`, no `Serialize`, and the
/// value is reached only through [`Secret::expose`], at the point it goes into a request.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value (surrounding whitespace, such as a file's final newline, is dropped).
    pub fn new(value: impl Into<String>) -> Secret {
        let value = value.into();
        let trimmed = value.trim();
        if trimmed.len() == value.len() {
            Secret(value)
        } else {
            Secret(trimmed.to_owned())
        }
    }

    /// The value, for a request header or body. Never format it into a message.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why a credential couldn't be read. Says where herald looked, never what it found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The variable isn't set.
    #[error("the environment variable `{var}` is not set")]
    MissingEnv {
        /// Its name.
        var: String,
    },
    /// The variable is set but empty.
    #[error("the environment variable `{var}` is empty")]
    EmptyEnv {
        /// Its name.
        var: String,
    },
    /// The file can't be read.
    #[error("can't read the credential file `{}`: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("`{}` is empty", path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// Neither a variable nor a file is configured.
    #[error("no {what} is configured: add `{key}_env` or `{key}_file` to the account")]
    NotConfigured {
        /// What is missing, in words.
        what: &'static str,
        /// The config key prefix (`token`, `client_secret`).
        key: &'static str,
    },
}

/// Reads a credential from an environment variable or a file (a relative file is relative to
/// `dir`, the folder herald.toml is in). `Ok(None)` when neither is configured.
pub fn read(env: Option<&str>, file: Option<&Path>, dir: &Path) -> Result<Option<Secret>, CredentialError> {
    if let Some(var) = env {
        return match std::env::var(var) {
            Ok(value) if value.trim().is_empty() => Err(CredentialError::EmptyEnv { var: var.to_owned() }),
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(_) => Err(CredentialError::MissingEnv { var: var.to_owned() }),
        };
    }
    if let Some(file) = file {
        let path = if file.is_absolute() {
            file.to_owned()
        } else {
            dir.join(file)
        };
        return match std::fs::read_to_string(&path) {
            Ok(value) if value.trim().is_empty() => Err(CredentialError::EmptyFile { path }),
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(source) => Err(CredentialError::File { path, source }),
        };
    }
    Ok(None)
}

/// Writes a file atomically (a temporary file in the same folder, then a rename), readable by
/// its owner only: for rotated tokens.
pub fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(contents.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let secret = Secret::new("s3cret-token\n");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(secret.expose(), "s3cret-token");
    }

    #[test]
    fn reads_files_relative_to_the_config_and_says_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "abc\n").unwrap();
        let got = read(None, Some(Path::new("token")), dir.path()).unwrap().unwrap();
        assert_eq!(got.expose(), "abc");
        let missing = read(Some("HERALD_TEST_SURELY_UNSET_VARIABLE"), None, dir.path()).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "the environment variable `HERALD_TEST_SURELY_UNSET_VARIABLE` is not set"
        );
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        assert!(matches!(
            read(None, Some(Path::new("empty")), dir.path()),
            Err(CredentialError::EmptyFile { .. })
        ));
        assert!(read(None, None, dir.path()).unwrap().is_none());
    }

    #[test]
    fn atomic_write_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("refresh");
        write_atomically(&path, "one").unwrap();
        write_atomically(&path, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
