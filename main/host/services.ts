// The one place that wires the store and the remote layer into the contract's handlers.
// Electron (main/app) and the browser host both call createHostServices; neither knows the other.
import { EventEmitter } from 'node:events';
import type { EventName, Events } from '../../shared/ipc-contract';
import type { EmitEvent, Handlers } from './dispatch';
import { resolveHome } from '../store/home';
import { InventoryStore } from '../store/inventory';
import { EnvSecretStore, LayeredSecretStore, Redactor, type SecretStore } from '../store/secret-store';
import { LocalSecretStore } from '../store/local-secret-store';
import type { AuditLog } from '../store/audit-log';
import { openAuditLog } from '../store/audit-trust';
import { ConnectionPool } from '../remote/connection-pool';
import { ServerSessions } from './servers/server-sessions';
import { createHandlers } from './handlers';
import { probeLocalDocker } from './servers/local-docker';
import { EnvironmentStore } from '../store/environments';
import { Deployments } from './deploys/deployments';
import { DeployStreams } from './deploys/deploy-streams';
import { createEnvironmentHandlers } from './environments/handlers';
import { createStreamHandlers } from './streams/handlers';
import { TerminalStreams } from './streams/terminal-streams';
import { LogStreams } from './streams/log-streams';
import { createSecretHandlers } from './secrets/handlers';

export interface HostServices {
  handlers: Handlers;
  onEvent(listener: <E extends EventName>(event: E, payload: Events[E]) => void): () => void;
  close(): Promise<void>;
  /** Deploys, rollbacks and status of environments (the CLI calls these directly). */
  deployments: Deployments;
  environments: EnvironmentStore;
  /** The audit log, keyed from the one source app and CLI share (store/audit-trust.ts). */
  audit: AuditLog;
  /** Non-fatal warnings found at start-up (e.g. where the audit key lives), for the host to print. */
  warnings: string[];
  /** Every known secret, in each of its forms, replaced: for whatever a host prints outside the contract. */
  redact(text: string): string;
}

export interface HostServicesOptions {
  home?: string;
  transport: 'electron' | 'browser' | 'cli';
  /** Replaces the whole chain below (tests). */
  secrets?: SecretStore;
  /**
   * The app's OS-keychain store of older versions: read after the local secret store, so secrets kept
   * there still work, and for the audit key it once held.
   */
  keychain?: SecretStore;
  env?: NodeJS.ProcessEnv;
  /** Where warnings found while serving calls go (the CLI: stderr); by default the process's warnings. */
  warn?: (message: string) => void;
}

export async function createHostServices(opts: HostServicesOptions): Promise<HostServices> {
  const env = opts.env ?? process.env;
  const home = opts.home ?? resolveHome(env);
  const warnings: string[] = [];

  // The audit log first: it must open (and a first open of an older log move to the new key) whatever
  // state the rest of the home is in.
  // Secrets this process holds are redacted from the start (the audit key too); the ones resolved
  // later join when read.
  const redactor = new Redactor();
  redactor.addFromEnvironment(env);
  const opened = await openAuditLog({
    home,
    env,
    secrets: opts.keychain ?? opts.secrets ?? new EnvSecretStore(env),
    redactor,
  });
  warnings.push(...opened.warnings);
  redactor.add(opened.key.key.toString('hex'));
  const audit = opened.audit;
  // One order for every process on this home: FLIPDECK_SECRET_<NAME> (CI overrides), then the local
  // secret store keyed from the audit key just resolved, then the app's older keychain store.
  const secrets =
    opts.secrets ??
    new LayeredSecretStore([
      new EnvSecretStore(env),
      new LocalSecretStore(home, async () => opened.key),
      ...(opts.keychain ? [opts.keychain] : []),
    ]);

  const inventory = new InventoryStore(home);
  await inventory.load();

  const { emit, onEvent, close: closeBus } = eventBus(redactor);

  const pool = new ConnectionPool();
  pool.on('state', (server: string, state: Events['connection.state']['state']) =>
    emit('connection.state', { server, state }),
  );
  const sessions = new ServerSessions({ pool, inventory, secrets, redactor, env });

  const warn = opts.warn ?? ((message: string) => process.emitWarning(message));
  const baseHandlers = createHandlers({
    home,
    transport: opts.transport === 'electron' ? 'electron' : 'browser',
    inventory,
    audit,
    sessions,
    probeLocalDocker: () => probeLocalDocker(env),
    env,
    warn,
  });

  const environments = new EnvironmentStore(home);
  const deployments = new Deployments({ inventory, environments, sessions, secrets, redactor, audit, env });
  const streams = new DeployStreams(deployments, emit);
  const terminals = new TerminalStreams({ sessions, inventory, audit, emit });
  const logs = new LogStreams({ deployments, emit });
  const handlers = redacting(
    {
      ...baseHandlers,
      ...createEnvironmentHandlers({ deployments, environments, streams, sessions, inventory }),
      ...createStreamHandlers({ home, inventory, audit, terminals, logs }),
      ...createSecretHandlers({ secrets, environments, inventory, audit, redactor, env, warn }),
    },
    redactor,
  );

  return {
    handlers,
    warnings,
    audit,
    deployments,
    environments,
    redact: (text) => redactor.redact(text),
    onEvent,
    async close() {
      terminals.closeAll();
      logs.stopAll();
      await sessions.closeAll();
      closeBus();
    },
  };
}

/** The events a host forwards to its window or tab: each (deploy progress, logs, terminal output) redacted first. */
export function eventBus(redactor: Redactor): {
  emit: EmitEvent;
  onEvent: HostServices['onEvent'];
  close(): void;
} {
  const bus = new EventEmitter();
  return {
    emit: (event, payload) => bus.emit('event', event, redactor.redactDeep(payload)),
    onEvent(listener) {
      const wrapped = (event: EventName, payload: unknown) => listener(event, payload as never);
      bus.on('event', wrapped);
      return () => bus.off('event', wrapped);
    },
    close: () => bus.removeAllListeners(),
  };
}

/** Each handler's answer and error pass the redactor before any transport carries them. */
function redacting(handlers: Handlers, redactor: Redactor): Handlers {
  const wrap =
    <A extends unknown[], R>(handler: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return redactor.redactDeep(await handler(...args));
      } catch (err) {
        throw redactor.redactError(err);
      }
    };
  return Object.fromEntries(
    Object.entries(handlers).map(([channel, handler]) => [
      channel,
      wrap(handler as (...a: unknown[]) => Promise<unknown>),
    ]),
  ) as Handlers;
}
