import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../shared/model';
import { deployReportHtml } from './audit-report';

const rec = (over: Partial<AuditRecord>): AuditRecord => ({
  seq: 1,
  at: '2026-11-25T10:00:00.000Z',
  actor: 'ana@laptop',
  action: 'edge.flip',
  ok: true,
  prev: 'p',
  mac: 'm',
  ...over,
});

describe('deploy report', () => {
  const records = [
    rec({
      seq: 1,
      action: 'docker.create',
      argv: ['docker', 'create', '--name', 'prod-green-1'],
      exitCode: 0,
      durationMs: 40,
      detail: { deploy: 'd1' },
    }),
    rec({
      seq: 2,
      action: 'docker.start',
      argv: ['docker', 'start', '<script>alert(1)</script>'],
      ok: false,
      exitCode: null,
      output: 'boom & <b>bust</b>',
      detail: { deploy: 'd1' },
    }),
    rec({
      seq: 3,
      action: 'deploy.result',
      ok: false,
      durationMs: 12_300,
      output: 'green_ready timed out',
      detail: {
        deploy: 'd1',
        kind: 'deploy',
        strategy: 'blue-green',
        steps: [
          { id: 'preflight', ms: 150, ok: true },
          { id: 'green_ready', ms: 12_000, ok: false },
        ],
        failedStep: 'green_ready',
        counters: { requests: 10, failed: 0 },
      },
    }),
  ];
  const html = deployReportHtml({
    server: 'lab',
    env: 'prod',
    deployId: 'd1',
    records,
    verification: { ok: true, records: 3, tornTail: false, message: 'intact' },
    generatedAt: '2026-11-25T11:00:00Z',
  });

  it('states the outcome, the steps and every command with its output', () => {
    expect(html).toContain('failed at green_ready');
    expect(html).toContain('<code>green_ready</code></td><td>12.0 s');
    expect(html).toContain('docker create --name prod-green-1');
    expect(html).toContain('10 served');
    expect(html).toContain('intact (3 records)');
  });

  it('escapes what came from the server, and loads nothing from outside', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('boom &amp; &lt;b&gt;bust&lt;/b&gt;');
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/(src|href)="http/);
  });
});
