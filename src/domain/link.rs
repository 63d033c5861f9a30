//! Links: what the page shows, as its URL query string, so any state can be shared and reloaded
//! on any static host (no server rewrites: everything is in the query).
//!
//! Keys: `dataset` (a Hub dataset id) or `file` (a JSONL URL), `config`, `split`, `row` (a row
//! index), `compare` (a second row index, compared with `row`), `step` (a message index in the
//! opened trajectory), the filter keys of
//! [`FilterSet`](crate::domain::filter::FilterSet), `tokenizer` (the model whose tokenizer
//! counts exact tokens, when not the default), and `endpoint` / `viewer_endpoint` when the
//! services are overridden (see [`Endpoints`]).

use crate::domain::filter::FilterSet;
use crate::domain::hub::Endpoints;

/// The state a link carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageLink {
    /// A Hub dataset id (`owner/name`), as typed; checked when opened.
    pub dataset: Option<String>,
    /// A JSONL file URL (relative to the page, or http(s)), instead of a dataset.
    pub file: Option<String>,
    /// The config.
    pub config: Option<String>,
    /// The split.
    pub split: Option<String>,
    /// The opened row's index in the split or file.
    pub row: Option<u64>,
    /// A second row's index, compared side by side with `row` (`compare=`).
    pub compare: Option<u64>,
    /// The selected message of the opened trajectory.
    pub step: Option<usize>,
    /// The filters.
    pub filter: FilterSet,
    /// The services' base URLs (defaults unless overridden).
    pub endpoints: Endpoints,
    /// How to read the split, when the user chose (`jsonl`, `parquet`, `rows`); automatic
    /// otherwise.
    pub source: Option<SourceChoice>,
    /// The Hub model id whose tokenizer counts exact tokens (`tokenizer=`), when not the
    /// default (`domain::tokens::DEFAULT_MODEL`).
    pub tokenizer: Option<String>,
}

/// A way to read a split, chosen by the user instead of automatically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceChoice {
    /// The repo's JSONL files.
    Jsonl,
    /// The parquet files.
    Parquet,
    /// The dataset viewer's `/rows`.
    Rows,
    /// The dataset viewer's `/filter` or `/search`, with what the filter can push down.
    Server,
}

impl SourceChoice {
    /// `jsonl`, `parquet` or `rows`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceChoice::Jsonl => "jsonl",
            SourceChoice::Parquet => "parquet",
            SourceChoice::Rows => "rows",
            SourceChoice::Server => "server",
        }
    }

    /// Parses `jsonl`, `parquet` or `rows`.
    pub fn parse(text: &str) -> Option<SourceChoice> {
        [SourceChoice::Jsonl, SourceChoice::Parquet, SourceChoice::Rows, SourceChoice::Server]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

/// Non-filter keys, in the order they are written.
const PAGE_KEYS: [&str; 12] = [
    "dataset",
    "file",
    "config",
    "split",
    "row",
    "compare",
    "step",
    "source",
    "tokenizer",
    "endpoint",
    "viewer_endpoint",
    "token",
];

impl PageLink {
    /// Reads a query string (with or without `?`). Unknown keys and bad values are ignored;
    /// a `token` key is never read (tokens do not go into URLs).
    pub fn from_query(query: &str) -> PageLink {
        let query = query.strip_prefix('?').unwrap_or(query);
        let parsed = FilterSet::from_query(query);
        let (endpoints, _) = Endpoints::from_query(query);
        let mut link = PageLink { filter: parsed.filter, endpoints, ..Default::default() };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let value = value.trim().to_owned();
            if value.is_empty() {
                continue;
            }
            match key.as_ref() {
                "dataset" => link.dataset = Some(value),
                "file" => link.file = Some(value),
                "config" => link.config = Some(value),
                "split" => link.split = Some(value),
                "row" => link.row = value.parse().ok(),
                "compare" => link.compare = value.parse().ok(),
                "step" => link.step = value.parse().ok(),
                "source" => link.source = SourceChoice::parse(&value),
                "tokenizer" => link.tokenizer = Some(value),
                _ => {}
            }
        }
        link
    }

    /// The query string: page keys first, then the filter's keys; defaults left out.
    pub fn to_query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        let row = self.row.map(|r| r.to_string());
        let compare = self.compare.map(|r| r.to_string());
        let step = self.step.map(|s| s.to_string());
        let source = self.source.map(|s| s.as_str().to_owned());
        for (key, value) in [
            ("dataset", self.dataset.as_ref()),
            ("file", self.file.as_ref()),
            ("config", self.config.as_ref()),
            ("split", self.split.as_ref()),
            ("row", row.as_ref()),
            ("compare", compare.as_ref()),
            ("step", step.as_ref()),
            ("source", source.as_ref()),
            ("tokenizer", self.tokenizer.as_ref()),
        ] {
            if let Some(value) = value {
                out.append_pair(key, value);
            }
        }
        for (key, value) in self.endpoints.to_query_pairs() {
            out.append_pair(key, &value);
        }
        let mut query = out.finish();
        let filter = self.filter.to_query();
        if !filter.is_empty() {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&filter);
        }
        query
    }

    /// Whether a key belongs to the page rather than to the filter.
    pub fn is_page_key(key: &str) -> bool {
        PAGE_KEYS.contains(&key)
    }

    /// A file name for an export of what this link shows: `owner-name_config_split.jsonl`
    /// with anything but letters, digits, `-`, `_` and `.` replaced by `-`.
    pub fn export_file_name(&self, suffix: &str) -> String {
        let source = self.dataset.clone().or_else(|| {
            self.file
                .as_deref()
                .map(|f| f.rsplit('/').next().unwrap_or(f).trim_end_matches(".jsonl").to_owned())
        });
        let parts: Vec<String> = [source, self.config.clone(), self.split.clone()]
            .into_iter()
            .flatten()
            .map(|part| {
                part.chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                            c
                        } else {
                            '-'
                        }
                    })
                    .collect()
            })
            .collect();
        let stem = if parts.is_empty() { "trajex".to_owned() } else { parts.join("_") };
        format!("{stem}{suffix}")
    }
}
