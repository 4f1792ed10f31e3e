// The command palette's list, as pure data: every server, environment and common action, and a
// filter where each typed word must appear (in any order) in the command's label or keywords.
import type { Inventory } from '../../../../shared/model';
import type { EnvironmentStatus, EnvironmentSummary } from '../../../../shared/deploy';

export type CommandAction =
  | { kind: 'select-server'; serverId: string }
  | { kind: 'terminal'; serverId: string }
  | { kind: 'deploy' | 'rollback' | 'restore'; serverId: string; server: string; env: string }
  | { kind: 'logs'; serverId: string; server: string; env: string }
  | { kind: 'audit' }
  | { kind: 'add-server' }
  | { kind: 'import-ssh-config' }
  | { kind: 'theme'; theme: 'system' | 'light' | 'dark' };

export interface Command {
  id: string;
  label: string;
  group: 'Servers' | 'Environments' | 'Actions';
  keywords: string;
  shortcut?: string;
  action: CommandAction;
}

export function buildCommands(
  inv: Inventory,
  envs: Record<string, EnvironmentSummary[] | undefined>,
  status: Record<string, EnvironmentStatus | undefined>,
): Command[] {
  const out: Command[] = [];
  for (const s of inv.servers) {
    const client = inv.clients.find((c) => c.id === s.clientId)?.name ?? '';
    out.push({
      id: `server:${s.id}`,
      label: `Go to ${s.name}`,
      group: 'Servers',
      keywords: `${client} ${s.host} ${s.tags.join(' ')}`,
      action: { kind: 'select-server', serverId: s.id },
    });
    if (s.kind !== 'local')
      out.push({
        id: `terminal:${s.id}`,
        label: `Open a terminal on ${s.name}`,
        group: 'Servers',
        keywords: `ssh shell ${client}`,
        action: { kind: 'terminal', serverId: s.id },
      });
    for (const e of envs[s.name] ?? []) {
      const ref = `${s.name}/${e.name}`;
      const st = status[ref];
      out.push({
        id: `deploy:${ref}`,
        label: `Deploy ${ref}…`,
        group: 'Environments',
        keywords: `${client} release`,
        action: { kind: 'deploy', serverId: s.id, server: s.name, env: e.name },
      });
      if (st?.live)
        out.push({
          id: `logs:${ref}`,
          label: `Follow the logs of ${ref} (${st.live})`,
          group: 'Environments',
          keywords: `${client} tail`,
          action: { kind: 'logs', serverId: s.id, server: s.name, env: e.name },
        });
      if (st?.live)
        out.push({
          id: `restore:${ref}`,
          label: `Database backups of ${ref}…`,
          group: 'Environments',
          keywords: `${client} restore pg_dump migration undo`,
          action: { kind: 'restore', serverId: s.id, server: s.name, env: e.name },
        });
      if (st?.kept && Date.parse(st.kept.until) > Date.now())
        out.push({
          id: `rollback:${ref}`,
          label: `Roll back ${ref} to ${st.kept.pool}…`,
          group: 'Environments',
          keywords: `${client} emergency revert undo`,
          action: { kind: 'rollback', serverId: s.id, server: s.name, env: e.name },
        });
    }
  }
  out.push(
    {
      id: 'audit',
      label: 'Show the audit history',
      group: 'Actions',
      keywords: 'log history report',
      shortcut: 'Ctrl+Shift+A',
      action: { kind: 'audit' },
    },
    { id: 'add-server', label: 'Add a server…', group: 'Actions', keywords: 'new ssh', action: { kind: 'add-server' } },
    {
      id: 'import-ssh-config',
      label: 'Import servers from ~/.ssh/config…',
      group: 'Actions',
      keywords: 'new ssh hosts',
      action: { kind: 'import-ssh-config' },
    },
    {
      id: 'theme:light',
      label: 'Theme: light',
      group: 'Actions',
      keywords: 'appearance colour',
      action: { kind: 'theme', theme: 'light' },
    },
    {
      id: 'theme:dark',
      label: 'Theme: dark',
      group: 'Actions',
      keywords: 'appearance colour night',
      action: { kind: 'theme', theme: 'dark' },
    },
    {
      id: 'theme:system',
      label: 'Theme: follow the system',
      group: 'Actions',
      keywords: 'appearance colour auto',
      action: { kind: 'theme', theme: 'system' },
    },
  );
  return out;
}

type StatusByEnv = Record<string, EnvironmentStatus | undefined>;

/** What the list shows of one environment's status: its live pool, and its kept pool while the rollback window is open. */
const shownOf = (st: EnvironmentStatus | undefined, now: number) =>
  `${st?.live ?? ''}:${st?.kept && Date.parse(st.kept.until) > now ? st.kept.pool : ''}`;

/**
 * A selector of the environments' status for one palette: it returns the record it returned last
 * while nothing the list shows has changed, so the status refresh each environment card runs every
 * few seconds (new workers' uptime, a lock) does not re-render the palette. The record it keeps may
 * then hold stale workers and locks, which the palette never reads.
 */
export function paletteStatusSelector(): (status: StatusByEnv) => StatusByEnv {
  let last: StatusByEnv | null = null;
  let lastShown = '';
  return (status) => {
    if (status === last) return status;
    const now = Date.now();
    const shown = Object.entries(status)
      .map(([key, st]) => `${key}=${shownOf(st, now)}`)
      .join('\n');
    if (last === null || shown !== lastShown) [last, lastShown] = [status, shown];
    return last;
  };
}

export function filterCommands(commands: Command[], query: string): Command[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return commands;
  return commands.filter((c) => {
    const hay = `${c.label} ${c.keywords}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}
