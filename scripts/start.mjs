#!/usr/bin/env node
// `npm start`: builds, then opens the desktop app where an Electron binary exists. Where it cannot be
// had (as on these machines: the electron package downloads it from a host they cannot reach), it
// says so and serves the same app through the browser host, printing the address to open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const build = spawnSync(bin('electron-vite'), ['build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

// Never require('electron') here: on first use it tries to download the binary.
function electronBinary() {
  const pkg = path.join(root, 'node_modules', 'electron');
  const pathTxt = path.join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const file = path.join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(file) ? file : null;
}

const electron = electronBinary();
const child = electron
  ? spawn(electron, [path.join(root, 'out', 'main', 'index.js')], { cwd: root, stdio: 'inherit' })
  : (console.log(
      '\nNo Electron binary is available on this machine, so the desktop window cannot open here.\nServing the same app through the browser host instead.\n',
    ),
    spawn(bin('tsx'), [path.join(root, 'main', 'host', 'browser', 'cli.ts')], { cwd: root, stdio: 'inherit' }));
child.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
