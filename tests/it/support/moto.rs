//! moto_server as the tests' IAM: found, and started for the life of the test process. The
//! function's tests and the plan command's (plan/tests/support includes this file) share it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// moto_server: `MOTO_SERVER`, else the repository's `.venv` (under `repo`), else `PATH`.
pub fn server_path(repo: &Path) -> PathBuf {
    if let Ok(path) = std::env::var("MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let venv = repo.join(".venv/bin/moto_server");
    if venv.exists() {
        return venv;
    }
    if let Ok(out) = std::process::Command::new("sh")
        .args(["-c", "command -v moto_server"])
        .output()
    {
        let found = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !found.is_empty() {
            return PathBuf::from(found);
        }
    }
    panic!(
        "moto_server not found. These tests need it as the IAM endpoint: run `scripts/test.sh` \
         (installs it into .venv), or `python3 -m venv .venv && .venv/bin/pip install 'moto[server]'`, \
         or set MOTO_SERVER to its path"
    );
}

/// Start `path` on a free loopback port, with AWS managed policies loaded, for as long as this
/// test process lives; its endpoint once it listens.
pub fn start(path: &Path) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // moto lives as long as this test process: the shell watches our pid.
    let script = format!(
        "MOTO_IAM_LOAD_MANAGED_POLICIES=true '{}' -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; \
         while kill -0 {} 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 1; done; kill $m 2>/dev/null",
        path.display(),
        std::process::id()
    );
    // The watcher is never waited for: it ends with this process.
    let watcher = std::process::Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .spawn()
        .expect("start moto_server");
    std::mem::forget(watcher);
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "moto_server ({}) did not start listening on port {port} within 60 s",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    format!("http://127.0.0.1:{port}")
}
