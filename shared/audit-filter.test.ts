import { describe, expect, it } from 'vitest';
import type { AuditRecord } from './model';
import { actionKind, auditMatcher } from './audit-filter';

const rec = (over: Partial<AuditRecord>): AuditRecord => ({
  seq: 1,
  at: '2026-11-25T10:00:00.000Z',
  actor: 'ana',
  action: 'edge.flip',
  ok: true,
  prev: 'p',
  mac: 'm',
  ...over,
});
const clients: Record<string, string> = { lab: 'Acme', other: 'Globex' };
const clientOf = (s: string | undefined) => (s ? clients[s] : undefined);

describe('audit filters', () => {
  it('names an action family', () => {
    expect(actionKind('deploy.result')).toBe('deploy');
    expect(actionKind('terminal.open')).toBe('terminal');
  });

  it('narrows by client, server, environment, kind and deploy', () => {
    const rows = [
      rec({ seq: 1, server: 'lab', environment: 'prod', action: 'edge.flip', detail: { deploy: 'abc123' } }),
      rec({ seq: 2, server: 'other', environment: 'prod', action: 'docker.create' }),
      rec({ seq: 3, server: 'lab', environment: 'staging', action: 'terminal.open' }),
    ];
    const seqs = (f: Parameters<typeof auditMatcher>[0]) => rows.filter(auditMatcher(f, clientOf)).map((r) => r.seq);
    expect(seqs({ client: 'Acme' })).toEqual([1, 3]);
    expect(seqs({ server: 'other' })).toEqual([2]);
    expect(seqs({ environment: 'prod', kinds: ['edge', 'terminal'] })).toEqual([1]);
    expect(seqs({ deployId: 'abc123' })).toEqual([1]);
    expect(seqs({})).toEqual([1, 2, 3]);
  });

  it('treats a bare "to" date as the whole day, and searches commands and output', () => {
    const rows = [
      rec({ seq: 1, at: '2026-11-24T23:00:00.000Z' }),
      rec({ seq: 2, at: '2026-11-25T22:00:00.000Z', argv: ['docker', 'update', '--memory', '2g'] }),
      rec({ seq: 3, at: '2026-11-26T01:00:00.000Z', output: 'Permission denied' }),
    ];
    expect(rows.filter(auditMatcher({ from: '2026-11-25', to: '2026-11-25' }, clientOf)).map((r) => r.seq)).toEqual([
      2,
    ]);
    expect(rows.filter(auditMatcher({ text: 'MEMORY' }, clientOf)).map((r) => r.seq)).toEqual([2]);
    expect(rows.filter(auditMatcher({ text: 'denied' }, clientOf)).map((r) => r.seq)).toEqual([3]);
  });
});
