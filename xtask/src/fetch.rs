//! `cargo xtask schema fetch`: download the pinned schema files and verify them.
//!
//! Downloads go through the `curl` program rather than an HTTP crate, which keeps a TLS stack out of
//! the workspace build; it is present on every development and CI machine we target.

use std::path::Path;
use std::process::Command;

use mcpgen_codegen::load::{self, Manifest, Revision};

/// The URL of one revision's schema file under `base`.
pub(crate) fn url(base: &str, revision: &Revision) -> String {
    format!("{}/{}/schema/{}/schema.json", base.trim_end_matches('/'), revision.commit, revision.name)
}

/// Downloads, verifies and stores every revision; returns one line per file.
pub(crate) fn fetch_all(manifest: &Manifest, base: &str, dest: &Path) -> Result<Vec<String>, String> {
    let mut report = Vec::new();
    for revision in &manifest.revisions {
        let url = url(base, revision);
        let bytes = download(&url)?;
        let path = load::schema_path(dest, revision);
        // Verify before writing, so a bad download never replaces a good file.
        load::parse_schema(revision.clone(), &bytes, &path).map_err(|e| format!("{url}: {e}"))?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        report.push(format!("{}: {} bytes, sha256 ok -> {}", revision.name, bytes.len(), path.display()));
    }
    Ok(report)
}

fn download(url: &str) -> Result<Vec<u8>, String> {
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--fail", "--location", "--max-time", "60", url])
        .output()
        .map_err(|e| format!("cannot run curl (is it installed?): {e}"))?;
    if !output.status.success() {
        return Err(format!("download of {url} failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::path::PathBuf;

    use super::*;

    /// Serves `<root>/<name>/schema.json` at `/<commit>/schema/<name>/schema.json` on 127.0.0.1 for
    /// `requests` requests, optionally corrupting the body.
    fn serve(root: PathBuf, requests: usize, corrupt: bool) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound socket has an address");
        std::thread::spawn(move || {
            for stream in listener.incoming().take(requests) {
                let Ok(mut stream) = stream else { continue };
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().expect("clone socket"));
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
                let body = match parts.as_slice() {
                    [_commit, "schema", name, "schema.json"] => std::fs::read(root.join(name).join("schema.json")).ok(),
                    _ => None,
                };
                let reply = match body {
                    Some(mut body) => {
                        if corrupt {
                            body.extend_from_slice(b"\n");
                        }
                        let mut r =
                            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                                .into_bytes();
                        r.extend_from_slice(&body);
                        r
                    }
                    None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
                };
                let _ = stream.write_all(&reply);
            }
        });
        format!("http://{addr}")
    }

    fn shared_schemas() -> Option<PathBuf> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = std::env::var_os("MCP_SCHEMA_DIR")
            .map(|d| root.join(d))
            .unwrap_or_else(|| root.join("../shared/mcp-schemas"));
        if dir.join("2024-11-05/schema.json").is_file() {
            return Some(dir);
        }
        let required = std::env::var("MCP_REQUIRE_SCHEMAS").is_ok_and(|v| !v.is_empty() && v != "0");
        assert!(!required, "MCP_REQUIRE_SCHEMAS is set but no schema files were found at {}", dir.display());
        eprintln!("skipped: no schema files at {} (set MCP_SCHEMA_DIR)", dir.display());
        None
    }

    fn manifest() -> Manifest {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema/versions.toml");
        Manifest::read(&path).expect("the repository's manifest parses")
    }

    #[test]
    fn fetch_downloads_and_verifies_every_pinned_file() {
        let Some(dir) = shared_schemas() else { return };
        let manifest = manifest();
        let base = serve(dir.clone(), manifest.revisions.len(), false);
        let dest = std::env::temp_dir().join(format!("mcpgen-fetch-{}", std::process::id()));
        let report = fetch_all(&manifest, &base, &dest).expect("fetch succeeds");
        assert_eq!(report.len(), manifest.revisions.len());
        for revision in &manifest.revisions {
            let got = std::fs::read(load::schema_path(&dest, revision)).expect("file written");
            let want = std::fs::read(load::schema_path(&dir, revision)).expect("source file");
            assert_eq!(got, want, "{} differs from the served file", revision.name);
        }
        let _ = std::fs::remove_dir_all(&dest);
    }

    #[test]
    fn fetch_refuses_a_file_with_another_hash_naming_both() {
        let Some(dir) = shared_schemas() else { return };
        let manifest = manifest();
        let base = serve(dir, 1, true);
        let dest = std::env::temp_dir().join(format!("mcpgen-fetch-bad-{}", std::process::id()));
        let err = fetch_all(&manifest, &base, &dest).expect_err("a corrupted file is refused");
        let first = &manifest.revisions[0];
        assert!(err.contains(&first.sha256), "names the pinned hash: {err}");
        assert!(err.contains("has sha256"), "names the actual hash: {err}");
        assert!(!load::schema_path(&dest, first).exists(), "nothing is written for a bad download");
    }

    #[test]
    fn fetch_reports_http_errors() {
        let manifest = manifest();
        let base = serve(PathBuf::from("/nonexistent"), 1, false);
        let err = fetch_all(&manifest, &base, Path::new("/nonexistent-dest")).expect_err("404 fails");
        assert!(err.contains("failed"), "{err}");
    }
}
