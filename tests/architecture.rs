//! Tidy checks that keep the layers apart, read from the sources:
//! - `src/domain/` is pure: no browser crates (leptos, web-sys, js-sys, wasm-bindgen, gloo)
//!   and no IO (files, sockets, processes, environment, clocks);
//! - only `src/net/` talks to the network;
//! - every source file starts with a `//!` paragraph saying what it owns.

#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The code of a file without its comments (so docs may name what the code must not use).
fn code_of(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Files of the pure core: `src/domain.rs` and everything under `src/domain/`.
fn domain_files() -> Vec<PathBuf> {
    let mut files = rust_files(&src().join("domain"));
    files.push(src().join("domain.rs"));
    files
}

#[test]
fn domain_uses_no_browser_crates_and_no_io() {
    let forbidden = [
        "leptos",
        "web_sys",
        "js_sys",
        "wasm_bindgen",
        "gloo",
        "wasm_streams",
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "std::time",
        "std::thread",
        "std::io::stdin",
        "std::io::stdout",
        "println!",
        "eprintln!",
        "tokio",
        "reqwest",
    ];
    let mut violations = Vec::new();
    for file in domain_files() {
        let code = code_of(&file);
        for name in forbidden {
            if code.contains(name) {
                violations.push(format!("{} uses `{name}`", file.display()));
            }
        }
    }
    assert!(violations.is_empty(), "the core must stay pure:\n{}", violations.join("\n"));
}

#[test]
fn only_net_talks_to_the_network() {
    let network =
        ["gloo_net", "fetch_with", "Request::get", "Request::post", "XmlHttpRequest", "WebSocket"];
    let mut violations = Vec::new();
    for file in rust_files(&src()) {
        let relative = file.strip_prefix(src()).unwrap().to_string_lossy().replace('\\', "/");
        if relative == "net.rs" || relative.starts_with("net/") {
            continue;
        }
        let code = code_of(&file);
        for name in network {
            if code.contains(name) {
                violations.push(format!("src/{relative} uses `{name}`"));
            }
        }
    }
    assert!(violations.is_empty(), "network access belongs in src/net:\n{}", violations.join("\n"));
}

/// One exporter: the page and the CLI drive `domain::export::Exporter`; neither judges,
/// formats or counts export rows itself.
#[test]
fn the_page_and_the_cli_export_through_the_one_exporter() {
    let own_export = ["sft_record(", "text_record(", "ExportCounts::default()", ".add_line_error("];
    let mut violations = Vec::new();
    for file in rust_files(&src()) {
        let relative = file.strip_prefix(src()).unwrap().to_string_lossy().replace('\\', "/");
        if relative.starts_with("domain/") {
            continue;
        }
        let code = code_of(&file);
        for name in own_export {
            if code.contains(name) {
                violations.push(format!("src/{relative} uses `{name}`"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "export through domain::export::Exporter:\n{}",
        violations.join("\n")
    );
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let mut files = rust_files(&src());
    files.extend(rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")));
    files.extend(rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches")));
    let missing: Vec<String> = files
        .iter()
        .filter(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a `//!` doc:\n{}", missing.join("\n"));
}

#[test]
fn the_core_has_no_unwrap_on_data() {
    // Rows are untrusted: the core reports problems as diagnostics instead of panicking.
    let mut violations = Vec::new();
    for file in domain_files() {
        let code = code_of(&file);
        let code = code.split("#[cfg(test)]").next().unwrap_or("");
        for (idx, line) in code.lines().enumerate() {
            if line.contains(".unwrap()") || line.contains(".expect(") || line.contains("panic!(") {
                violations.push(format!("{}:{}: {}", file.display(), idx + 1, line.trim()));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "no unwrap/expect/panic in the core:\n{}",
        violations.join("\n")
    );
}
