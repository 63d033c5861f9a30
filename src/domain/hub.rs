//! Hugging Face Hub and dataset-viewer vocabulary, as pure values: dataset ids and pasted URLs,
//! endpoints, URL building, response types and error mapping. No IO: `net` sends the requests
//! these build and hands the bytes back to these parsers.
//!
//! Formats follow the dataset-viewer API docs (`/is-valid`, `/splits`, `/info`, `/size`,
//! `/first-rows`, `/rows`, `/search`, `/filter`, `/parquet`) and the Hub API
//! (`/api/datasets/{id}`, `/tree`, `/parquet`, `/resolve`). Base URLs are the defaults of the
//! real services unless a page overrides them (`endpoint=`, `viewer_endpoint=`, the
//! `HF_ENDPOINT` convention).

mod error;
mod push_down;
mod response;
pub mod resume;
mod url;

pub use error::{ErrorResponse, HubError, HubErrorKind, RateLimit, RetryPolicy};
pub use push_down::{push_down, PushDown};
pub use response::{
    parse_json, DatasetInfoResponse, Feature, HubDatasetInfo, InfoResponse, IsValidResponse,
    ParquetFile, ParquetFilesResponse, RowEntry, RowsPage, Sibling, SizeBody, SizeResponse,
    SplitInfo, SplitSize, SplitsResponse, TreeEntry,
};
pub use resume::{BodyRead, ReadCounts, Take};
pub use url::{
    percent_decode, split_data_files, Endpoints, RowsQuery, DEFAULT_HUB, DEFAULT_VIEWER,
};

use serde::{Deserialize, Serialize};

/// The most rows the viewer's `/rows`, `/search` and `/filter` return per call.
pub const MAX_ROWS_PER_PAGE: u64 = 100;

/// A dataset id, `owner/name` (or a bare `name` for the few canonical datasets).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatasetId(String);

impl DatasetId {
    /// Validates an id: one or two segments of letters, digits, `-`, `_` and `.`, not starting
    /// or ending with `-` or `.`, at most 96 characters each (the Hub's repo-name rules).
    pub fn parse(text: &str) -> Result<DatasetId, String> {
        let text = text.trim().trim_matches('/');
        let segments: Vec<&str> = text.split('/').collect();
        let valid_segment = |s: &&str| {
            !s.is_empty()
                && s.len() <= 96
                && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && !s.starts_with(['-', '.'])
                && !s.ends_with(['-', '.'])
                && !s.contains("..")
        };
        if segments.is_empty() || segments.len() > 2 || !segments.iter().all(valid_segment) {
            return Err(format!("`{text}` is not a dataset id (expected owner/name)"));
        }
        Ok(DatasetId(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for DatasetId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One split of one config of a dataset (the viewer's `{dataset, config, split}`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SplitRef {
    /// The dataset.
    pub dataset: DatasetId,
    /// The config (the Hub's "subset") name.
    pub config: String,
    /// The split name.
    pub split: String,
}

/// Path segments after `datasets/owner/name/` on Hub pages.
const HUB_PAGE_SEGMENTS: [&str; 10] = [
    "viewer",
    "tree",
    "blob",
    "resolve",
    "raw",
    "discussions",
    "commits",
    "commit",
    "edit",
    "settings",
];

/// What a user typed or pasted: a dataset, optionally down to a config, split and row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetTarget {
    /// The dataset.
    pub dataset: DatasetId,
    /// The config, when the input named one.
    pub config: Option<String>,
    /// The split, when the input named one.
    pub split: Option<String>,
    /// The row index, when the input named one (`?row=`).
    pub row: Option<u64>,
}

/// Reads a dataset id or a pasted Hub URL:
/// `owner/name`, `https://huggingface.co/datasets/owner/name`,
/// `.../datasets/owner/name/viewer/config/split?row=12`, `.../datasets/owner/name/tree/main/...`,
/// `hf://datasets/owner/name`. Any host is accepted for URLs (mirrors keep the path shape).
pub fn parse_dataset_input(input: &str) -> Result<DatasetTarget, String> {
    let input = input.trim();
    let (path, query) = match input.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (input, None),
    };
    let path = path.split('#').next().unwrap_or(path);
    let after_datasets = match path.find("datasets/") {
        Some(at) if path.contains("://") || path.starts_with("datasets/") => &path[at + 9..],
        _ if path.contains("://") => {
            return Err(format!("`{input}` is not a dataset URL (expected …/datasets/owner/name)"))
        }
        _ => path,
    };
    let segments: Vec<String> =
        after_datasets.split('/').filter(|s| !s.is_empty()).map(url::percent_decode).collect();
    if segments.is_empty() {
        return Err("enter a dataset id (owner/name) or a dataset URL".to_owned());
    }
    let is_keyword = |segment: &str| HUB_PAGE_SEGMENTS.contains(&segment);
    let (id_len, rest) = match segments.get(1).map(String::as_str) {
        // `name/viewer/...`: a second segment that is a Hub page means a bare (canonical) name.
        Some(segment) if is_keyword(segment) => (1, &segments[1..]),
        None => (1, &segments[1..]),
        Some(_) => (2, &segments[2..]),
    };
    if rest.first().is_some_and(|segment| !is_keyword(segment)) {
        return Err(format!("`{input}` is not a dataset id (expected owner/name)"));
    }
    let dataset = DatasetId::parse(&segments[..id_len].join("/"))?;
    let (config, split) = match rest {
        [viewer, config, split, ..] if viewer == "viewer" => {
            (Some(config.clone()), Some(split.clone()))
        }
        [viewer, config] if viewer == "viewer" => (Some(config.clone()), None),
        _ => (None, None),
    };
    let row = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "row")
            .and_then(|(_, v)| v.parse::<u64>().ok())
    });
    Ok(DatasetTarget { dataset, config, split, row })
}

/// How the rows of a split are read, in order of preference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SplitSource {
    /// The repo's own JSONL files, streamed through `/resolve/` (each a resolve URL).
    Jsonl {
        /// Resolve URLs, in order.
        urls: Vec<String>,
    },
    /// The auto-converted (or original) parquet files, read with range requests.
    Parquet {
        /// The files, in order.
        files: Vec<ParquetFile>,
    },
    /// The dataset viewer's `/rows` of this split, page by page.
    ViewerRows(SplitRef),
    /// The rows of this split the viewer selects itself (`/filter` or `/search`), page by page.
    ViewerQuery(SplitRef, RowsQuery),
}

impl SplitSource {
    /// A short name for the user: `JSONL files`, `parquet`, `viewer rows`.
    pub fn describe(&self) -> String {
        match self {
            SplitSource::Jsonl { urls } => format!("{} JSONL file(s), streamed", urls.len()),
            SplitSource::Parquet { files } => {
                format!("{} parquet file(s), range requests", files.len())
            }
            SplitSource::ViewerRows(_) => "dataset viewer /rows".to_owned(),
            SplitSource::ViewerQuery(_, RowsQuery::Filter { where_clause, .. }) => {
                format!("dataset viewer /filter where {where_clause} (server-side; first 5 GB)")
            }
            SplitSource::ViewerQuery(_, RowsQuery::Search(text)) => {
                format!("dataset viewer /search “{text}” (server-side; first 5 GB)")
            }
            SplitSource::ViewerQuery(split, RowsQuery::All) => {
                SplitSource::ViewerRows(split.clone()).describe()
            }
        }
    }
}

/// Restricts a split's reading to one path when the repo offers it: the JSONL files or the
/// parquet files as [`choose_source`] would find them, or the viewer's rows (always possible).
/// `None` when the repo has no files for the asked path.
pub fn forced_source(
    endpoints: &Endpoints,
    split: &SplitRef,
    repo_files: &[String],
    revision: &str,
    parquet: &ParquetFilesResponse,
    choice: crate::domain::link::SourceChoice,
) -> Option<SplitSource> {
    use crate::domain::link::SourceChoice;
    match choice {
        SourceChoice::Rows | SourceChoice::Server => Some(SplitSource::ViewerRows(split.clone())),
        SourceChoice::Jsonl => match choose_source(
            endpoints,
            split,
            repo_files,
            revision,
            &ParquetFilesResponse::default(),
        ) {
            source @ SplitSource::Jsonl { .. } => Some(source),
            _ => None,
        },
        SourceChoice::Parquet => match choose_source(endpoints, split, &[], revision, parquet) {
            source @ SplitSource::Parquet { .. } => Some(source),
            _ => None,
        },
    }
}

/// Picks how to read a split: the repo's JSONL files when it has some for the split (streaming
/// them is the fastest and keeps rows byte for byte), else its parquet files, else the viewer's
/// `/rows` (always there for datasets the viewer supports).
pub fn choose_source(
    endpoints: &Endpoints,
    split: &SplitRef,
    repo_files: &[String],
    revision: &str,
    parquet: &ParquetFilesResponse,
) -> SplitSource {
    let jsonl = split_data_files(repo_files, &split.config, &split.split);
    if !jsonl.is_empty() {
        let urls =
            jsonl.iter().map(|path| endpoints.resolve(&split.dataset, revision, path)).collect();
        return SplitSource::Jsonl { urls };
    }
    let files: Vec<ParquetFile> = parquet.of_split(&split.config, &split.split).cloned().collect();
    if !files.is_empty() {
        return SplitSource::Parquet { files };
    }
    SplitSource::ViewerRows(split.clone())
}
