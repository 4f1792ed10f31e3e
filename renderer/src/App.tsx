import { useEffect, useState } from 'react';
import { useFleet } from './stores/fleet';
import { FleetSidebar } from './features/fleet/FleetSidebar';
import { EmptyState } from './features/fleet/EmptyState';
import { AddServerDialog } from './features/servers/AddServerDialog';
import { ImportSshConfigDialog } from './features/servers/ImportSshConfigDialog';
import { HostKeyDialog } from './features/servers/HostKeyDialog';
import { ServerPane } from './features/containers/ServerPane';
import { FleetOverview } from './features/fleet/FleetOverview';
import { Dock } from './features/dock/Dock';
import { CommandPalette } from './features/palette/CommandPalette';
import { applyTheme, useUi } from './stores/ui';
import { useDock } from './stores/dock';
import { useEnvironments } from './stores/environments';

/** How often the app looks for changes the CLI made to local state (a stat in main when nothing changed). */
const LOCAL_STATE_REFRESH_MS = 5000;

export function App() {
  const load = useFleet((s) => s.load);
  const loaded = useFleet((s) => s.loaded);
  const loadError = useFleet((s) => s.loadError);
  const inventory = useFleet((s) => s.inventory);
  const selected = useFleet((s) => s.selected);
  const status = useFleet((s) => s.status);
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [dismissedKey, setDismissedKey] = useState<string | null>(null);

  const paletteOpen = useUi((s) => s.paletteOpen);
  const setPalette = useUi((s) => s.setPalette);
  const theme = useUi((s) => s.theme);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => {
    // The CLI changes the same inventory and environments: show its changes without a restart, when
    // the window comes back to the front and every few seconds while it is shown.
    const refresh = () => {
      if (document.visibilityState !== 'visible') return;
      void useFleet.getState().refresh();
      const envs = useEnvironments.getState();
      for (const server of Object.keys(envs.byServer)) void envs.load(server);
    };
    const timer = setInterval(refresh, LOCAL_STATE_REFRESH_MS);
    window.addEventListener('focus', refresh);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', refresh);
    };
  }, []);
  useEffect(() => {
    // Window-wide shortcuts; a focused terminal keeps every other key to itself.
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setPalette(true);
      } else if (mod && e.shiftKey && e.key.toLowerCase() === 'a') {
        e.preventDefault();
        useDock.getState().setActive('audit');
      } else if (mod && e.shiftKey && e.key.toLowerCase() === 'l') {
        e.preventDefault();
        useDock.getState().setActive('logs');
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [setPalette]);

  const server = inventory.servers.find((s) => s.id === selected) ?? null;
  const client = server ? inventory.clients.find((c) => c.id === server.clientId) : undefined;
  const st = server ? status[server.id] : undefined;
  const keyPrompt =
    server && st?.kind === 'needs_trust' && dismissedKey !== `${server.id}:${st.outcome.kind}` ? st.outcome : null;
  const auditVersion = Object.values(status).length + inventory.servers.length;

  return (
    <div className="app">
      <FleetSidebar onAdd={() => setAdding(true)} />
      <main className="main">
        {!loaded ? <p className="muted pane">Loading…</p> : null}
        {loadError ? (
          <div className="callout callout-bad pane" role="alert">
            <strong>{loadError.message}</strong>
            {loadError.fix ? <p>{loadError.fix}</p> : null}
          </div>
        ) : null}
        {loaded && !loadError && inventory.servers.length === 0 ? (
          <EmptyState onAdd={() => setAdding(true)} onImport={() => setImporting(true)} />
        ) : null}
        {server ? <ServerPane server={server} clientName={client?.name ?? ''} /> : null}
        {!server && loaded && inventory.servers.length > 0 ? <FleetOverview /> : null}
      </main>
      <Dock auditVersion={auditVersion} />
      {adding ? <AddServerDialog onClose={() => setAdding(false)} /> : null}
      {paletteOpen ? <CommandPalette onAddServer={() => setAdding(true)} onImport={() => setImporting(true)} /> : null}
      {importing ? <ImportSshConfigDialog onClose={() => setImporting(false)} /> : null}
      {server && keyPrompt ? (
        <HostKeyDialog
          serverId={server.id}
          serverName={server.name}
          host={server.host}
          outcome={keyPrompt}
          onClose={() => setDismissedKey(`${server.id}:${keyPrompt.kind}`)}
        />
      ) : null}
    </div>
  );
}
