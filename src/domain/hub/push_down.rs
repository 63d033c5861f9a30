//! Server-side push-down: the part of a [`FilterSet`] the dataset viewer can answer itself,
//! as a `/filter` `where` clause (or a `/search` query), from the split's column types.
//!
//! The viewer's `where` syntax (dataset-viewer docs, `filter`): column names in double quotes,
//! string literals in single quotes (`''` escapes a quote), `= <> > >= < <=`, `AND`, `OR`,
//! `NOT`, parentheses. Only predicates on stored columns can be pushed down: the outcome (a
//! `resolved` int column, Open-SWE-Traces' 1 / 0 / -1, or a bool column `resolved` / `target`)
//! and the language (a `language` string column). Everything computed (tokens, patches, turns,
//! tools) is applied in the browser to the rows the viewer returns, as usual.

use serde_json::Value;

use super::RowsQuery;
use crate::domain::filter::FilterSet;
use crate::domain::trajectory::Outcome;

/// What the viewer can be asked for a filter set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushDown {
    /// The query to send (`/filter` with a `where` clause, else `/search` for the text filter);
    /// `None` when nothing can be pushed down.
    pub query: Option<RowsQuery>,
    /// The filter keys the viewer answers (the rest are applied in the browser).
    pub pushed: Vec<&'static str>,
}

/// The dtype of a top-level column in the `datasets` features of `/info` or `/rows`
/// (`{"name": {"dtype": "int32", "_type": "Value"}}`), if it is a plain value.
fn dtype<'a>(features: &'a Value, column: &str) -> Option<&'a str> {
    let feature = match features {
        Value::Object(map) => map.get(column)?,
        // `/rows` lists features as `[{name, type}]`.
        Value::Array(items) => items
            .iter()
            .find(|f| f.get("name").and_then(Value::as_str) == Some(column))?
            .get("type")?,
        _ => return None,
    };
    feature.get("dtype")?.as_str()
}

/// A string literal in the viewer's syntax.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The push-down of `filter` for a split with these features.
pub fn push_down(filter: &FilterSet, features: &Value) -> PushDown {
    let mut clauses = Vec::new();
    let mut pushed = Vec::new();
    if !filter.outcomes.is_empty() {
        let column = ["resolved", "target", "is_resolved"]
            .into_iter()
            .find_map(|c| Some((c, dtype(features, c)?)));
        let terms: Option<Vec<String>> = match column {
            Some((name, dtype)) if dtype.starts_with("int") => Some(
                filter
                    .outcomes
                    .iter()
                    .map(|o| match o {
                        Outcome::Resolved => format!("\"{name}\"=1"),
                        Outcome::Failed => format!("\"{name}\"=0"),
                        Outcome::Unknown => format!("\"{name}\"=-1"),
                    })
                    .collect(),
            ),
            Some((name, "bool")) if !filter.outcomes.contains(&Outcome::Unknown) => Some(
                filter
                    .outcomes
                    .iter()
                    .map(|o| format!("\"{name}\"={}", *o == Outcome::Resolved))
                    .collect(),
            ),
            _ => None,
        };
        if let Some(terms) = terms {
            clauses.push(format!("({})", terms.join(" OR ")));
            pushed.push("outcome");
        }
    }
    if dtype(features, "language") == Some("string") {
        if !filter.languages.is_empty() {
            let terms: Vec<String> =
                filter.languages.iter().map(|l| format!("\"language\"={}", literal(l))).collect();
            clauses.push(format!("({})", terms.join(" OR ")));
            pushed.push("lang");
        }
        for language in &filter.exclude_languages {
            clauses.push(format!("\"language\"<>{}", literal(language)));
            if !pushed.contains(&"lang_not") {
                pushed.push("lang_not");
            }
        }
    }
    let query = if !clauses.is_empty() {
        Some(RowsQuery::Filter { where_clause: clauses.join(" AND "), order_by: String::new() })
    } else if let Some(text) =
        filter.text.as_ref().filter(|t| !t.trim().is_empty() && filter.text_role.is_none())
    {
        pushed.push("q");
        Some(RowsQuery::Search(text.clone()))
    } else {
        None
    };
    PushDown { query, pushed }
}
