//! The resumable body read (`domain::hub::resume`): the headers it asks with, how it judges
//! responses, its retry budget, and a simulated server with random fault schedules (cut bodies,
//! 429s, 5xx bursts, a server that ignores ranges, a file that changes mid-read) under which a
//! JSONL reader built on it hands on every line exactly once, in order, and never joins bytes of
//! two versions of a file.

use proptest::prelude::*;
use trajex::domain::hub::resume::{changed_error, total_length};
use trajex::domain::hub::{BodyRead, HubError, HubErrorKind, RetryPolicy, Take};
use trajex::domain::stream::{JsonlDecoder, OnceGuard, RowKey};

fn headers(read: &BodyRead) -> Vec<(String, String)> {
    read.request_headers().into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn a_whole_file_resumes_from_the_bytes_kept_guarded_by_its_etag() {
    let mut read = BodyRead::new("u", 0, None);
    assert_eq!(headers(&read), h(&[]));
    assert_eq!(read.on_response(200, None, Some("\"abc\"")).unwrap(), Take::Continue { skip: 0 });
    read.keep(100);
    assert_eq!(headers(&read), h(&[("Range", "bytes=100-"), ("If-Range", "\"abc\"")]));
    // A JSONL reader keeps only whole lines.
    read.keep_until(60);
    assert_eq!(read.offset(), 60);
    let delay = read.on_failure(&HubError::network("u", "cut"), &RetryPolicy::default(), 0.0);
    assert_eq!(delay, Ok(250), "half the first backoff with jitter 0");
    assert_eq!(read.counts.retries, 1);
    assert_eq!(read.counts.resumed, 1);
    assert_eq!(headers(&read), h(&[("Range", "bytes=60-"), ("If-Range", "\"abc\"")]));
    assert_eq!(
        read.on_response(206, Some("bytes 60-999/1000"), Some("\"abc\"")).unwrap(),
        Take::Continue { skip: 0 }
    );
    // A server that ignores the range sends the file from its start: skip what is kept.
    assert_eq!(read.on_response(200, None, Some("\"abc\"")).unwrap(), Take::Continue { skip: 60 });
    // A 206 from before the offset is trimmed; from after it is an error.
    assert_eq!(
        read.on_response(206, Some("bytes 50-999/1000"), Some("\"abc\"")).unwrap(),
        Take::Continue { skip: 10 }
    );
    assert!(read.on_response(206, Some("bytes 70-999/1000"), Some("\"abc\"")).is_err());
    assert!(read.on_response(206, None, Some("\"abc\"")).is_err());
}

#[test]
fn another_etag_is_a_changed_file_and_a_restart_forgets_everything() {
    let mut read = BodyRead::new("u", 0, None);
    read.on_response(200, None, Some("\"v1\"")).unwrap();
    read.keep(500);
    let take = read.on_response(200, None, Some("\"v2\"")).unwrap();
    assert_eq!(take, Take::Changed { was: Some("\"v1\"".into()), now: Some("\"v2\"".into()) });
    // Weak and strong forms of one tag are the same version.
    assert!(matches!(
        read.on_response(206, Some("bytes 500-900/901"), Some("W/\"v1\"")),
        Ok(Take::Continue { .. })
    ));
    read.restart(Some("\"v2\""));
    assert_eq!(read.offset(), 0);
    assert_eq!(read.validator(), Some("\"v2\""));
    assert_eq!(read.counts.restarted, 1);
    assert_eq!(headers(&read), h(&[]));
    let error = changed_error("u", Some("\"v1\""), Some("\"v2\""));
    assert_eq!(error.kind, HubErrorKind::Changed);
    assert!(!error.is_retryable());
    assert!(error.message.contains("\"v1\" became \"v2\""), "{}", error.message);
}

#[test]
fn a_weak_etag_checks_versions_but_never_guards_a_range() {
    let mut read = BodyRead::new("u", 0, None);
    read.on_response(200, None, Some("W/\"w\"")).unwrap();
    read.keep(10);
    assert_eq!(headers(&read), h(&[("Range", "bytes=10-")]));
}

#[test]
fn a_span_asks_for_its_bytes_and_refuses_the_whole_file() {
    let mut read = BodyRead::new("u", 1000, Some(2000)).with_validator(Some("\"e\""));
    assert_eq!(headers(&read), h(&[("Range", "bytes=1000-1999"), ("If-Range", "\"e\"")]));
    assert!(read.on_response(200, None, Some("\"e\"")).is_err());
    read.on_response(206, Some("bytes 1000-1999/5000"), Some("\"e\"")).unwrap();
    read.keep(400);
    assert!(!read.is_complete());
    assert_eq!(headers(&read)[0], ("Range".to_owned(), "bytes=1400-1999".to_owned()));
    read.keep(600);
    assert!(read.is_complete());
}

#[test]
fn a_suffix_read_becomes_the_span_the_server_names() {
    let mut read = BodyRead::suffix("u", 4096);
    assert_eq!(headers(&read), h(&[("Range", "bytes=-4096")]));
    read.on_response(206, Some("bytes 5904-9999/10000"), Some("\"p\"")).unwrap();
    assert_eq!((read.start(), read.file_len()), (5904, Some(10000)));
    read.keep(1000);
    assert_eq!(headers(&read), h(&[("Range", "bytes=6904-9999"), ("If-Range", "\"p\"")]));
    assert!(BodyRead::suffix("u", 10).on_response(200, None, None).is_err(), "range ignored");
    assert_eq!(total_length("bytes 0-9/10"), Some(10));
}

#[test]
fn an_api_answer_is_asked_for_again_whole() {
    let mut read = BodyRead::answer("u");
    read.on_response(200, None, None).unwrap();
    read.keep(300);
    read.on_failure(&HubError::network("u", "cut"), &RetryPolicy::default(), 0.5).unwrap();
    assert_eq!(read.offset(), 0);
    assert_eq!(headers(&read), h(&[]));
    assert_eq!(read.counts.resumed, 0);
}

#[test]
fn the_budget_counts_failures_without_progress_and_names_the_offset() {
    let policy = RetryPolicy { max_attempts: 3, base_delay_ms: 100, max_delay_ms: 1000 };
    let mut read = BodyRead::new("file.jsonl", 0, None);
    let cut = HubError::network("file.jsonl", "connection lost");
    for _ in 0..10 {
        // Each try brings bytes: the budget never runs out.
        read.keep(10);
        read.on_failure(&cut, &policy, 1.0).unwrap();
    }
    assert!(read.on_failure(&cut, &policy, 1.0).is_ok());
    let error = read.on_failure(&cut, &policy, 1.0).unwrap_err();
    assert!(error.message.contains("gave up after 3 tries at byte 100"), "{}", error.message);
    // What cannot succeed later is not tried again.
    let mut read = BodyRead::new("u", 0, None);
    let not_found = HubError { kind: HubErrorKind::NotFound, status: 404, ..cut.clone() };
    assert!(read.on_failure(&not_found, &policy, 0.5).is_err());
    assert_eq!(read.counts.retries, 0);
}

#[test]
fn jitter_spreads_backoff_but_keeps_the_services_wait() {
    let policy = RetryPolicy { max_attempts: 6, base_delay_ms: 1000, max_delay_ms: 30_000 };
    let server =
        HubError { kind: HubErrorKind::Server, status: 503, ..HubError::network("u", "x") };
    assert_eq!(policy.delay_with_jitter(2, &server, 0.0), Some(1000));
    assert_eq!(policy.delay_with_jitter(2, &server, 0.5), Some(1500));
    assert_eq!(policy.delay_with_jitter(2, &server, 1.0), Some(2000));
    assert_eq!(policy.delay_ms(2, &server), Some(2000));
    let limited = HubError {
        kind: HubErrorKind::RateLimited,
        status: 429,
        retry_after_seconds: Some(3),
        ..HubError::network("u", "x")
    };
    assert_eq!(policy.delay_with_jitter(1, &limited, 0.0), Some(3000));
}

#[test]
fn the_guard_admits_each_key_once_in_order() {
    let mut guard = OnceGuard::default();
    let key = |file, position| RowKey { file, position, part: 0 };
    assert!(guard.admit(key(0, 0)));
    assert!(guard.admit(key(0, 120)));
    assert!(!guard.admit(key(0, 120)));
    assert!(!guard.admit(key(0, 0)));
    assert!(guard.admit(RowKey { part: 1, ..key(0, 120) }), "a second row from the same bytes");
    assert!(!guard.admit(key(0, 120)));
    assert!(guard.admit(key(1, 0)));
    assert_eq!(guard.repeated, 3);
    guard.reset();
    assert!(guard.admit(key(0, 0)));
}

/// One simulated request's fate.
#[derive(Clone, Debug)]
enum Fault {
    None,
    /// The body stops after this share (per mille) of its bytes.
    Cut(u16),
    /// An error status before any body (429 with a wait, or a 5xx).
    Status(u16),
    /// The server ignores the range and sends the whole file.
    IgnoreRange,
}

/// A server holding `versions` of one file; the file becomes the next version after
/// `change_after` requests. It honours `Range` and `If-Range` like the Hub unless a fault says
/// otherwise.
struct Server {
    versions: Vec<Vec<u8>>,
    change_after: Option<usize>,
    requests: usize,
}

impl Server {
    fn version(&self) -> usize {
        match self.change_after {
            Some(n) if self.requests > n => 1,
            _ => 0,
        }
    }

    fn etag(&self) -> String {
        format!("\"v{}\"", self.version())
    }

    /// status, content-range, etag, body (cut when `complete` is false).
    fn get(
        &mut self,
        headers: &[(&str, String)],
        fault: &Fault,
    ) -> Result<(u16, Option<String>, String, Vec<u8>, bool), HubError> {
        self.requests += 1;
        if let Fault::Status(status) = fault {
            let kind =
                if *status == 429 { HubErrorKind::RateLimited } else { HubErrorKind::Server };
            return Err(HubError {
                kind,
                status: *status,
                retry_after_seconds: (*status == 429).then_some(1),
                ..HubError::network("f", "fault")
            });
        }
        let file = &self.versions[self.version()];
        let etag = self.etag();
        let header = |name: &str| headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
        let range = header("Range").filter(|_| !matches!(fault, Fault::IgnoreRange));
        let range = range.filter(|_| header("If-Range").is_none_or(|v| v == etag));
        let (status, content_range, body) = match range {
            Some(range) => {
                let from: usize =
                    range.trim_start_matches("bytes=").trim_end_matches('-').parse().unwrap();
                let from = from.min(file.len());
                (
                    206,
                    Some(format!("bytes {from}-{}/{}", file.len().saturating_sub(1), file.len())),
                    file[from..].to_vec(),
                )
            }
            None => (200, None, file.clone()),
        };
        let (body, complete) = match fault {
            Fault::Cut(per_mille) => {
                let n = body.len() * *per_mille as usize / 1000;
                (body[..n].to_vec(), false)
            }
            _ => (body, true),
        };
        Ok((status, content_range, etag, body, complete))
    }
}

fn jsonl(tag: &str, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        out.extend_from_slice(
            format!("{{\"v\":\"{tag}\",\"i\":{i},\"pad\":\"{}\"}}\n", "x".repeat(i * 7 % 50))
                .as_bytes(),
        );
    }
    out
}

/// A JSONL reader on [`BodyRead`], as the browser's stream does it: lines are handed on as
/// they complete, keyed by byte offset; a cut resumes from the last whole line; a changed file
/// voids what was handed on and starts again. Returns what a consumer behind an [`OnceGuard`]
/// holds at the end, and the read's counts.
fn read_all(
    server: &mut Server,
    schedule: &[Fault],
) -> Result<(Vec<String>, BodyRead, u64), HubError> {
    let policy = RetryPolicy { max_attempts: 8, base_delay_ms: 1, max_delay_ms: 4 };
    let mut read = BodyRead::new("f", 0, None);
    let mut decoder = JsonlDecoder::new();
    let mut out: Vec<String> = Vec::new();
    let mut guard = OnceGuard::default();
    let mut faults = schedule.iter().cloned().chain(std::iter::repeat(Fault::None));
    loop {
        let fault = faults.next().unwrap_or(Fault::None);
        let answer = server.get(&read.request_headers(), &fault);
        let (status, content_range, etag, body, complete) = match answer {
            Ok(answer) => answer,
            Err(error) => {
                read.on_failure(&error, &policy, 0.5)?;
                continue;
            }
        };
        let skip = match read.on_response(status, content_range.as_deref(), Some(&etag))? {
            Take::Continue { skip } => skip,
            Take::Changed { now, .. } => {
                // Void what was handed on; the body is usable only when it is the whole file.
                out.clear();
                guard.reset();
                decoder = JsonlDecoder::new();
                read.restart(now.as_deref());
                if status != 200 {
                    continue;
                }
                0
            }
        };
        let body = &body[(skip as usize).min(body.len())..];
        // Feed in two pieces, to cut lines across pushes.
        for piece in body.chunks(body.len() / 2 + 1) {
            decoder.push(piece, |row| {
                let row = row.expect("valid line");
                if guard.admit(RowKey { file: 0, position: row.byte_offset, part: 0 }) {
                    out.push(row.value.to_string());
                }
            });
            read.keep_until(decoder.resume_offset());
        }
        if complete {
            decoder.finish(|row| out.push(row.expect("valid last line").value.to_string()));
            return Ok((out, read, guard.repeated));
        }
        decoder.discard_pending();
        read.on_failure(&HubError::network("f", "connection lost"), &policy, 0.5)?;
    }
}

fn lines_of(file: &[u8]) -> Vec<String> {
    file.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice::<serde_json::Value>(l).unwrap().to_string())
        .collect()
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        3 => Just(Fault::None),
        3 => (0u16..1000).prop_map(Fault::Cut),
        1 => prop_oneof![Just(429u16), Just(500), Just(503)].prop_map(Fault::Status),
        1 => Just(Fault::IgnoreRange),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Every line exactly once and in order, whatever the schedule; with a change mid-read,
    /// exactly the new version's lines (never a mix).
    #[test]
    fn every_line_once_in_order_under_any_schedule(
        schedule in proptest::collection::vec(fault(), 0..12),
        rows in 1usize..30,
        change_after in proptest::option::of(0usize..8),
    ) {
        let versions = vec![jsonl("old", rows), jsonl("new", rows + 3)];
        let mut server = Server { versions: versions.clone(), change_after, requests: 0 };
        // Enough budget that only a schedule of more than 8 failures in a row can exhaust it.
        let (got, read, repeated) = read_all(&mut server, &schedule).unwrap();
        let expected = lines_of(&versions[server.version()]);
        prop_assert_eq!(&got, &expected);
        prop_assert_eq!(repeated, 0, "the reader never hands a line on twice");
        prop_assert!(read.counts.restarted <= 1);
        let cuts = schedule.iter().filter(|f| matches!(f, Fault::Cut(_))).count() as u64;
        prop_assert!(read.counts.retries <= schedule.len() as u64 + 1);
        prop_assert!(read.counts.resumed <= cuts + schedule.len() as u64);
    }
}
