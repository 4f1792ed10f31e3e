// Live resource sliders for one pool: `docker update`, no restart. Shows usage and the Odoo memory
// floor; below usage is refused, below the floor needs an explicit override (which pads 256 MiB).
import { useCallback, useEffect, useState } from 'react';
import type { Pool, PoolResources } from '../../../../shared/deploy';
import { judgeMemory, OVERRIDE_PADDING_MIB } from '../../../../shared/odoo-memory';
import { api } from '../../api';
import { wireErrorOf } from '../../errors';

const MiB = 1024 ** 2;

export function ResourcesDialog({
  server,
  env,
  pool,
  onClose,
}: {
  server: string;
  env: string;
  pool: Pool;
  onClose(): void;
}) {
  const [res, setRes] = useState<PoolResources | null>(null);
  const [memory, setMemory] = useState(1024);
  const [cpus, setCpus] = useState(1);
  const [override, setOverride] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  /** Reads usage and limits; the sliders start from the limits only on the first read. */
  const load = useCallback(
    async (initSliders: boolean) => {
      try {
        const r = await api.call('resources.get', { server, env, pool });
        setRes(r);
        if (!initSliders) return;
        const limit = Math.max(...r.workers.map((w) => w.memoryLimit), 0);
        setMemory(limit > 0 ? Math.round(limit / MiB) : Math.max(1024, r.floorMiB ?? 0));
        const nano = Math.max(...r.workers.map((w) => w.nanoCpus), 0);
        setCpus(nano > 0 ? nano / 1e9 : 1);
      } catch (err) {
        setMessage({ ok: false, text: wireErrorOf(err).message });
      }
    },
    [server, env, pool],
  );
  useEffect(() => {
    void load(true);
  }, [load]);

  const usageMiB = Math.ceil(Math.max(0, ...(res?.workers.map((w) => w.memoryBytes) ?? [0])) / MiB);
  const verdict = judgeMemory(memory, usageMiB, res?.floorMiB ?? null, override);
  const apply = async () => {
    if (verdict.kind === 'below_usage' || (verdict.kind === 'below_floor' && !override)) return;
    setBusy(true);
    setMessage(null);
    try {
      const changed = await api.call('resources.update', { server, env, pool, memoryMiB: verdict.applyMiB, cpus });
      await load(false);
      setMessage({
        ok: true,
        text: `Applied live to ${changed.map((c) => c.name).join(', ')} (no restart): ${verdict.applyMiB} MiB, ${cpus} CPU. Kept for the next deploy.`,
      });
    } catch (err) {
      const e = wireErrorOf(err);
      setMessage({ ok: false, text: `${e.message}${e.fix ? ` — ${e.fix}` : ''}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="res-title">
        <h2 id="res-title">
          Resources of the {pool} pool ({server}/{env})
        </h2>
        {!res ? (
          <p className="muted">Reading usage from the server…</p>
        ) : (
          <>
            <table className="data compact" aria-label="Current usage">
              <thead>
                <tr>
                  <th>Worker</th>
                  <th className="num">Uses</th>
                  <th className="num">Limit</th>
                  <th className="num">CPU</th>
                </tr>
              </thead>
              <tbody>
                {res.workers.map((w) => (
                  <tr key={w.name}>
                    <td>
                      <code>{w.name}</code>
                    </td>
                    <td className="num">{Math.round(w.memoryBytes / MiB)} MiB</td>
                    <td className="num">{w.memoryLimit ? `${Math.round(w.memoryLimit / MiB)} MiB` : 'none'}</td>
                    <td className="num">{w.nanoCpus ? w.nanoCpus / 1e9 : 'all'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <label className="field">
              <span>
                Memory per worker: <strong data-testid="memory-value">{memory} MiB</strong> (swap kept as it is)
              </span>
              <input
                type="range"
                aria-label="Memory (MiB)"
                min={128}
                max={16_384}
                step={64}
                value={memory}
                onChange={(e) => setMemory(Number(e.target.value))}
              />
            </label>
            <p className="hint">
              {res.floorMiB !== null
                ? `Odoo ${res.odooVersion} needs at least ${res.floorMiB} MiB per worker.`
                : 'Odoo version unknown (set odoo_version in the environment) — no floor applied.'}{' '}
              Current peak use: {usageMiB} MiB.
            </p>
            {verdict.kind === 'below_usage' ? (
              <p className="error-text" role="alert">
                Below what the workers use now ({usageMiB} MiB): they would be killed. Choose more.
              </p>
            ) : null}
            {verdict.kind === 'below_floor' || (override && res.floorMiB !== null && memory < res.floorMiB) ? (
              <label className="field-inline">
                <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} /> Go below
                the {res.floorMiB} MiB floor anyway ({OVERRIDE_PADDING_MIB} MiB is added as padding)
              </label>
            ) : null}
            <label className="field">
              <span>
                CPUs per worker: <strong>{cpus}</strong>
              </span>
              <input
                type="range"
                aria-label="CPUs"
                min={0.25}
                max={8}
                step={0.25}
                value={cpus}
                onChange={(e) => setCpus(Number(e.target.value))}
              />
            </label>
          </>
        )}
        {message ? (
          <p
            className={message.ok ? 'callout callout-ok' : 'callout callout-bad'}
            role={message.ok ? 'status' : 'alert'}
          >
            {message.text}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Close
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={!res || busy || verdict.kind === 'below_usage' || (verdict.kind === 'below_floor' && !override)}
            onClick={() => void apply()}
          >
            Apply live
          </button>
        </div>
      </div>
    </div>
  );
}
