//! Response bodies of the dataset viewer and the Hub, as typed values. Fields the app does not
//! use are ignored; missing optional fields take their defaults, so a response that grows new
//! fields still parses.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::{HubError, HubErrorKind, SplitRef};

/// Parses a JSON body; a body that does not match gives a [`HubErrorKind::Decode`] error
/// naming `url`.
pub fn parse_json<T: DeserializeOwned>(body: &[u8], url: &str) -> Result<T, HubError> {
    serde_json::from_slice(body).map_err(|err| HubError {
        kind: HubErrorKind::Decode,
        status: 200,
        code: None,
        message: format!("unexpected response: {err}"),
        url: url.to_owned(),
        retry_after_seconds: None,
    })
}

/// `/is-valid`: which viewer features a dataset supports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct IsValidResponse {
    /// The viewer can show it.
    #[serde(default)]
    pub viewer: bool,
    /// `/first-rows` works.
    #[serde(default)]
    pub preview: bool,
    /// `/search` works.
    #[serde(default)]
    pub search: bool,
    /// `/filter` works.
    #[serde(default)]
    pub filter: bool,
}

/// `/splits`: the dataset's (config, split) pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct SplitsResponse {
    /// Every split the viewer knows.
    pub splits: Vec<SplitRef>,
    /// Configs still being processed.
    #[serde(default)]
    pub pending: Vec<Value>,
    /// Configs that failed to process.
    #[serde(default)]
    pub failed: Vec<Value>,
}

/// `/info`: one config's features and split sizes.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct InfoResponse {
    /// The `datasets` library's info of the config.
    pub dataset_info: DatasetInfoResponse,
    /// True when computed on part of the data.
    #[serde(default)]
    pub partial: bool,
}

/// The `dataset_info` of an [`InfoResponse`].
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct DatasetInfoResponse {
    /// Column types in the `datasets` library's feature format.
    #[serde(default)]
    pub features: Value,
    /// Sizes per split name.
    #[serde(default)]
    pub splits: BTreeMap<String, SplitInfo>,
    /// Bytes of the original files.
    #[serde(default)]
    pub download_size: Option<u64>,
    /// Bytes in memory.
    #[serde(default)]
    pub dataset_size: Option<u64>,
}

/// Size of one split in an [`InfoResponse`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct SplitInfo {
    /// Bytes in memory.
    #[serde(default)]
    pub num_bytes: u64,
    /// Rows.
    #[serde(default)]
    pub num_examples: u64,
}

/// `/size`: bytes and rows of the dataset, its configs and splits.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SizeResponse {
    /// The sizes.
    pub size: SizeBody,
    /// True when computed on part of the data.
    #[serde(default)]
    pub partial: bool,
}

/// The `size` member of a [`SizeResponse`].
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct SizeBody {
    /// Per split.
    #[serde(default)]
    pub splits: Vec<SplitSize>,
}

/// One split's size in a [`SizeResponse`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct SplitSize {
    /// Config name.
    pub config: String,
    /// Split name.
    pub split: String,
    /// Rows.
    #[serde(default)]
    pub num_rows: u64,
    /// Bytes of the auto-converted parquet files.
    #[serde(default)]
    pub num_bytes_parquet_files: u64,
    /// Bytes in memory.
    #[serde(default)]
    pub num_bytes_memory: u64,
}

impl SizeResponse {
    /// Rows of one split, if listed.
    pub fn rows_of(&self, config: &str, split: &str) -> Option<u64> {
        self.size.splits.iter().find(|s| s.config == config && s.split == split).map(|s| s.num_rows)
    }
}

/// A column of a [`RowsPage`].
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Feature {
    /// Column position.
    pub feature_idx: u64,
    /// Column name.
    pub name: String,
    /// Column type, in the `datasets` feature format.
    #[serde(rename = "type")]
    pub feature_type: Value,
}

/// One row of a [`RowsPage`].
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RowEntry {
    /// The row's index in the split.
    pub row_idx: u64,
    /// The row, column name to value.
    pub row: Value,
    /// Columns whose value was cut to fit the response (only `/first-rows` does this).
    #[serde(default)]
    pub truncated_cells: Vec<String>,
}

/// A page of `/rows`, `/search`, `/filter` or `/first-rows`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RowsPage {
    /// Columns.
    #[serde(default)]
    pub features: Vec<Feature>,
    /// Rows of this page.
    pub rows: Vec<RowEntry>,
    /// Rows in the split (or matching the search or filter).
    #[serde(default)]
    pub num_rows_total: Option<u64>,
    /// Rows per page (100).
    #[serde(default)]
    pub num_rows_per_page: Option<u64>,
    /// True when the index covers only part of the data (the first 5 GB).
    #[serde(default)]
    pub partial: bool,
}

/// `/parquet`: the auto-converted parquet files.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ParquetFilesResponse {
    /// Every file of every split, in order.
    pub parquet_files: Vec<ParquetFile>,
    /// True when only part of the data was converted.
    #[serde(default)]
    pub partial: bool,
}

/// One parquet file of a [`ParquetFilesResponse`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ParquetFile {
    /// Config name.
    pub config: String,
    /// Split name.
    pub split: String,
    /// Where to download it (a resolve URL on the `refs/convert/parquet` revision).
    pub url: String,
    /// File name.
    pub filename: String,
    /// Bytes.
    #[serde(default)]
    pub size: u64,
}

impl ParquetFilesResponse {
    /// The files of one split, in order.
    pub fn of_split<'a>(
        &'a self,
        config: &'a str,
        split: &'a str,
    ) -> impl Iterator<Item = &'a ParquetFile> {
        self.parquet_files.iter().filter(move |f| f.config == config && f.split == split)
    }
}

/// `/api/datasets/{id}`: repo info.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct HubDatasetInfo {
    /// `owner/name`.
    #[serde(default)]
    pub id: String,
    /// The commit of the revision asked for.
    #[serde(default)]
    pub sha: Option<String>,
    /// `false`, or `"auto"`/`"manual"` for gated datasets.
    #[serde(default)]
    pub gated: Value,
    /// Private repo.
    #[serde(default)]
    pub private: bool,
    /// Every file of the repo.
    #[serde(default)]
    pub siblings: Vec<Sibling>,
}

/// One file of a [`HubDatasetInfo`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Sibling {
    /// Path in the repo.
    pub rfilename: String,
}

impl HubDatasetInfo {
    /// The repo's file paths.
    pub fn files(&self) -> Vec<String> {
        self.siblings.iter().map(|s| s.rfilename.clone()).collect()
    }

    /// Whether the repo is gated (access must be requested, a token is needed).
    pub fn is_gated(&self) -> bool {
        !matches!(self.gated, Value::Null | Value::Bool(false))
    }
}

/// One entry of `/api/datasets/{id}/tree/{rev}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TreeEntry {
    /// `file` or `directory`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// Path in the repo.
    pub path: String,
    /// Bytes (files).
    #[serde(default)]
    pub size: u64,
}
