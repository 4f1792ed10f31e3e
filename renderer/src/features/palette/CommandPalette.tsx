// Ctrl/Cmd-K: servers, environments and actions by typing. Arrow keys move, Enter runs, Esc closes.
// It selects only what it lists and the actions it calls: the dock's state changes on every log
// batch, and reading it whole re-rendered the palette each time.
import { useMemo, useState } from 'react';
import { useDock } from '../../stores/dock';
import { useEnvironments } from '../../stores/environments';
import { useFleet } from '../../stores/fleet';
import { useUi } from '../../stores/ui';
import { buildCommands, filterCommands, paletteStatusSelector, type CommandAction } from './commands';

export function CommandPalette({ onAddServer, onImport }: { onAddServer(): void; onImport(): void }) {
  const inventory = useFleet((s) => s.inventory);
  const select = useFleet((s) => s.select);
  const envs = useEnvironments((s) => s.byServer);
  // One memoising selector per open palette (a lazy initial state, so it is made once).
  const [selectStatus] = useState(paletteStatusSelector);
  const status = useEnvironments((s) => selectStatus(s.status));
  const setPalette = useUi((s) => s.setPalette);
  const setTheme = useUi((s) => s.setTheme);
  const requestDialog = useUi((s) => s.requestDialog);
  const openTerminal = useDock((s) => s.openTerminal);
  const followLogs = useDock((s) => s.followLogs);
  const setActive = useDock((s) => s.setActive);
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const all = useMemo(() => buildCommands(inventory, envs, status), [inventory, envs, status]);
  const shown = filterCommands(all, query).slice(0, 50);
  const close = () => setPalette(false);

  const run = (a: CommandAction) => {
    close();
    switch (a.kind) {
      case 'select-server':
        return select(a.serverId);
      case 'terminal':
        return void openTerminal(a.serverId, { kind: 'server' });
      case 'deploy':
      case 'rollback':
      case 'restore':
        select(a.serverId);
        return requestDialog(a.kind, a.server, a.env);
      case 'logs': {
        const live = status[`${a.server}/${a.env}`]?.live;
        select(a.serverId);
        return void followLogs(a.server, a.env, live ? { pool: live } : {});
      }
      case 'audit':
        return setActive('audit');
      case 'add-server':
        return onAddServer();
      case 'import-ssh-config':
        return onImport();
      case 'theme':
        return setTheme(a.theme);
    }
  };

  return (
    <div className="dialog-backdrop palette-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div role="dialog" aria-modal="true" aria-label="Command palette" className="dialog palette">
        <input
          autoFocus
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-label="Type a command, a server or an environment"
          aria-activedescendant={shown[index] ? `cmd-${index}` : undefined}
          placeholder="Type a command, a server or an environment"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setIndex(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') close();
            if (e.key === 'ArrowDown') setIndex((i) => Math.min(shown.length - 1, i + 1));
            if (e.key === 'ArrowUp') setIndex((i) => Math.max(0, i - 1));
            if (e.key === 'Enter' && shown[index]) run(shown[index].action);
          }}
        />
        <ul id="palette-list" role="listbox" aria-label="Commands" className="palette-list">
          {shown.map((c, i) => (
            <li
              key={c.id}
              id={`cmd-${i}`}
              role="option"
              aria-selected={i === index}
              className={i === index ? 'palette-active' : ''}
              onMouseEnter={() => setIndex(i)}
              onClick={() => run(c.action)}
            >
              <span>{c.label}</span>
              <span className="muted">{c.shortcut ?? c.group}</span>
            </li>
          ))}
          {shown.length === 0 ? (
            <li className="muted" role="option" aria-selected="false" aria-disabled="true">
              No command matches “{query}”.
            </li>
          ) : null}
        </ul>
        <p className="hint">Ctrl+K opens this · Ctrl+Shift+A audit history · Ctrl+Shift+L logs · Esc closes</p>
      </div>
    </div>
  );
}
