#!/usr/bin/env node
// Builds the native addon with cargo (crates.io only) and copies the library next to
// index.js as fairmatch.node. `FAIRMATCH_PROFILE=release` for an optimised build (default:
// the workspace's dev profile, whose fairmatch crates are compiled with opt-level 3).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const profile = process.env.FAIRMATCH_PROFILE || 'dev';
const args = ['build', '-p', 'fairmatch-node', '--message-format=json-render-diagnostics'];
if (profile !== 'dev') args.push('--profile', profile);
const out = execFileSync('cargo', args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 }).toString();
let lib;
for (const line of out.split('\n')) {
  if (!line.startsWith('{')) continue;
  const msg = JSON.parse(line);
  if (msg.reason === 'compiler-artifact' && msg.target && msg.target.name === 'fairmatch_node') {
    lib = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f));
  }
}
if (!lib) throw new Error('cargo did not report the fairmatch_node library');
const dest = path.join(__dirname, '..', 'fairmatch.node');
fs.copyFileSync(lib, `${dest}.tmp`);
fs.renameSync(`${dest}.tmp`, dest);
console.error(`fairmatch: built ${path.relative(root, lib)} -> bindings-node/fairmatch.node (${profile})`);
