//! URL building for the Hub and the dataset viewer, from an [`Endpoints`] value. The real
//! services' base URLs appear here and nowhere else.

use super::{DatasetId, SplitRef};

/// The Hub's base URL (the `HF_ENDPOINT` default).
pub const DEFAULT_HUB: &str = "https://huggingface.co";
/// The dataset viewer's base URL.
pub const DEFAULT_VIEWER: &str = "https://datasets-server.huggingface.co";

/// Base URLs of the two services, without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// The Hub (`/api/datasets/...`, `/datasets/.../resolve/...`).
    pub hub: String,
    /// The dataset viewer (`/splits`, `/rows`, ...).
    pub viewer: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints { hub: DEFAULT_HUB.to_owned(), viewer: DEFAULT_VIEWER.to_owned() }
    }
}

/// Which rows a `/rows`, `/search` or `/filter` call asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowsQuery {
    /// All rows, in order (`/rows`).
    All,
    /// Rows containing a text (`/search?query=`).
    Search(String),
    /// Rows matching a SQL-like predicate (`/filter?where=&orderby=`).
    Filter {
        /// The `where` clause, e.g. `"resolved"=1 AND "language"='go'`.
        where_clause: String,
        /// The `orderby` clause (`"col"` or `"col" DESC`), empty for none.
        order_by: String,
    },
}

impl Endpoints {
    /// Endpoints from a page query string: `endpoint=` overrides the Hub, `viewer_endpoint=`
    /// the viewer. Only `http:` and `https:` URLs are accepted; rejected values are returned as
    /// messages and the default stays.
    pub fn from_query(query: &str) -> (Endpoints, Vec<String>) {
        let mut endpoints = Endpoints::default();
        let mut rejected = Vec::new();
        let query = query.strip_prefix('?').unwrap_or(query);
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match key.as_ref() {
                "endpoint" => &mut endpoints.hub,
                "viewer_endpoint" => &mut endpoints.viewer,
                _ => continue,
            };
            match base_url(&value) {
                Some(base) => *slot = base,
                None => rejected.push(format!("{key}={value}: only http(s) URLs are accepted")),
            }
        }
        (endpoints, rejected)
    }

    /// The query parameters that reproduce these endpoints (empty for the defaults), for links.
    pub fn to_query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if self.hub != DEFAULT_HUB {
            pairs.push(("endpoint", self.hub.clone()));
        }
        if self.viewer != DEFAULT_VIEWER {
            pairs.push(("viewer_endpoint", self.viewer.clone()));
        }
        pairs
    }

    /// Whether a URL goes to one of the default Hugging Face hosts (where a token may be sent
    /// without asking): the Hub or viewer defaults, or a subdomain of `huggingface.co` or
    /// `hf.co` (download redirects).
    pub fn is_hugging_face_url(url: &str) -> bool {
        let Some(host) = host_of(url) else { return false };
        let secure = url.starts_with("https://");
        secure
            && ["huggingface.co", "hf.co"]
                .iter()
                .any(|domain| host == *domain || host.ends_with(&format!(".{domain}")))
    }

    fn viewer_url(&self, route: &str, pairs: &[(&str, &str)]) -> String {
        format!("{}/{route}?{}", self.viewer, encode_pairs(pairs))
    }

    /// `/is-valid?dataset=`.
    pub fn is_valid(&self, dataset: &DatasetId) -> String {
        self.viewer_url("is-valid", &[("dataset", dataset.as_str())])
    }

    /// `/splits?dataset=`.
    pub fn splits(&self, dataset: &DatasetId) -> String {
        self.viewer_url("splits", &[("dataset", dataset.as_str())])
    }

    /// `/info?dataset=&config=`.
    pub fn info(&self, dataset: &DatasetId, config: &str) -> String {
        self.viewer_url("info", &[("dataset", dataset.as_str()), ("config", config)])
    }

    /// `/size?dataset=`.
    pub fn size(&self, dataset: &DatasetId) -> String {
        self.viewer_url("size", &[("dataset", dataset.as_str())])
    }

    /// `/parquet?dataset=`: the auto-converted parquet files of every split.
    pub fn parquet_files(&self, dataset: &DatasetId) -> String {
        self.viewer_url("parquet", &[("dataset", dataset.as_str())])
    }

    /// `/first-rows?dataset=&config=&split=`.
    pub fn first_rows(&self, split: &SplitRef) -> String {
        self.viewer_url("first-rows", &split_pairs(split))
    }

    /// `/rows`, `/search` or `/filter` for `length` rows from `offset` (length is clamped to
    /// [`super::MAX_ROWS_PER_PAGE`]).
    pub fn rows(&self, split: &SplitRef, query: &RowsQuery, offset: u64, length: u64) -> String {
        let offset = offset.to_string();
        let length = length.min(super::MAX_ROWS_PER_PAGE).to_string();
        let mut pairs = split_pairs(split);
        let route = match query {
            RowsQuery::All => "rows",
            RowsQuery::Search(text) => {
                pairs.push(("query", text));
                "search"
            }
            RowsQuery::Filter { where_clause, order_by } => {
                pairs.push(("where", where_clause));
                if !order_by.is_empty() {
                    pairs.push(("orderby", order_by));
                }
                "filter"
            }
        };
        pairs.push(("offset", &offset));
        pairs.push(("length", &length));
        self.viewer_url(route, &pairs)
    }

    /// `/api/datasets/{id}` (or `/revision/{rev}`): repo info with its files (`siblings`).
    pub fn dataset_info(&self, dataset: &DatasetId, revision: Option<&str>) -> String {
        match revision {
            Some(rev) => {
                format!("{}/api/datasets/{dataset}/revision/{}", self.hub, encode_segment(rev))
            }
            None => format!("{}/api/datasets/{dataset}", self.hub),
        }
    }

    /// `/api/datasets/{id}/tree/{rev}/{path}?recursive=true`.
    pub fn tree(&self, dataset: &DatasetId, revision: &str, path: &str) -> String {
        let path = path.trim_matches('/');
        let path = if path.is_empty() { String::new() } else { format!("/{}", encode_path(path)) };
        format!(
            "{}/api/datasets/{dataset}/tree/{}{path}?recursive=true",
            self.hub,
            encode_segment(revision)
        )
    }

    /// `/datasets/{id}/resolve/{rev}/{path}`: a file's bytes (ranges allowed). The revision is
    /// one segment: `refs/convert/parquet` is written `refs%2Fconvert%2Fparquet`.
    pub fn resolve(&self, dataset: &DatasetId, revision: &str, path: &str) -> String {
        format!(
            "{}/datasets/{dataset}/resolve/{}/{}",
            self.hub,
            encode_segment(revision),
            encode_path(path.trim_start_matches('/'))
        )
    }
}

impl Endpoints {
    /// `/{model}/resolve/{rev}/{path}`: a file of a model repo (models have no `datasets/`
    /// prefix). `model` is a validated `owner/name` id (`domain::tokens::ModelId`).
    pub fn resolve_model(&self, model: &str, revision: &str, path: &str) -> String {
        format!(
            "{}/{}/resolve/{}/{}",
            self.hub,
            encode_path(model),
            encode_segment(revision),
            encode_path(path.trim_start_matches('/'))
        )
    }
}

fn split_pairs(split: &SplitRef) -> Vec<(&str, &str)> {
    vec![("dataset", split.dataset.as_str()), ("config", &split.config), ("split", &split.split)]
}

fn encode_pairs(pairs: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        out.append_pair(key, value);
    }
    out.finish()
}

/// Percent-encodes one path segment (everything but unreserved characters).
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Percent-encodes a path, keeping its `/` separators.
fn encode_path(path: &str) -> String {
    path.split('/').map(encode_segment).collect::<Vec<_>>().join("/")
}

/// Decodes `%XX` escapes in a URL path segment (invalid escapes are kept as they are;
/// invalid UTF-8 is replaced).
pub fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while idx < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[idx],
            bytes.get(idx + 1).copied().and_then(hex),
            bytes.get(idx + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                idx += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                idx += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A base URL from user input: `http(s)://host[:port][/path]`, without a trailing slash.
fn base_url(value: &str) -> Option<String> {
    let value = value.trim().trim_end_matches('/');
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://"))?;
    let host = rest.split('/').next()?;
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    valid.then(|| value.to_owned())
}

/// The lower-case host of an absolute http(s) URL, without the port.
fn host_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    Some(host.to_ascii_lowercase())
}

/// The data files of one split among a repo's files (`siblings`), for streaming them directly:
/// JSONL or JSON files (`.jsonl`, `.json`, `.ndjson`) whose path names the split as a folder
/// (exactly) or as a file-name prefix (`train.jsonl`, `train-00000-of-00002.jsonl`,
/// `train/0.jsonl`),
/// and, when `config` is not `default`, also names the config as a folder or prefix. This
/// follows the Hub's file-name conventions for splits; repos configured otherwise (a README
/// `configs:` block) may need the parquet or rows paths instead. Sorted by path.
pub fn split_data_files(files: &[String], config: &str, split: &str) -> Vec<String> {
    // A folder must be named exactly; a file name may also start with `name.`, `name-`, `name_`.
    let names_part = |path: &str, name: &str| {
        let (name, path) = (name.to_ascii_lowercase(), path.to_ascii_lowercase());
        let mut parts: Vec<&str> = path.split('/').collect();
        let file = parts.pop().unwrap_or_default();
        parts.contains(&name.as_str())
            || file
                .strip_prefix(name.as_str())
                .is_some_and(|rest| rest.starts_with(['.', '-', '_']))
    };
    let mut matching: Vec<String> = files
        .iter()
        .filter(|path| {
            let lower = path.to_ascii_lowercase();
            [".jsonl", ".json", ".ndjson"].iter().any(|ext| lower.ends_with(ext))
        })
        .filter(|path| names_part(path, split))
        .filter(|path| config == "default" || names_part(path, config))
        .cloned()
        .collect();
    matching.sort();
    matching
}
