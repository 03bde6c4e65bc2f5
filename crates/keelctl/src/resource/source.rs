//! Where objects come from: `-f` files, directories, stdin and URLs, read as
//! cli-runtime's `FileVisitor`, `ExpandPathsToFileVisitors` and `URLVisitor`
//! read them.

use super::errors::VisitError;
use super::url;
use crate::error::{CmdError, CmdResult};
use keelson_client::Config;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The extensions a directory walk picks up (an explicitly named file is
/// read whatever its extension).
pub const FILE_EXTENSIONS: [&str; 3] = [".json", ".yaml", ".yml"];

/// One `-f` input before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-f -`), named `STDIN` in messages.
    Stdin,
    /// A file, named by its path as walked (`dir/a.yaml`).
    File(PathBuf),
    /// An `http://` or `https://` URL.
    Url(String),
}

impl Source {
    /// The name kubectl gives the source in messages (`Info.Source`).
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "STDIN".to_string(),
            Source::File(p) => p.display().to_string(),
            Source::Url(u) => u.clone(),
        }
    }

    /// The raw bytes of the source; URLs are fetched without the
    /// credentials of `config`.
    pub async fn read(&self, config: &Config) -> Result<Vec<u8>, VisitError> {
        match self {
            Source::Stdin => {
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .map_err(|e| VisitError::plain(format!("read /dev/stdin: {}", io_text(&e))))?;
                Ok(buf)
            }
            Source::File(p) => std::fs::read(p)
                .map_err(|e| VisitError::plain(format!("open {}: {}", p.display(), io_text(&e)))),
            Source::Url(u) => url::fetch(config, u).await,
        }
    }
}

/// Go's rendering of an `*os.PathError` cause (`no such file or directory`).
fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            // Rust appends " (os error N)"; Go does not.
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

/// Expands the `-f` values into sources as kubectl's builder does: `-` is
/// stdin, URLs stay URLs, directories are walked (one level unless
/// `recursive`) for `.json`, `.yaml` and `.yml` files in lexical order.
///
/// A path that does not exist is `the path "x" does not exist`; arguments
/// that yield nothing are `error reading [a b]: recognized file extensions
/// are [.json .yaml .yml]`.
pub fn expand(filenames: &[String], recursive: bool) -> CmdResult<Vec<Source>> {
    let mut out = Vec::new();
    for name in filenames {
        if name == "-" {
            out.push(Source::Stdin);
            continue;
        }
        if name.starts_with("http://") || name.starts_with("https://") {
            out.push(Source::Url(name.clone()));
            continue;
        }
        let path = Path::new(name);
        let meta = std::fs::metadata(path)
            .map_err(|_| CmdError::new(format!("the path {name:?} does not exist")))?;
        if !meta.is_dir() {
            out.push(Source::File(path.to_path_buf()));
            continue;
        }
        walk(path, recursive, &mut out).map_err(|e| CmdError::new(e.to_string()))?;
    }
    if out.is_empty() {
        return Err(CmdError::new(format!(
            "error reading [{}]: recognized file extensions are [{}]",
            filenames.join(" "),
            FILE_EXTENSIONS.join(" ")
        )));
    }
    Ok(out)
}

fn walk(dir: &Path, recursive: bool, out: &mut Vec<Source>) -> std::io::Result<()> {
    let mut entries: Vec<(String, PathBuf, bool)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Go's filepath.Walk stats through symlinks only for the root.
        let is_dir = entry.file_type()?.is_dir();
        entries.push((
            name,
            join(dir, &entry.file_name().to_string_lossy()),
            is_dir,
        ));
    }
    // filepath.Walk visits names in lexical byte order.
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (name, path, is_dir) in entries {
        if is_dir {
            if recursive {
                walk(&path, recursive, out)?;
            }
        } else if FILE_EXTENSIONS.iter().any(|ext| name.ends_with(ext)) {
            out.push(Source::File(path));
        }
    }
    Ok(())
}

/// Go's `filepath.Join`: the joined path is cleaned (`dir/` + `a` is
/// `dir/a`, `./dir` + `a` is `dir/a`).
fn join(dir: &Path, name: &str) -> PathBuf {
    let joined = format!("{}/{name}", dir.display());
    let absolute = joined.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            other => parts.push(other),
        }
    }
    let cleaned = parts.join("/");
    PathBuf::from(if absolute {
        format!("/{cleaned}")
    } else {
        cleaned
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_yield_manifests_in_lexical_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("sub")).unwrap();
        for f in ["b.yaml", "a.json", "c.txt", "sub/d.yml"] {
            std::fs::write(root.join(f), "").unwrap();
        }
        let arg = format!("{}/", root.display());
        let flat = expand(std::slice::from_ref(&arg), false).unwrap();
        let names: Vec<String> = flat.iter().map(Source::name).collect();
        let r = root.display();
        assert_eq!(names, vec![format!("{r}/a.json"), format!("{r}/b.yaml")]);
        let deep = expand(&[arg], true).unwrap();
        assert_eq!(deep.len(), 3);
        assert_eq!(deep[2].name(), format!("{r}/sub/d.yml"));
    }

    #[test]
    fn missing_paths_and_empty_directories_fail_like_kubectl() {
        let err = expand(&["nope.yaml".into()], false).unwrap_err();
        assert_eq!(err.message, "error: the path \"nope.yaml\" does not exist");
        let dir = tempfile::tempdir().unwrap();
        let arg = dir.path().display().to_string();
        let err = expand(std::slice::from_ref(&arg), false).unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "error: error reading [{arg}]: recognized file extensions are [.json .yaml .yml]"
            )
        );
    }

    #[test]
    fn stdin_and_urls_pass_through() {
        let got = expand(&["-".into(), "https://example.test/x.yaml".into()], false).unwrap();
        assert_eq!(
            got,
            vec![
                Source::Stdin,
                Source::Url("https://example.test/x.yaml".into())
            ]
        );
        assert_eq!(got[0].name(), "STDIN");
    }
}
