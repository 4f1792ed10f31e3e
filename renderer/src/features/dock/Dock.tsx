// The bottom dock, like an IDE panel: terminal tabs, the followed logs and the audit history.
// Terminals stay mounted while hidden so a shell keeps its screen when you look elsewhere.
import type { ReactNode } from 'react';
import { useDock } from '../../stores/dock';
import { AuditView } from '../audit/AuditView';
import { LogView } from '../logs/LogView';
import { TerminalView } from '../terminal/TerminalView';

export function Dock({ auditVersion }: { auditVersion: number }) {
  const active = useDock((s) => s.active);
  const terminals = useDock((s) => s.terminals);
  const logs = useDock((s) => s.logs);
  const error = useDock((s) => s.error);
  const setActive = useDock((s) => s.setActive);
  const closeTerminal = useDock((s) => s.closeTerminal);
  const clearError = useDock((s) => s.clearError);

  const tab = (id: string, label: string, extra?: ReactNode) => (
    <span className={`dock-tab${active === id ? ' dock-tab-active' : ''}`} key={id}>
      <button
        type="button"
        role="tab"
        aria-selected={active === id}
        aria-controls="dock-panel"
        onClick={() => setActive(id)}
      >
        {label}
      </button>
      {extra}
    </span>
  );

  return (
    <section className="dock" aria-label="Dock">
      <DockResizer />
      <div className="dock-tabs" role="tablist" aria-label="Terminal, logs and audit">
        {terminals.map((t) =>
          tab(
            `term:${t.stream}`,
            `${t.ended ? '◌' : '▸'} ${t.title}`,
            <button
              type="button"
              className="dock-tab-close"
              aria-label={`Close terminal ${t.title}`}
              onClick={() => void closeTerminal(t.stream)}
            >
              ×
            </button>,
          ),
        )}
        {tab('logs', logs ? `Logs (${logs.label})` : 'Logs')}
        {tab('audit', 'Audit history')}
      </div>
      {error ? (
        <div className="callout callout-bad dock-error" role="alert">
          <strong>{error.message}</strong>
          {error.fix ? <p>{error.fix}</p> : null}
          <button type="button" className="btn btn-small" onClick={clearError}>
            Dismiss
          </button>
        </div>
      ) : null}
      <div id="dock-panel" role="tabpanel" className="dock-panel">
        {terminals.map((t) => (
          <TerminalView key={t.stream} tab={t} visible={active === `term:${t.stream}`} />
        ))}
        <LogView visible={active === 'logs'} />
        {active === 'audit' ? <AuditView version={auditVersion} /> : null}
      </div>
    </section>
  );
}

const MIN = 120;
const setHeight = (px: number) => {
  const h = Math.max(MIN, Math.min(window.innerHeight - 160, px));
  document.documentElement.style.setProperty('--dock-height', `${h}px`);
  return h;
};
const currentHeight = () =>
  parseInt(getComputedStyle(document.documentElement).getPropertyValue('--dock-height'), 10) || 280;

/** Drag (or arrow keys) to resize the dock, as in an IDE. */
function DockResizer() {
  return (
    <button
      type="button"
      className="dock-resize"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize the dock (arrow keys)"
      onKeyDown={(e) => {
        if (e.key === 'ArrowUp') setHeight(currentHeight() + 40);
        if (e.key === 'ArrowDown') setHeight(currentHeight() - 40);
      }}
      onPointerDown={(e) => {
        const startY = e.clientY;
        const start = currentHeight();
        const move = (m: PointerEvent) => setHeight(start + (startY - m.clientY));
        const up = () => {
          window.removeEventListener('pointermove', move);
          window.removeEventListener('pointerup', up);
        };
        window.addEventListener('pointermove', move);
        window.addEventListener('pointerup', up);
      }}
    />
  );
}
