import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeployProgress } from '../../shared/deploy';
import type { Events } from '../../shared/ipc-contract';
import { AuditLog } from '../store/audit-log';
import { Redactor } from '../store/secret-store';
import { DeployStreams } from './deploys/deploy-streams';
import { eventBus } from './services';

// Issue 14, point 6: live progress lines and what the audit log stores pass the redactor, in every
// form the secret takes.
const secret = 'Smtp pass/w0rd!';
const forms = {
  raw: secret,
  url: encodeURIComponent(secret),
  form: new URLSearchParams({ p: secret }).toString().slice(2),
  base64: Buffer.from(`user:${secret}`).toString('base64'),
  base64url: Buffer.from(secret).toString('base64url'),
};
const line = Object.entries(forms)
  .map(([k, v]) => `${k}=${v}`)
  .join(' ');
const leaks = (text: string) => Object.values(forms).filter((v) => text.includes(v));

describe('live deploy progress reaches the app redacted', () => {
  it('a step log with the secret in each form arrives as «redacted»', async () => {
    const redactor = new Redactor();
    redactor.add(secret);
    const bus = eventBus(redactor);
    const seen: Events['deploy.event'][] = [];
    bus.onEvent((name, payload) => {
      if (name === 'deploy.event') seen.push(payload as Events['deploy.event']);
    });
    const progress: DeployProgress = { kind: 'log', deploy: 'd1', step: 'build', line: `git: ${line}` };
    const deployments = {
      run: async (_ref: string, _kind: string, o: { onProgress?: (p: DeployProgress) => void }) => {
        o.onProgress?.(progress);
        throw new Error(`psql: password authentication failed for ${forms.url}`);
      },
    };
    new DeployStreams(deployments as never, bus.emit).start({
      server: 'acme-prod',
      env: 'prod',
      kind: 'deploy',
      confirmFlip: false,
    });
    await new Promise((r) => setTimeout(r, 20));
    const text = JSON.stringify(seen);
    expect(seen.map((e) => e.event.kind)).toEqual(['progress', 'error']);
    expect(leaks(text)).toEqual([]);
    expect(text.match(/«redacted»/g)?.length).toBe(6);
    // The engine's own object is left as it was: only what leaves is redacted.
    expect(progress.line).toContain(secret);
  });
});

describe('the audit log stores every form redacted', () => {
  it('output, argv and detail', async () => {
    const redactor = new Redactor();
    redactor.add(secret);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-audit-redact-'));
    const log = new AuditLog({
      path: path.join(dir, 'audit.log'),
      key: Buffer.alloc(32, 1),
      redactor,
      actor: 'ana@laptop',
    });
    await log.append({
      action: 'git.fetch',
      ok: false,
      argv: ['git', 'fetch', `https://u:${forms.url}@git.example/x`],
      output: line,
      detail: { header: `Basic ${forms.base64}` },
    });
    const stored = readFileSync(path.join(dir, 'audit.log'), 'utf8');
    expect(leaks(stored)).toEqual([]);
    expect(stored).toContain('«redacted»');
  });
});
