import { useState, type FormEvent } from 'react';
import { useFleet, type NewServerForm } from '../../stores/fleet';
import { fieldErrors, wireErrorOf } from '../../errors';

const EMPTY: NewServerForm = {
  clientName: '',
  name: '',
  host: '',
  port: '22',
  user: '',
  identityFile: '',
  dockerSocket: '/var/run/docker.sock',
};

const FIELDS: { key: keyof NewServerForm; label: string; wire: string; hint?: string; type?: string }[] = [
  { key: 'clientName', label: 'Client', wire: 'clientName', hint: 'Servers are grouped by client' },
  { key: 'name', label: 'Server name', wire: 'name' },
  { key: 'host', label: 'Host', wire: 'host' },
  { key: 'port', label: 'SSH port', wire: 'port', type: 'number' },
  { key: 'user', label: 'SSH user', wire: 'user' },
  { key: 'identityFile', label: 'Private key file', wire: 'identityFile', hint: 'Leave empty to use ssh-agent' },
  { key: 'dockerSocket', label: 'Docker socket on the server', wire: 'dockerSocket' },
];

export function AddServerDialog({ onClose }: { onClose(): void }) {
  const addServer = useFleet((s) => s.addServer);
  const [form, setForm] = useState<NewServerForm>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setGeneral(null);
    try {
      await addServer(form);
      onClose();
    } catch (err) {
      const wire = wireErrorOf(err);
      const byField = fieldErrors(wire);
      setErrors(byField);
      if (Object.keys(byField).length === 0) setGeneral(`${wire.message}${wire.fix ? ` — ${wire.fix}` : ''}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="dialog-backdrop">
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="add-server-title"
        onSubmit={(e) => void submit(e)}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2 id="add-server-title">Add a server</h2>
        <p className="muted">
          Flipdeck reaches the server over SSH and talks to its Docker Engine through that connection. Nothing is
          installed on the server.
        </p>
        <div className="form-grid">
          {FIELDS.map((f) => {
            const id = `add-${f.key}`;
            const error = errors[f.wire];
            return (
              <div key={f.key} className="field">
                <label htmlFor={id}>{f.label}</label>
                <input
                  id={id}
                  type={f.type ?? 'text'}
                  value={form[f.key]}
                  aria-invalid={!!error}
                  aria-describedby={error ? `${id}-err` : f.hint ? `${id}-hint` : undefined}
                  onChange={(e) => setForm({ ...form, [f.key]: e.target.value })}
                  autoFocus={f.key === 'clientName'}
                />
                {error ? (
                  <span id={`${id}-err`} className="field-error" role="alert">
                    {error}
                  </span>
                ) : f.hint ? (
                  <span id={`${id}-hint`} className="hint">
                    {f.hint}
                  </span>
                ) : null}
              </div>
            );
          })}
        </div>
        {general ? (
          <p className="error-text" role="alert">
            {general}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add server'}
          </button>
        </div>
      </form>
    </div>
  );
}
