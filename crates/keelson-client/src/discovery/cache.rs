//! client-go's `discovery/cached/disk` file cache: `servergroups.json` and
//! `<group>/<version>/serverresources.json` under a directory per server,
//! each valid for a TTL after it was written (by its mtime).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// kubectl's discovery cache TTL: six hours since cli-runtime raised it
/// from ten minutes (`ConfigFlags.ToDiscoveryClient`).
pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// The directory kubectl's `--cache-dir` defaults to: `$KUBECACHEDIR` when
/// set, else `$HOME/.kube/cache`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KUBECACHEDIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube").join("cache"))
}

/// The per-server directory under `<cache-dir>/discovery/`: the server URL
/// without its scheme, every character outside `[\w/.()]` replaced by `_`
/// (kubectl's `computeDiscoverCacheDir`): `https://127.0.0.1:6443` →
/// `127.0.0.1_6443`.
pub fn server_cache_dir(cache_dir: &Path, host: &str) -> PathBuf {
    let schemeless = host.replacen("https://", "", 1).replacen("http://", "", 1);
    let safe: String = schemeless
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_/.()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut dir = cache_dir.join("discovery");
    // filepath.Join drops empty segments and a trailing slash.
    for segment in safe.split('/').filter(|s| !s.is_empty()) {
        dir.push(segment);
    }
    dir
}

#[derive(Debug, Default)]
struct State {
    /// Set by `invalidate`: from then on only files this client wrote count.
    invalidated: bool,
    /// Files this client wrote since the last invalidation.
    ours: HashSet<PathBuf>,
}

/// The files of one server's discovery cache.
#[derive(Debug)]
pub(crate) struct DiskCache {
    dir: PathBuf,
    ttl: Duration,
    state: Mutex<State>,
}

impl DiskCache {
    pub(crate) fn new(dir: PathBuf, ttl: Duration) -> DiskCache {
        DiskCache {
            dir,
            ttl,
            state: Mutex::new(State::default()),
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn groups_path(&self) -> PathBuf {
        self.dir.join("servergroups.json")
    }

    /// `v1/serverresources.json`, `apps/v1/serverresources.json`.
    pub(crate) fn resources_path(&self, group_version: &str) -> PathBuf {
        let mut p = self.dir.clone();
        for segment in group_version.split('/') {
            p.push(segment);
        }
        p.join("serverresources.json")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: both fields
        // are updated by single assignments.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The bytes of a file that is still within its TTL, if any.
    pub(crate) fn read(&self, path: &Path) -> Option<Vec<u8>> {
        {
            let state = self.lock();
            if state.invalidated && !state.ours.contains(path) {
                return None;
            }
        }
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
        let age = SystemTime::now()
            .duration_since(modified)
            .unwrap_or(Duration::ZERO);
        if age > self.ttl {
            return None;
        }
        std::fs::read(path).ok()
    }

    /// Writes a file atomically (a temporary file renamed over it), so that a
    /// concurrent kubectl never reads half a document. A cache that cannot
    /// be written is not an error: discovery goes on without it.
    pub(crate) fn write(&self, path: &Path, bytes: &[u8]) {
        if self.write_file(path, bytes).is_ok() {
            self.lock().ours.insert(path.to_path_buf());
        } else {
            tracing::debug!(path = %path.display(), "could not write the discovery cache");
        }
    }

    fn write_file(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let parent = path.parent().unwrap_or(&self.dir);
        create_dir(parent)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
        let mut f = open_private(&tmp)?;
        f.write_all(bytes)?;
        // No fsync, as kubectl: the rename keeps readers from seeing half a
        // file, and a file a crash leaves empty or torn reads as a cache
        // miss (it does not parse), so the cost of a sync buys nothing.
        drop(f);
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }

    /// Forgets every file not written by this client from now on.
    pub(crate) fn invalidate(&self) {
        let mut state = self.lock();
        state.invalidated = true;
        state.ours.clear();
    }
}

#[cfg(unix)]
fn create_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o750)
        .create(dir)
}

#[cfg(not(unix))]
fn create_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o660)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_dirs_escape_like_kubectl() {
        let base = Path::new("/c");
        assert_eq!(
            server_cache_dir(base, "https://127.0.0.1:6443"),
            Path::new("/c/discovery/127.0.0.1_6443")
        );
        assert_eq!(
            server_cache_dir(base, "http://localhost:8080/"),
            Path::new("/c/discovery/localhost_8080")
        );
        assert_eq!(
            server_cache_dir(base, "https://rancher.test/k8s/clusters/c-1"),
            Path::new("/c/discovery/rancher.test/k8s/clusters/c_1")
        );
        assert_eq!(
            server_cache_dir(base, "https://[::1]:6443"),
            Path::new("/c/discovery/___1__6443")
        );
    }

    #[test]
    fn group_versions_nest() {
        let c = DiskCache::new(PathBuf::from("/d"), DEFAULT_TTL);
        assert_eq!(
            c.resources_path("v1"),
            Path::new("/d/v1/serverresources.json")
        );
        assert_eq!(
            c.resources_path("apps/v1"),
            Path::new("/d/apps/v1/serverresources.json")
        );
    }
}
