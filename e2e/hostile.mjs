// A file of hostile rows for the e2e test, written at test time (the 10 MB row stays out of the
// repository): script tags, event handler attributes, javascript: links, a 10 MB tool output,
// a 5,000-message trajectory, invalid UTF-8 and broken JSON lines.
import fs from 'node:fs';
import path from 'node:path';

const PWN = 'window.__pwned = (window.__pwned || 0) + 1';

export function writeHostileFile(dir) {
  const rows = [];
  const tool = (content) => ({ role: 'tool', tool_call_id: 'c1', name: 'execute_bash', content });
  const call = { id: 'c1', type: 'function', function: { name: '<img src=x onerror="' + PWN + '">', arguments: JSON.stringify({ command: `<script>${PWN}</script>` }) } };
  rows.push({
    instance_id: `<script>${PWN}</script>`,
    repo: '<img src=x onerror="' + PWN + '">',
    language: '<b onmouseover="' + PWN + '">go</b>',
    resolved: 1,
    messages: [
      { role: 'system', content: `<style>body{display:none}</style><script>${PWN}</script>` },
      { role: 'user', content: '[click](javascript:' + PWN + ') <a href="javascript:' + PWN + '">a</a> <iframe src="https://example.com"></iframe> <img src="https://example.com/x.png">' },
      { role: 'assistant', content: '<svg onload="' + PWN + '"></svg> **bold** <div style="position:fixed;inset:0">cover</div>', reasoning_content: `<script>${PWN}</script>`, tool_calls: [call] },
      tool(`<script>${PWN}</script>` + 'x'.repeat(10 * 1024 * 1024)),
    ],
    metadata: { model_patch: { patch: `diff --git a/<script>.py b/<script>.py\n--- a/<script>.py\n+++ b/<script>.py\n@@ -1 +1 @@\n-<img src=x onerror="${PWN}">\n+<script>${PWN}</script>\n` } },
  });
  const many = [{ role: 'user', content: 'go' }];
  for (let i = 0; i < 2500; i += 1) {
    many.push({ role: 'assistant', content: `step ${i} <img src=x onerror="${PWN}">`, tool_calls: [{ id: `k${i}`, type: 'function', function: { name: 'bash', arguments: '{"command": "ls"}' } }] });
    many.push({ role: 'tool', tool_call_id: `k${i}`, content: `out ${i}` });
  }
  rows.push({ instance_id: 'five-thousand', messages: many.slice(0, 5000) });
  const lines = rows.map((r) => Buffer.from(JSON.stringify(r)));
  lines.push(Buffer.concat([Buffer.from('{"instance_id": "bad-utf8 '), Buffer.from([0xff, 0xfe]), Buffer.from('", "messages": [{"role": "user", "content": "x"}]}')]));
  lines.push(Buffer.from('{"instance_id": "truncated", "messages": [{"role": "us'));
  lines.push(Buffer.from('not json at all <script>' + PWN + '</script>'));
  const file = path.join(dir, 'hostile.jsonl');
  fs.writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
  return file;
}
