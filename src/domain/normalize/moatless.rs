//! Moatless Tools trajectories (aorwall/moatless-tools, aorwall/moatless-tree-search), in the
//! layouts their `trajectory.json` files have had:
//!
//! - **Transitions** (the state-machine loops of 2024, `moatless/trajectory.py`,
//!   `moatless/loop.py`): `{name, initial_message, transitions: [{id?, name, properties?,
//!   state?, snapshot?, timestamp?, actions: [...]}], info: {instance_id, status, total_cost,
//!   submission, ...}, current_transition_id?, workspace?, transition_rules?}`. A transition is a
//!   state (`SearchCode`, `IdentifyCode`, `DecideRelevance`, `PlanToCode`, `EditCode`,
//!   `Finished`, `Rejected`, ...). Its actions are `{action: {thoughts?, action?|...}, output,
//!   completion_cost}` (June 2024, `AgenticLoop`) or `{request: {scratch_pad?, ...}, response:
//!   {trigger, output}, completion: {model, input, response, usage}}` (August 2024,
//!   `MoatlessTools`).
//! - **Search trees** (`moatless/search_tree.py`, `moatless/node.py`): a `SearchTree` dump
//!   `{root: {node_id, children: [...], ...}, metadata, unique_id, agent, selector, ...}`, a flat
//!   `{nodes: [{node_id, parent_id, ...}]}` (`Node.dump_as_list`), a bare root node, or a bare
//!   list of nodes (the [`NODES`] list adapter). A node holds `action_steps: [{action,
//!   observation, completion}]` (newer) or one `action` with its `observation` / `output`
//!   (older), `user_message` / `message`, `assistant_message`, `thoughts`, `completions:
//!   {build_action: {model, input, response, usage}, ...}`, `reward: {value, explanation}`,
//!   `visits`, `value`, `terminal`, `file_context: {files: [{file_path, patch}]}`.
//!
//! Mapping to the model:
//! - the conversation is read from the actions (transitions) or the action steps (nodes), never
//!   also from the completions' `input` messages, which repeat it (so no call is counted twice).
//!   A transition's action, or a node's action steps, become one assistant message whose
//!   `thoughts` / `scratch_pad` is its reasoning, with one tool call per action (named by the
//!   transition's state; for nodes by the action's `name`, else its `action_args_class`
//!   without the `Args` suffix, else the tool the completion called), and one tool message per
//!   output / observation, linked by a generated id (`t<transition>-a<action>`,
//!   `node<id>-<step>`).
//! - `initial_message` (transitions) and the nodes' `user_message` / `message` are user
//!   messages; the agent's `system_prompt` (search trees) is the system message.
//! - a search tree is read as ONE path, from the root to the chosen node: the finished node
//!   (`terminal`, a terminal observation, or a `Finish` action) with the highest reward (then
//!   the highest node id), else, when none finished, the leaf with the highest reward (then the
//!   highest id). The metadata says what was chosen and lists the rest: `moatless_nodes` (count),
//!   `moatless_path` (node ids), `moatless_selected_node`, `moatless_selection`,
//!   `moatless_branches` (`[{node_id, depth, reward, finished}]` for every other leaf).
//! - tokens and cost of every completion in the file (all nodes, not only the path) go to
//!   `input_tokens`, `output_tokens`, `cached_tokens`, `cost_usd` (`info.total_cost` when the
//!   file has it), the models used to `models` and the first one to the model id; the chosen
//!   node's reward to `reward` and `reward_explanation`; `info.instance_id` (or
//!   `metadata.instance_id`) to the instance id; `info.status` (else a final `Finished` /
//!   `Rejected` state) to the exit status.
//! - the final patch is `info.submission` when present; else the chosen node's
//!   `file_context.files[].patch` joined (the patch the harness would submit); else the last
//!   `diff` an action reported (marked inferred).
//!
//! Guessed: the choice of a tree's path when nothing finished, and the tool names of transition
//! actions (the state's name: the file does not record which function of the state was called).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::json::{self, Loc};
use super::{ArrayAdapter, ObjectAdapter};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, PatchText, Role, ToolCall, Trajectory};

/// The object-row adapter: a `trajectory.json` with `transitions`, or a search tree.
pub(super) const TRAJECTORY: ObjectAdapter = ObjectAdapter {
    format: Format::Moatless,
    misfit: |map| {
        layout_of(map).is_none().then(|| {
            "no `transitions` list of states, no `root` node and no `nodes` list with `node_id`"
                .into()
        })
    },
    read: read_trajectory,
};

/// The list adapter: a bare list of search-tree nodes (`Node.dump_as_list` written alone).
pub(super) const NODES: ArrayAdapter = ArrayAdapter {
    format: Format::Moatless,
    misfit: |items| {
        (!is_node_list(items)).then(|| "items are not search-tree nodes with `node_id`".into())
    },
    read: |items, path, trajectory| {
        trajectory.format = Format::Moatless;
        let mut rest = Map::new();
        read_tree(TreeSource::List(items), &path.to_string(), &mut rest, trajectory);
        // A bare list has no field reader after it: the model id is set here and the figures
        // go to the metadata.
        if let Some(Value::String(model)) = rest.remove("model") {
            trajectory.ids.model = Some(model);
        }
        trajectory.metadata.extend(rest);
    },
};

/// The layouts of a Moatless object row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// `transitions`: the state-machine loops.
    Transitions,
    /// `root`: a search tree with nested `children`.
    Root,
    /// `nodes`: a flat list of nodes with `parent_id`.
    Nodes,
    /// The row is itself a root node.
    Node,
}

/// Keys that only a node has, beside `node_id`.
const NODE_KEYS: [&str; 6] =
    ["children", "action_steps", "action", "parent_id", "user_message", "completions"];

/// Whether a value is a search-tree node: an object with a numeric `node_id`, no `role`, and
/// one of the node's other keys.
fn is_node(value: &Value) -> bool {
    let Value::Object(map) = value else { return false };
    is_node_map(map)
}

fn is_node_map(map: &Map<String, Value>) -> bool {
    map.get("node_id").is_some_and(Value::is_number)
        && !map.contains_key("role")
        && NODE_KEYS.iter().any(|key| map.contains_key(*key))
}

/// Whether a list's first items are all search-tree nodes.
fn is_node_list(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().take(4).all(is_node)
}

fn layout_of(map: &Map<String, Value>) -> Option<Layout> {
    if let Some(Value::Array(transitions)) = map.get("transitions") {
        let is_state = |t: &Value| {
            t.get("name").is_some_and(Value::is_string)
                && t.get("role").is_none()
                && (t.get("actions").is_some()
                    || t.get("properties").is_some()
                    || t.get("state").is_some()
                    || t.get("id").is_some())
        };
        let head = || transitions.iter().take(4);
        let all_states = !transitions.is_empty() && head().all(is_state);
        // With the task beside them, one state among the first items is enough (the others
        // may be damaged; they are skipped with a diagnostic).
        let task = map.contains_key("initial_message");
        if all_states || (task && (transitions.is_empty() || head().any(is_state))) {
            return Some(Layout::Transitions);
        }
    }
    if map.get("root").is_some_and(is_node) {
        return Some(Layout::Root);
    }
    if let Some(Value::Array(nodes)) = map.get("nodes") {
        if is_node_list(nodes) {
            return Some(Layout::Nodes);
        }
    }
    is_node_map(map).then_some(Layout::Node)
}

/// Reads a Moatless object row (see the module doc), removing what it used from `map`.
fn read_trajectory(map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    trajectory.format = Format::Moatless;
    match layout_of(map) {
        Some(Layout::Transitions) => read_transitions(map, trajectory),
        Some(Layout::Root) => {
            let root = map.remove("root").unwrap_or(Value::Null);
            read_tree(TreeSource::Nested(root), "/root", map, trajectory);
        }
        Some(Layout::Nodes) => {
            let nodes = match map.remove("nodes") {
                Some(Value::Array(nodes)) => nodes,
                _ => Vec::new(),
            };
            read_tree(TreeSource::List(nodes), "/nodes", map, trajectory);
        }
        Some(Layout::Node) => {
            // The row is the root node itself: its fields are the node's.
            let node = Value::Object(std::mem::take(map));
            read_tree(TreeSource::Nested(node), "", map, trajectory);
        }
        None => trajectory.diagnostics.push(Diagnostic::error(
            "no_messages",
            "",
            "not a Moatless trajectory: no `transitions` and no search tree",
        )),
    }
}

/// Token, cost and model figures summed over completions.
#[derive(Debug, Default)]
struct Usage {
    cost_usd: f64,
    input_tokens: u64,
    output_tokens: u64,
    cached_tokens: u64,
    /// Whether any completion gave a cost (no cost is written otherwise).
    cost_seen: bool,
    /// Whether any completion gave token counts (no token keys are written otherwise).
    seen: bool,
    /// Models used, in order of first use.
    models: Vec<String>,
}

impl Usage {
    /// Adds one completion invocation `{model, usage: {completion_cost, prompt_tokens,
    /// completion_tokens, cached_tokens}, response}` (moatless `CompletionInvocation` /
    /// `Completion`); when `usage` is absent, the provider response's own `usage` is read
    /// (OpenAI `prompt_tokens` / `completion_tokens`, Anthropic `input_tokens` /
    /// `output_tokens`).
    fn add_completion(&mut self, completion: &Value) {
        self.add_model(json::str_field(completion, "model"));
        let usage = completion
            .get("usage")
            .filter(|u| u.is_object())
            .or_else(|| completion.get("response").and_then(|r| r.get("usage")));
        let Some(usage) = usage else { return };
        let number = |keys: &[&str]| keys.iter().find_map(|key| usage.get(*key)?.as_f64());
        if let Some(cost) = number(&["completion_cost", "cost"]) {
            self.add_cost(cost);
        }
        if let Some(n) = number(&["prompt_tokens", "input_tokens"]) {
            self.input_tokens += n.max(0.0) as u64;
            self.seen = true;
        }
        if let Some(n) = number(&["completion_tokens", "output_tokens"]) {
            self.output_tokens += n.max(0.0) as u64;
            self.seen = true;
        }
        if let Some(n) = number(&["cached_tokens", "cache_read_input_tokens"]) {
            self.cached_tokens += n.max(0.0) as u64;
            self.seen = true;
        }
    }

    /// Adds a model a state or agent was configured with, when no completion named one first.
    fn add_model(&mut self, model: Option<&str>) {
        if let Some(model) = model.filter(|m| !m.is_empty()) {
            if !self.models.iter().any(|m| m == model) {
                self.models.push(model.to_owned());
            }
        }
    }

    fn add_cost(&mut self, cost: f64) {
        if cost.is_finite() {
            self.cost_usd += cost;
            self.cost_seen = true;
        }
    }

    /// Writes the figures into the row's remaining fields (read later as metadata and model).
    fn write(self, map: &mut Map<String, Value>, total_cost: Option<f64>) {
        if let Some(model) = self.models.first() {
            if !map.contains_key("model") {
                map.insert("model".into(), Value::from(model.clone()));
            }
        }
        if !self.models.is_empty() {
            map.insert("models".into(), Value::from(self.models));
        }
        let cost = total_cost.or(self.cost_seen.then_some(self.cost_usd));
        if let Some(cost) = cost.and_then(serde_json::Number::from_f64) {
            map.insert("cost_usd".into(), Value::Number(cost));
        }
        if self.seen {
            map.insert("input_tokens".into(), Value::from(self.input_tokens));
            map.insert("output_tokens".into(), Value::from(self.output_tokens));
            map.insert("cached_tokens".into(), Value::from(self.cached_tokens));
        }
    }
}

/// Keys of an action's arguments that hold the model's reasoning rather than an argument.
const THOUGHT_KEYS: [&str; 2] = ["thoughts", "scratch_pad"];

/// Splits an action object into its reasoning (`thoughts`, `scratch_pad`) and its arguments.
/// June-2024 actions nest the arguments: `{thoughts, action: {...}}`.
fn split_action(action: Option<Value>) -> (Option<String>, Value) {
    let mut object = match action {
        Some(Value::Object(object)) => object,
        Some(Value::Null) | None => return (None, Value::Object(Map::new())),
        Some(other) => return (None, other),
    };
    let mut thoughts = Vec::new();
    for key in THOUGHT_KEYS {
        if let Some(Value::String(text)) = object.remove(key) {
            if !text.trim().is_empty() {
                thoughts.push(text);
            }
        }
    }
    object.remove("action_args_class");
    let arguments = if object.len() == 1 && object.get("action").is_some_and(Value::is_object) {
        object.remove("action").unwrap_or_default()
    } else {
        Value::Object(object)
    };
    let thoughts = (!thoughts.is_empty()).then(|| thoughts.join("\n\n"));
    (thoughts, arguments)
}

/// A tool call with JSON arguments (given by the harness, so not inferred).
fn call(id: String, name: String, arguments: Value) -> ToolCall {
    let raw = arguments.to_string();
    ToolCall::new(Some(id), name, arguments, raw, false)
}

/// A tool message answering the call `id`.
fn result(id: String, name: &str, content: String) -> Message {
    let mut message = Message::new(Role::Tool, content);
    message.tool_call_id = Some(id);
    message.name = Some(name.to_owned());
    message
}

/// The text of an action's output: a string as it is; an object's `message` and `diff`
/// joined; another object as JSON; nothing but the response's trigger when empty.
fn output_text(output: Option<Value>, trigger: Option<&str>) -> String {
    let trigger_text = || trigger.map(|t| format!("trigger: {t}")).unwrap_or_default();
    match output {
        None | Some(Value::Null) => trigger_text(),
        Some(Value::String(text)) => text,
        Some(Value::Object(object)) => {
            let text: Vec<&str> = ["message", "diff"]
                .iter()
                .filter_map(|key| object.get(*key)?.as_str())
                .filter(|s| !s.is_empty())
                .collect();
            if !text.is_empty() {
                text.join("\n\n")
            } else if object.is_empty() {
                trigger_text()
            } else {
                serde_json::to_string_pretty(&object).unwrap_or_default()
            }
        }
        Some(other) => other.to_string(),
    }
}

/// The `diff` of an output, if it reports one.
fn output_diff(output: Option<&Value>) -> Option<String> {
    let diff = output?.get("diff")?.as_str()?;
    (!diff.trim().is_empty()).then(|| diff.to_owned())
}

/// Takes `info.instance_id` (or `metadata.instance_id`) up to the row's top level, where the
/// field reader finds identifiers.
fn lift_instance_id(map: &mut Map<String, Value>) {
    if map.contains_key("instance_id") {
        return;
    }
    let found = ["info", "metadata"].iter().find_map(|parent| {
        json::get(map, &[parent, "instance_id"]).and_then(Value::as_str).map(str::to_owned)
    });
    if let Some(id) = found {
        map.insert("instance_id".into(), Value::from(id));
    }
}

/// Reads the transitions layout.
fn read_transitions(map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    let mut usage = Usage::default();
    if let Some(Value::String(task)) = map.remove("initial_message") {
        trajectory.messages.push(Message::new(Role::User, task));
    }
    let transitions = match map.remove("transitions") {
        Some(Value::Array(transitions)) => transitions,
        _ => Vec::new(),
    };
    let list = Loc::Root.key("transitions");
    let mut states = Vec::with_capacity(transitions.len());
    let mut last_diff: Option<(String, String)> = None;
    for (t_idx, transition) in transitions.into_iter().enumerate() {
        let t_path = list.index(t_idx);
        let Value::Object(mut transition) = transition else {
            trajectory.diagnostics.push(Diagnostic::warning(
                "bad_transition",
                t_path.to_string(),
                "a transition must be an object; skipped",
            ));
            continue;
        };
        let state = transition.get("name").and_then(Value::as_str).unwrap_or("state").to_owned();
        states.push(Value::from(state.clone()));
        let t_id = match transition.get("id") {
            Some(Value::Number(id)) => id.to_string(),
            _ => t_idx.to_string(),
        };
        let actions = match transition.remove("actions") {
            Some(Value::Array(actions)) => actions,
            Some(Value::Null) | None => Vec::new(),
            Some(other) => {
                trajectory.diagnostics.push(Diagnostic::warning(
                    "bad_transition",
                    t_path.key("actions").to_string(),
                    format!("`actions` is {}, not a list; ignored", json::describe(&other)),
                ));
                Vec::new()
            }
        };
        if !actions.is_empty() {
            // The model the state was configured with (June 2024 files have no completions).
            let configured = ["properties", "state"]
                .iter()
                .find_map(|key| transition.get(*key)?.get("model")?.as_str());
            usage.add_model(configured);
        }
        let actions_path = t_path.key("actions");
        for (a_idx, action) in actions.into_iter().enumerate() {
            let a_path = actions_path.index(a_idx);
            let Value::Object(mut action) = action else {
                trajectory.diagnostics.push(Diagnostic::warning(
                    "bad_action",
                    a_path.to_string(),
                    "an action must be an object; skipped",
                ));
                continue;
            };
            let (thoughts, arguments) =
                split_action(action.remove("action").or_else(|| action.remove("request")));
            let (output, trigger) = match action.remove("response") {
                Some(Value::Object(mut response)) => {
                    let trigger = response.remove("trigger").and_then(json::into_string);
                    (response.remove("output"), trigger)
                }
                _ => (action.remove("output"), None),
            };
            if let Some(completion) = action.get("completion") {
                usage.add_completion(completion);
            }
            if let Some(cost) = action.get("completion_cost").and_then(Value::as_f64) {
                usage.add_cost(cost);
            }
            if let Some(diff) = output_diff(output.as_ref()) {
                last_diff = Some((diff, format!("{a_path}/output/diff")));
            }
            let id = format!("t{t_id}-a{a_idx}");
            let mut message = Message::new(Role::Assistant, "");
            message.reasoning = thoughts;
            message.tool_calls.push(call(id.clone(), state.clone(), arguments));
            trajectory.messages.push(message);
            let text = output_text(output, trigger.as_deref());
            trajectory.messages.push(result(id, &state, text));
        }
    }
    lift_instance_id(map);
    if !map.contains_key("exit_status") {
        let status = json::get(map, &["info", "status"]).and_then(Value::as_str).map(str::to_owned);
        let last_state = states.last().and_then(Value::as_str).map(str::to_owned);
        let final_state = last_state.filter(|s| s == "Finished" || s == "Rejected");
        if let Some(status) = status.or(final_state) {
            map.insert("exit_status".into(), Value::from(status));
        }
    }
    let total_cost = json::get(map, &["info", "total_cost"]).and_then(Value::as_f64);
    usage.write(map, total_cost);
    map.insert("moatless_layout".into(), Value::from("transitions"));
    map.insert("moatless_states".into(), Value::Array(states));
    // `info.submission` is read by the field reader; the last reported diff stands in for it.
    if json::get(map, &["info", "submission"]).and_then(Value::as_str).is_none() {
        if let Some((text, field)) = last_diff {
            trajectory.final_patch = Some(PatchText { text, field, inferred: true });
        }
    }
    if trajectory.messages.is_empty() {
        trajectory.diagnostics.push(Diagnostic::warning(
            "no_messages",
            "/transitions",
            "the trajectory has no initial message and no actions",
        ));
    }
}

/// Where a search tree's nodes come from.
enum TreeSource {
    /// A root node whose `children` hold the rest.
    Nested(Value),
    /// A flat list of nodes linked by `parent_id`.
    List(Vec<Value>),
}

/// One node of a flattened tree.
struct FlatNode {
    /// `node_id` as the file gives it (the position when absent).
    id: i64,
    /// Index of the parent in the flat list.
    parent: Option<usize>,
    /// Distance from the root.
    depth: usize,
    /// The node's fields, `children` taken out.
    fields: Map<String, Value>,
}

/// Flattens a tree without recursion (an explicit stack walks nested `children`).
fn flatten(source: TreeSource, path: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<FlatNode> {
    let mut nodes: Vec<FlatNode> = Vec::new();
    match source {
        TreeSource::Nested(root) => {
            let mut stack = vec![(root, None::<usize>, 0usize)];
            while let Some((value, parent, depth)) = stack.pop() {
                let Value::Object(mut fields) = value else {
                    diagnostics.push(Diagnostic::warning(
                        "bad_node",
                        path,
                        format!(
                            "a node must be an object, found {}; skipped",
                            json::describe(&value)
                        ),
                    ));
                    continue;
                };
                let idx = nodes.len();
                let children = match fields.remove("children") {
                    Some(Value::Array(children)) => children,
                    _ => Vec::new(),
                };
                // Reversed so that the first child is taken first (document order).
                for child in children.into_iter().rev() {
                    stack.push((child, Some(idx), depth + 1));
                }
                let id = fields.get("node_id").and_then(Value::as_i64).unwrap_or(idx as i64);
                nodes.push(FlatNode { id, parent, depth, fields });
            }
        }
        TreeSource::List(items) => {
            let mut parent_ids = Vec::with_capacity(items.len());
            for (position, item) in items.into_iter().enumerate() {
                let Value::Object(mut fields) = item else {
                    diagnostics.push(Diagnostic::warning(
                        "bad_node",
                        format!("{path}/{position}"),
                        "a node must be an object; skipped",
                    ));
                    continue;
                };
                fields.remove("children");
                parent_ids.push(fields.remove("parent_id").and_then(|p| p.as_i64()));
                let id = fields.get("node_id").and_then(Value::as_i64).unwrap_or(position as i64);
                nodes.push(FlatNode { id, parent: None, depth: 0, fields });
            }
            let by_id: HashMap<i64, usize> =
                nodes.iter().enumerate().map(|(idx, node)| (node.id, idx)).collect();
            for (idx, parent_id) in parent_ids.into_iter().enumerate() {
                let Some(parent_id) = parent_id else { continue };
                match by_id.get(&parent_id) {
                    Some(&parent) if parent != idx => nodes[idx].parent = Some(parent),
                    _ => diagnostics.push(Diagnostic::warning(
                        "bad_node",
                        format!("{path}/{idx}/parent_id"),
                        format!("node {} names a parent {parent_id} that is not in the list; read as a root", nodes[idx].id),
                    )),
                }
            }
            // Depths, walking up at most n steps (a cycle of parents cannot loop forever).
            let n = nodes.len();
            for idx in 0..n {
                let (mut depth, mut at) = (0, nodes[idx].parent);
                while let Some(parent) = at {
                    depth += 1;
                    if depth > n {
                        diagnostics.push(Diagnostic::warning(
                            "bad_node",
                            format!("{path}/{idx}/parent_id"),
                            "the parents of this node form a cycle; read as a root",
                        ));
                        nodes[idx].parent = None;
                        depth = 0;
                        break;
                    }
                    at = nodes[parent].parent;
                }
                nodes[idx].depth = depth;
            }
        }
    }
    nodes
}

/// A node's action steps as `(action, observation, completion)`: `action_steps`, or the legacy
/// single `action` with its `observation` (else `output`).
fn take_steps(
    fields: &mut Map<String, Value>,
) -> Vec<(Option<Value>, Option<Value>, Option<Value>)> {
    let named =
        |action: &Value| action.get("name").is_some() || action.get("action_args_class").is_some();
    match fields.remove("action_steps") {
        Some(Value::Array(steps)) if !steps.is_empty() => {
            let mut steps: Vec<_> = steps
                .into_iter()
                .map(|step| match step {
                    Value::Object(mut step) => (
                        step.remove("action").filter(|a| !a.is_null()),
                        step.remove("observation").filter(|o| !o.is_null()),
                        step.remove("completion").filter(|c| !c.is_null()),
                    ),
                    other => (Some(other), None, None),
                })
                .collect();
            // Some dumps (moatless-tree-search, December 2024) keep both: steps whose actions
            // hold only `thoughts`, and the node-level `action` (the last step's, with its
            // arguments and `action_args_class`) and `output` (its observation again). The
            // node-level action then stands for the last step's; `output` is not read again.
            let node_action = fields.remove("action").filter(|a| a.is_object() && named(a));
            if let (Some(node_action), Some(last)) = (node_action, steps.last_mut()) {
                if !last.0.as_ref().is_some_and(named) {
                    last.0 = Some(node_action);
                }
            }
            steps
        }
        _ => {
            let action = fields.remove("action").filter(|a| !a.is_null());
            let observation = fields
                .remove("observation")
                .filter(|o| !o.is_null())
                .or_else(|| fields.remove("output").filter(|o| !o.is_null()));
            match action {
                Some(action) => vec![(Some(action), observation, None)],
                None => Vec::new(),
            }
        }
    }
}

/// Whether a node finished the run: `terminal`, a terminal observation, or a `Finish` action.
fn is_finished(fields: &Map<String, Value>) -> bool {
    if fields.get("terminal").and_then(Value::as_bool) == Some(true) {
        return true;
    }
    let steps: Vec<&Value> = match fields.get("action_steps") {
        Some(Value::Array(steps)) if !steps.is_empty() => steps.iter().collect(),
        _ => vec![&Value::Null],
    };
    let Some(last) = steps.last() else { return false };
    let action = last.get("action").or_else(|| fields.get("action"));
    let observation = last
        .get("observation")
        .or_else(|| fields.get("observation"))
        .or_else(|| fields.get("output"));
    observation.and_then(|o| o.get("terminal")).and_then(Value::as_bool) == Some(true)
        || action.is_some_and(|a| action_class_name(a).as_deref() == Some("Finish"))
}

/// The name a node's action has: its `name`, else its `action_args_class`'s last segment
/// without the `Args` / `Arguments` suffix.
fn action_class_name(action: &Value) -> Option<String> {
    if let Some(name) = json::str_field(action, "name").filter(|n| !n.is_empty()) {
        return Some(name.to_owned());
    }
    let class = json::str_field(action, "action_args_class")?;
    let last = class.rsplit('.').next().unwrap_or(class);
    let name = last.strip_suffix("Arguments").or_else(|| last.strip_suffix("Args")).unwrap_or(last);
    (!name.is_empty()).then(|| name.to_owned())
}

/// The names of the tools a completion's response called, in order (OpenAI `choices[0].message
/// .tool_calls[].function.name`, Anthropic `content[]` `tool_use` blocks' `name`).
fn completion_tool_names(completion: Option<&Value>) -> Vec<String> {
    let Some(response) = completion.and_then(|c| c.get("response")) else { return Vec::new() };
    let mut names = Vec::new();
    let openai = response
        .get("choices")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("message"))
        .and_then(|m| m.get("tool_calls"))
        .and_then(Value::as_array);
    for call in openai.into_iter().flatten() {
        if let Some(name) = call.get("function").and_then(|f| json::str_field(f, "name")) {
            names.push(name.to_owned());
        }
    }
    for block in response.get("content").and_then(Value::as_array).into_iter().flatten() {
        if json::str_field(block, "type") == Some("tool_use") {
            if let Some(name) = json::str_field(block, "name") {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// The reward value of a node, when it has one.
fn reward_of(fields: &Map<String, Value>) -> Option<f64> {
    fields.get("reward")?.get("value")?.as_f64()
}

/// Reads a search tree: flattens it, picks one path (see the module doc) and reads its nodes.
/// `map` is the rest of the row (the agent's system prompt is taken from it, the figures are
/// written into it).
fn read_tree(
    source: TreeSource,
    path: &str,
    map: &mut Map<String, Value>,
    trajectory: &mut Trajectory,
) {
    let mut nodes = flatten(source, path, &mut trajectory.diagnostics);
    map.insert("moatless_layout".into(), Value::from("search_tree"));
    map.insert("moatless_nodes".into(), Value::from(nodes.len()));
    if nodes.is_empty() {
        trajectory.diagnostics.push(Diagnostic::error(
            "no_messages",
            path,
            "the search tree has no node that could be read",
        ));
        return;
    }

    // Every completion of every node counts toward the run's tokens and cost.
    let mut usage = Usage::default();
    for node in &nodes {
        if let Some(Value::Object(completions)) = node.fields.get("completions") {
            for completion in completions.values() {
                usage.add_completion(completion);
            }
        }
        if let Some(Value::Array(steps)) = node.fields.get("action_steps") {
            for completion in steps.iter().filter_map(|s| s.get("completion")) {
                if !completion.is_null() {
                    usage.add_completion(completion);
                }
            }
        }
    }

    // The path: the best finished node, else the best leaf.
    let mut has_child = vec![false; nodes.len()];
    for node in &nodes {
        if let Some(parent) = node.parent {
            has_child[parent] = true;
        }
    }
    let finished: Vec<bool> = nodes.iter().map(|n| is_finished(&n.fields)).collect();
    let any_finished = finished.iter().any(|f| *f);
    let rank =
        |idx: usize| (reward_of(&nodes[idx].fields).unwrap_or(f64::NEG_INFINITY), nodes[idx].id);
    let chosen = (0..nodes.len())
        .filter(|&idx| if any_finished { finished[idx] } else { !has_child[idx] })
        .max_by(|&a, &b| {
            let (ra, ia) = rank(a);
            let (rb, ib) = rank(b);
            ra.total_cmp(&rb).then(ia.cmp(&ib))
        })
        .unwrap_or(0);
    let mut on_path = vec![false; nodes.len()];
    let mut path_idxs = Vec::new();
    let mut at = Some(chosen);
    while let Some(idx) = at {
        if on_path[idx] {
            break;
        }
        on_path[idx] = true;
        path_idxs.push(idx);
        at = nodes[idx].parent;
    }
    path_idxs.reverse();

    let selection = if any_finished {
        "the finished node with the highest reward (then the highest node id)"
    } else {
        "no node finished: the leaf with the highest reward (then the highest node id)"
    };
    let branches: Vec<Value> = (0..nodes.len())
        .filter(|&idx| !has_child[idx] && !on_path[idx])
        .map(|idx| {
            let mut branch = Map::new();
            branch.insert("node_id".into(), Value::from(nodes[idx].id));
            branch.insert("depth".into(), Value::from(nodes[idx].depth));
            branch.insert(
                "reward".into(),
                nodes[idx]
                    .fields
                    .get("reward")
                    .and_then(|r| r.get("value"))
                    .cloned()
                    .unwrap_or(Value::Null),
            );
            branch.insert("finished".into(), Value::from(finished[idx]));
            Value::Object(branch)
        })
        .collect();
    map.insert(
        "moatless_path".into(),
        Value::Array(path_idxs.iter().map(|&idx| Value::from(nodes[idx].id)).collect()),
    );
    map.insert("moatless_selected_node".into(), Value::from(nodes[chosen].id));
    map.insert("moatless_selection".into(), Value::from(selection));
    map.insert("moatless_branches".into(), Value::Array(branches));
    if let Some(reward) = nodes[chosen].fields.get("reward").filter(|r| r.is_object()) {
        if let Some(value) = reward.get("value").filter(|v| v.is_number()) {
            map.insert("reward".into(), value.clone());
        }
        if let Some(explanation) = reward.get("explanation").and_then(Value::as_str) {
            map.insert("reward_explanation".into(), Value::from(explanation));
        }
    }

    // The system prompt the agent was given.
    let system_prompt = match map.get_mut("agent") {
        Some(Value::Object(agent)) => agent.remove("system_prompt").and_then(json::into_string),
        _ => None,
    };
    if let Some(prompt) = system_prompt.filter(|p| !p.trim().is_empty()) {
        trajectory.messages.push(Message::new(Role::System, prompt));
    }
    if usage.models.is_empty() {
        usage.add_model(json::get(map, &["agent", "completion", "model"]).and_then(Value::as_str));
    }

    // The chosen node's patch, from its file context.
    let patch = chosen_patch(&nodes[chosen]);

    for &idx in &path_idxs {
        let node = &mut nodes[idx];
        read_node(node, trajectory);
    }

    lift_instance_id(map);
    usage.write(map, None);
    if let Some(patch) = patch {
        trajectory.final_patch = Some(patch);
    }
}

/// The patch of a node's file context: every file's `patch` joined, in file order.
fn chosen_patch(node: &FlatNode) -> Option<PatchText> {
    let files = node.fields.get("file_context")?.get("files")?.as_array()?;
    let parts: Vec<&str> = files
        .iter()
        .filter_map(|file| file.get("patch")?.as_str())
        .filter(|patch| !patch.trim().is_empty())
        .collect();
    if parts.is_empty() {
        return None;
    }
    let mut text = String::new();
    for part in parts {
        text.push_str(part);
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    Some(PatchText {
        text,
        field: format!("nodes/{}/file_context.files[].patch", node.id),
        inferred: false,
    })
}

/// Reads one node of the path into messages: its user message, then one assistant message with
/// its action steps as calls, then the steps' observations as tool messages.
fn read_node(node: &mut FlatNode, trajectory: &mut Trajectory) {
    let fields = &mut node.fields;
    let user = fields
        .remove("user_message")
        .and_then(json::into_string)
        .or_else(|| fields.remove("message").and_then(json::into_string));
    if let Some(user) = user.filter(|u| !u.trim().is_empty()) {
        trajectory.messages.push(Message::new(Role::User, user));
    }
    let assistant_text = fields.remove("assistant_message").and_then(json::into_string);
    let node_thoughts = fields
        .remove("thoughts")
        .and_then(|t| match t {
            Value::String(text) => Some(text),
            Value::Object(mut object) => object.remove("text").and_then(json::into_string),
            _ => None,
        })
        .filter(|t| !t.trim().is_empty());
    let steps = take_steps(fields);
    let build_action = fields.get("completions").and_then(|c| c.get("build_action"));
    let node_names = completion_tool_names(build_action);

    if steps.is_empty() && assistant_text.is_none() && node_thoughts.is_none() {
        return;
    }
    let mut message = Message::new(Role::Assistant, assistant_text.unwrap_or_default());
    let mut reasoning: Vec<String> = node_thoughts.into_iter().collect();
    let mut results = Vec::new();
    for (step_idx, (action, observation, completion)) in steps.into_iter().enumerate() {
        let step_names = completion_tool_names(completion.as_ref());
        let name = action
            .as_ref()
            .and_then(action_class_name)
            .or_else(|| step_names.first().cloned())
            .or_else(|| node_names.get(step_idx).cloned())
            .unwrap_or_else(|| "action".to_owned());
        let (thoughts, arguments) = split_action(action);
        reasoning.extend(thoughts);
        let id = format!("node{}-{step_idx}", node.id);
        message.tool_calls.push(call(id.clone(), name.clone(), arguments));
        if let Some(observation) = observation {
            let text = match observation {
                Value::Object(mut object) => object
                    .remove("message")
                    .and_then(json::into_string)
                    .or_else(|| object.remove("summary").and_then(json::into_string))
                    .unwrap_or_default(),
                other => output_text(Some(other), None),
            };
            results.push(result(id, &name, text));
        }
    }
    if !reasoning.is_empty() {
        message.reasoning = Some(reasoning.join("\n\n"));
    }
    trajectory.messages.push(message);
    trajectory.messages.extend(results);
}
