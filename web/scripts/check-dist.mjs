// Builds the front ends into a temporary directory and compares the result, file by file and
// byte by byte, with the checked-in web/dist (which the Rust runner embeds). Exits 1 when they
// differ: run `npm run build` and commit web/dist.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(web, 'dist');
const out = mkdtempSync(join(tmpdir(), 'pd-dist-'));

function files(dir) {
  const acc = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else acc.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return acc.sort();
}

try {
  const tsc = spawnSync('npx', ['tsc', '--noEmit'], { cwd: web, stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  const vite = spawnSync('npx', ['vite', 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], { cwd: web, stdio: 'inherit' });
  if (vite.status !== 0) process.exit(vite.status ?? 1);
  let built;
  let checked;
  try {
    checked = files(dist);
  } catch {
    console.error('web/dist is missing: run `npm run build` in web/ and commit web/dist.');
    process.exit(1);
  }
  built = files(out);
  const problems = [];
  for (const f of new Set([...built, ...checked])) {
    if (!built.includes(f)) problems.push(`only in web/dist: ${f}`);
    else if (!checked.includes(f)) problems.push(`missing from web/dist: ${f}`);
    else if (!readFileSync(join(out, f)).equals(readFileSync(join(dist, f)))) problems.push(`differs: ${f}`);
  }
  if (problems.length) {
    console.error('web/dist is not what the sources build:');
    for (const p of problems) console.error(`  ${p}`);
    console.error('Run `npm run build` in web/ and commit web/dist.');
    process.exit(1);
  }
  console.log(`web/dist matches the sources (${built.length} files).`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
