#!/usr/bin/env node
// Builds the local Hub's demo datasets (hub/data/) from the shared fixtures, copying bytes.
//
//   node hub/make-demo.mjs [FIXTURES_DIR]     (default: ../shared/fixtures next to the repository,
//                                              or $TRAJEX_FIXTURES)
//
// The generated files are committed (people who clone have no fixtures directory); rerunning is
// idempotent. Layout and options: see hub/repo.mjs; origins and licences: hub/data/SOURCES.md.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const FIX = path.resolve(process.argv[2] || process.env.TRAJEX_FIXTURES || path.join(REPO, '..', 'shared', 'fixtures'));
const OUT = path.join(HERE, 'data', 'trajex-demo');
const LAST_MODIFIED = '2026-11-20T23:09:00.000Z';

const OPEN = 'open_swe_traces';
const REAL = 'real';
const copies = [
  // [dataset, repo path, fixture]
  ['open-swe-traces-sample', 'openhands/swegym/0000.parquet', `${OPEN}/openhands_swegym.snappy.parquet`],
  ['open-swe-traces-sample', 'openhands/swegym_jsonl/0000.jsonl', `${OPEN}/openhands_swegym.jsonl`],
  ['open-swe-traces-sample', 'openhands_zstd/swegym/0000.parquet', `${OPEN}/openhands_swegym.zstd.parquet`],
  ['swe-agent-formats', 'nebius_swe_agent/train/train.jsonl', `${REAL}/nebius_swe_agent_trajectories.jsonl`],
  ['swe-agent-formats', 'swe_smith/train/train.jsonl', `${REAL}/swe_smith_trajectories.jsonl`],
  ['swe-agent-formats', 'swe_play_xml/train/train.jsonl', `${REAL}/swe_play_trajectories_xml_calls.jsonl`],
  ['swe-agent-formats', 'sweagent_traj/train/train.jsonl', `${REAL}/sweagent_traj_files.jsonl`],
  ['swe-agent-formats', 'mini_swe_agent/train/train.jsonl', `${REAL}/mini_swe_agent_traj.jsonl`],
  ['swe-agent-formats', 'swegym_openhands/train/train.jsonl', `${REAL}/swegym_openhands_sampled_trajectories.jsonl`],
  ['gated', 'default/train/train.jsonl', `${OPEN}/openhands_swegym.jsonl`],
];
const options = {
  'open-swe-traces-sample': {},
  'swe-agent-formats': {},
  gated: { gated: true },
  'many-rows': {},
  large: {
    repeat: { path: 'default/train/train.jsonl', file: '../open-swe-traces-sample/openhands/swegym_jsonl/0000.jsonl', times: 400 },
  },
};

if (!fs.existsSync(FIX)) {
  console.error(`make-demo: fixtures not found at ${FIX}`);
  process.exit(2);
}
fs.rmSync(OUT, { recursive: true, force: true });
let total = 0;
for (const [dataset, rel, src] of copies) {
  const dst = path.join(OUT, dataset, rel);
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(path.join(FIX, src), dst);
  fs.chmodSync(dst, 0o644);
  total += fs.statSync(dst).size;
  console.log(`make-demo: trajex-demo/${dataset}/${rel} <- ${src}`);
}
for (const [dataset, o] of Object.entries(options)) {
  const dir = path.join(OUT, dataset);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'dataset.json'), `${JSON.stringify({ ...o, lastModified: LAST_MODIFIED }, null, 2)}\n`);
}
// Many small rows (made here, not from a fixture): a split of several /rows pages, for the
// browser tests that read pages concurrently.
{
  const dir = path.join(OUT, 'many-rows', 'default', 'train');
  fs.mkdirSync(dir, { recursive: true });
  const lines = [];
  for (let i = 0; i < 35; i += 1) {
    lines.push(JSON.stringify({
      instance_id: `demo__many-rows-${i}`,
      resolved: i % 3 === 0,
      messages: [
        { role: 'user', content: `Task ${i}: print the number ${i}.` },
        { role: 'assistant', content: `Running \`echo ${i}\`.`, tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'bash', arguments: JSON.stringify({ command: `echo ${i}` }) } }] },
        { role: 'tool', tool_call_id: `call_${i}`, content: `${i}\n` },
        { role: 'assistant', content: `The output is ${i}.` },
      ],
    }));
  }
  fs.writeFileSync(path.join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
  console.log('make-demo: trajex-demo/many-rows/default/train/train.jsonl (35 generated rows)');
}
// Several runs per instance with different outcomes (derived here from the real
// Open-SWE-Traces-shaped rows, which hold one resolved run per instance): the five rows
// unchanged, then two derived failed runs; hub/data/SOURCES.md says exactly how.
{
  const dir = path.join(OUT, 'runs-per-instance', 'default', 'train');
  fs.mkdirSync(dir, { recursive: true });
  const text = fs.readFileSync(path.join(FIX, `${OPEN}/openhands_swegym.jsonl`), 'utf8');
  const source = text.split('\n').filter((line) => line.trim() !== '');
  const rows = source.map((line) => JSON.parse(line));
  const find = (id) => rows.find((row) => row.instance_id === id);
  const derived = [];
  // MONAI-6034: the run stopped after its first three steps, without a patch, not resolved.
  {
    const row = structuredClone(find('Project-MONAI__MONAI-6034'));
    row.messages = row.messages.slice(0, 8);
    row.resolved = 0;
    row.trajectory_id = `${row.trajectory_id}-derived-stopped`;
    row.metadata.model_patch = { patch: '', num_modified_files: 0, num_modified_lines: 0 };
    row.metadata.derived_from = 'messages 0-7 of the resolved run of this instance (row 0); no patch; resolved set to 0';
    derived.push(row);
  }
  // mypy-11567: the run without the repeated views of mypy/nodes.py (messages 14-17), and its
  // patch without the `elif isinstance(node, ParamSpecExpr)` hunk, not resolved.
  {
    const row = structuredClone(find('python__mypy-11567'));
    row.messages = row.messages.filter((_, idx) => idx < 14 || idx > 17);
    row.resolved = 0;
    row.trajectory_id = `${row.trajectory_id}-derived-partial`;
    const patch = row.metadata.model_patch.patch;
    const start = patch.indexOf('@@ -221,6 +222,12 @@');
    const end = patch.indexOf('diff --git a/reproduce_error.py');
    if (start < 0 || end < start) throw new Error('make-demo: the mypy-11567 patch changed');
    const kept = patch.slice(0, start) + patch.slice(end);
    row.metadata.model_patch = { patch: kept, num_modified_files: 2, num_modified_lines: kept.split('\n').filter((l) => /^[+-][^+-]/.test(l)).length };
    row.metadata.derived_from = 'the resolved run of this instance (row 4) without messages 14-17 and without its second hunk of mypy/server/astdiff.py; resolved set to 0';
    derived.push(row);
  }
  const lines = [...source, ...derived.map((row) => JSON.stringify(row))];
  fs.writeFileSync(path.join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(OUT, 'runs-per-instance', 'dataset.json'), `${JSON.stringify({ lastModified: LAST_MODIFIED }, null, 2)}\n`);
  console.log('make-demo: trajex-demo/runs-per-instance/default/train/train.jsonl (5 rows copied, 2 derived)');
}
for (const src of [`${OPEN}/SOURCES.md`, `${REAL}/SOURCES.md`]) {
  if (!fs.existsSync(path.join(FIX, src))) console.warn(`make-demo: missing ${src}`);
}
console.log(`make-demo: ${copies.length} files, ${total} bytes under ${path.relative(REPO, OUT)}`);
