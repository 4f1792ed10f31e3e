// The bottom dock: terminal tabs, one log stream, the audit history. The store owns the terminal and
// log subscriptions (opened on first use, closed by dispose); a terminal view registers a sink for
// its stream's output (held until it does), and the log view drains the LogBuffer once a frame.
import { create } from 'zustand';
import type { WireError } from '../../../shared/errors';
import type { Pool } from '../../../shared/deploy';
import type { TerminalTarget } from '../../../shared/streams';
import { api } from '../api';
import { wireErrorOf } from '../errors';
import { LogBuffer } from '../features/logs/log-buffer';
import { ownedSubscriptions } from './subscriptions';

export interface TerminalTab {
  stream: string;
  title: string;
  /** Why it ended ("exit 0", "the connection closed"); the tab stays until closed. */
  ended: string | null;
}

export interface LogSession {
  stream: string;
  label: string;
  server: string;
  env: string;
  ended: string | null;
  /** Bumped on every batch so the view knows there is something to write. */
  tick: number;
}

type Sink = (data: string) => void;

interface DockState {
  active: string;
  terminals: TerminalTab[];
  logs: LogSession | null;
  error: WireError | null;
  setActive(tab: string): void;
  openTerminal(server: string, target: TerminalTarget, size?: { cols: number; rows: number }): Promise<void>;
  closeTerminal(stream: string): Promise<void>;
  followLogs(server: string, env: string, o: { pool?: Pool; worker?: string }): Promise<void>;
  stopLogs(): Promise<void>;
  clearError(): void;
  /** Removes the store's event listeners (tests, hot reload); the next terminal or log stream adds them again. */
  dispose(): void;
}

const sinks = new Map<string, Sink>();
const held = new Map<string, string[]>();
/** The log pane's model; one stream at a time. */
export const logBuffer = { current: new LogBuffer() };

/** A terminal view attaches here; output that came before it is replayed. */
export function attachTerminal(stream: string, sink: Sink): () => void {
  sinks.set(stream, sink);
  for (const chunk of held.get(stream) ?? []) sink(chunk);
  held.delete(stream);
  return () => sinks.delete(stream);
}

export function sendTerminalInput(stream: string, data: string): void {
  void api.call('terminal.input', { stream, data }).catch(() => undefined);
}

export function resizeTerminal(stream: string, cols: number, rows: number): void {
  void api.call('terminal.resize', { stream, cols, rows }).catch(() => undefined);
}

export const useDock = create<DockState>((set, get) => {
  const subscriptions = ownedSubscriptions(() => [
    api.on('terminal.event', ({ stream, event }) => {
      if (event.kind === 'data') {
        const sink = sinks.get(stream);
        if (sink) sink(event.data);
        else held.set(stream, [...(held.get(stream) ?? []), event.data]);
        return;
      }
      const why = event.kind === 'end' ? (event.reason ?? `exit ${event.exitCode ?? '?'}`) : event.error.message;
      set((s) => ({ terminals: s.terminals.map((t) => (t.stream === stream ? { ...t, ended: why } : t)) }));
    }),
    api.on('logs.event', ({ stream, event }) => {
      const session = get().logs;
      if (!session || session.stream !== stream) return;
      if (event.kind === 'lines') {
        logBuffer.current.push(event.lines, event.dropped ?? 0);
        set({ logs: { ...session, tick: session.tick + 1 } });
      } else {
        set({ logs: { ...session, ended: event.kind === 'end' ? event.reason : event.error.message } });
      }
    }),
  ]);
  return {
    active: 'audit',
    terminals: [],
    logs: null,
    error: null,
    setActive: (active) => set({ active }),
    clearError: () => set({ error: null }),
    dispose: subscriptions.dispose,
    async openTerminal(server, target, size = { cols: 100, rows: 14 }) {
      subscriptions.ensure();
      try {
        const { stream, title } = await api.call('terminal.open', { server, target, ...size });
        set((s) => ({
          terminals: [...s.terminals, { stream, title, ended: null }],
          active: `term:${stream}`,
          error: null,
        }));
      } catch (err) {
        set({ error: wireErrorOf(err) });
      }
    },
    async closeTerminal(stream) {
      const tab = get().terminals.find((t) => t.stream === stream);
      if (tab && !tab.ended) await api.call('terminal.close', { stream }).catch(() => undefined);
      sinks.delete(stream);
      held.delete(stream);
      set((s) => {
        const terminals = s.terminals.filter((t) => t.stream !== stream);
        return {
          terminals,
          active:
            s.active === `term:${stream}`
              ? terminals.at(-1)
                ? `term:${terminals.at(-1)!.stream}`
                : 'audit'
              : s.active,
        };
      });
    },
    async followLogs(server, env, o) {
      subscriptions.ensure();
      await get().stopLogs();
      try {
        logBuffer.current = new LogBuffer();
        const { stream } = await api.call('logs.follow', {
          server,
          env,
          tail: 500,
          ...(o.pool ? { pool: o.pool } : {}),
          ...(o.worker ? { worker: o.worker } : {}),
        });
        set({
          logs: { stream, server, env, label: o.worker ?? `${env} · ${o.pool ?? 'all'} pool`, ended: null, tick: 0 },
          active: 'logs',
          error: null,
        });
      } catch (err) {
        set({ error: wireErrorOf(err) });
      }
    },
    async stopLogs() {
      const session = get().logs;
      if (session && !session.ended) await api.call('logs.stop', { stream: session.stream }).catch(() => undefined);
      if (session) set({ logs: { ...session, ended: session.ended ?? 'stopped' } });
    },
  };
});
