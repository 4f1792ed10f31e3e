// The only place the renderer and main meet. Each call: a zod schema for the request (main parses
// every payload with it) and the response type. Each event: its payload type.
// Handlers are typed from this table, so a missing or misspelt handler is a compile error.
import { z } from 'zod';
import type {
  AppInfo,
  AuditRecord,
  AuditVerification,
  Client,
  ConnectOutcome,
  ConnectionState,
  ContainerSummary,
  Inventory,
  SecretStatus,
  Server,
  ServerHealth,
  SshConfigHost,
} from './model';
import type {
  BackupInfo,
  DeployStreamEvent,
  EnvironmentStatus,
  EnvironmentSummary,
  PoolResources,
  PreflightCheck,
  RestoreOutcome,
} from './deploy';
import { BACKUP_FILE } from './deploy';
import type { LogsEvent, TerminalEvent } from './streams';
import {
  displayName,
  filePath,
  fingerprint,
  hostName,
  id,
  port,
  secretName,
  secretValue,
  tag,
  userName,
} from './validation';

/** SERVER/ENV as the CLI names them; the environment name is a Docker-safe slug. */
const envRef = z
  .object({
    server: displayName,
    env: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'environment names are lower-case letters, digits, _ and -'),
  })
  .strict();
const streamId = z.string().regex(/^[a-z0-9-]{8,64}$/, 'not a stream id');
const containerName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, 'must be a container name (letters, digits, _ . -)');
const pool = z.enum(['blue', 'green']);
const MEMORY_MIB = 'must be a whole number of MiB from 64 to 1048576 (1 TiB)';
const SWAP_MIB = 'must be a whole number of MiB from 64 to 2097152 (2 TiB)';
const CPUS = 'must be a number of CPUs from 0.01 to 256 (what Docker accepts)';
const termSize = { cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) };
const isoDate = z.string().regex(/^\d{4}-\d\d-\d\d(T[\d:.]+Z?)?$/, 'must be a date like 2026-11-25');
/** An audit filter: every field narrows; kinds are action families (deploy, edge, docker, terminal…). */
export const auditQuery = z
  .object({
    client: z.string().max(100).optional(),
    server: z.string().max(100).optional(),
    environment: z.string().max(40).optional(),
    kinds: z
      .array(z.string().regex(/^[a-z_]{1,30}$/))
      .max(20)
      .optional(),
    deployId: z
      .string()
      .regex(/^[0-9a-f-]{6,40}$/)
      .optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    text: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(5000).default(500),
  })
  .strict();

const jumpHost = z
  .object({
    host: hostName,
    port: port.default(22),
    user: userName,
    identityFile: filePath.optional(),
    hostKey: fingerprint.optional(),
  })
  .strict();

export const newServerSchema = z
  .object({
    clientId: id,
    name: displayName,
    kind: z.enum(['ssh', 'local']).default('ssh'),
    host: hostName,
    port: port.default(22),
    user: userName,
    identityFile: filePath.optional(),
    passphraseSecret: secretName.optional(),
    useAgent: z.boolean().default(false),
    jump: jumpHost.optional(),
    dockerSocket: filePath.default('/var/run/docker.sock'),
    hostKey: fingerprint.optional(),
    tags: z.array(tag).max(20).default([]),
  })
  .strict();

export const requestSchemas = {
  'app.info': z.object({}).strict(),
  'inventory.get': z.object({ search: z.string().max(200).optional(), tags: z.array(tag).max(20).optional() }).strict(),
  'clients.add': z.object({ name: displayName, tags: z.array(tag).max(20).default([]) }).strict(),
  'clients.update': z.object({ id, name: displayName.optional(), tags: z.array(tag).max(20).optional() }).strict(),
  'clients.remove': z.object({ id }).strict(),
  'servers.add': newServerSchema,
  'servers.update': z.object({ id, patch: newServerSchema.partial().strict() }).strict(),
  'servers.remove': z.object({ id }).strict(),
  'servers.sshConfigHosts': z.object({ path: filePath.optional() }).strict(),
  'servers.importSshConfig': z
    .object({ clientId: id, path: filePath.optional(), aliases: z.array(z.string().max(200)).max(500).optional() })
    .strict(),
  'servers.connect': z.object({ id }).strict(),
  'servers.trustHostKey': z.object({ id, fingerprint, hop: z.enum(['server', 'jump']).default('server') }).strict(),
  'servers.disconnect': z.object({ id }).strict(),
  'docker.containers': z.object({ server: id, stats: z.boolean().default(true) }).strict(),
  'audit.list': auditQuery,
  'audit.record': z.object({ seq: z.number().int().min(1) }).strict(),
  'audit.report': z
    .object({
      server: displayName,
      env: z.string().max(40),
      deployId: z.string().regex(/^[0-9a-f-]{6,40}$/, 'not a deploy id'),
    })
    .strict(),
  'audit.verify': z.object({}).strict(),
  'fleet.health': z.object({ server: id }).strict(),
  'environments.list': z.object({ server: displayName.optional() }).strict(),
  'environments.status': envRef,
  'environments.backups': envRef,
  'environments.restore': envRef
    .extend({ backup: z.string().regex(BACKUP_FILE, 'must be a backup file name from the list') })
    .strict(),
  'deploy.preflight': envRef,
  'deploy.start': envRef
    .extend({
      kind: z.enum(['deploy', 'rollback']),
      ref: z
        .string()
        .max(200)
        .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/@+-]+$/, 'must be a branch, tag or commit')
        .optional(),
      /** Pause before the flip until deploy.confirmFlip (the wizard's deliberate confirm). */
      confirmFlip: z.boolean().default(true),
      /** How a schema-changing deploy runs its module update; the environment's choice when absent. */
      updateMode: z.enum(['online', 'cutover']).optional(),
    })
    .strict(),
  'deploy.confirmFlip': z.object({ stream: streamId }).strict(),
  'deploy.cancel': z.object({ stream: streamId }).strict(),
  'resources.get': envRef.extend({ pool: z.enum(['blue', 'green']) }).strict(),
  'resources.update': envRef
    .extend({
      pool: z.enum(['blue', 'green']),
      memoryMiB: z.number().int().min(64, MEMORY_MIB).max(1_048_576, MEMORY_MIB).optional(),
      memorySwapMiB: z.number().int().min(64, SWAP_MIB).max(2_097_152, SWAP_MIB).optional(),
      cpus: z.number().min(0.01, CPUS).max(256, CPUS).optional(),
    })
    .strict(),
  'terminal.open': z
    .object({
      server: id,
      target: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('server') }).strict(),
        z.object({ kind: z.literal('container'), container: containerName }).strict(),
      ]),
      ...termSize,
    })
    .strict(),
  'terminal.input': z.object({ stream: streamId, data: z.string().max(65_536) }).strict(),
  'terminal.resize': z.object({ stream: streamId, ...termSize }).strict(),
  'terminal.close': z.object({ stream: streamId }).strict(),
  'logs.follow': envRef
    .extend({
      pool: pool.optional(),
      worker: containerName.optional(),
      tail: z.number().int().min(0).max(10_000).default(200),
    })
    .strict(),
  'logs.stop': z.object({ stream: streamId }).strict(),
  /** The secrets an environment refers to; without one, every secret the store and the environment variables hold. */
  'secrets.list': z
    .object({ server: envRef.shape.server.optional(), env: envRef.shape.env.optional() })
    .strict()
    .refine((r) => (r.server === undefined) === (r.env === undefined), 'give both server and env, or neither'),
  /** The value goes renderer → main only: no answer ever carries it back. */
  'secrets.set': z.object({ name: secretName, value: secretValue }).strict(),
  'secrets.remove': z.object({ name: secretName }).strict(),
} as const;

export type Channel = keyof typeof requestSchemas;
export type Request<C extends Channel> = z.input<(typeof requestSchemas)[C]>;
export type ParsedRequest<C extends Channel> = z.output<(typeof requestSchemas)[C]>;

export interface Responses {
  'app.info': AppInfo;
  'inventory.get': Inventory;
  'clients.add': Client;
  'clients.update': Client;
  'clients.remove': void;
  'servers.add': Server;
  'servers.update': Server;
  'servers.remove': void;
  'servers.sshConfigHosts': SshConfigHost[];
  'servers.importSshConfig': { added: Server[]; skipped: { alias: string; reason: string }[] };
  'servers.connect': ConnectOutcome;
  'servers.trustHostKey': Server;
  'servers.disconnect': void;
  'docker.containers': ContainerSummary[];
  'audit.list': AuditRecord[];
  /** One record with its whole output (a large output lives in a side file). */
  'audit.record': AuditRecord & { fullOutput?: string };
  /** The deploy report, written under the Flipdeck home; `html` too, for the browser host to download. */
  'audit.report': { path: string; html: string; fileName: string };
  'audit.verify': AuditVerification;
  'fleet.health': ServerHealth;
  'environments.list': EnvironmentSummary[];
  'environments.status': EnvironmentStatus;
  /** Newest first; `suggested`: the one taken before the kept pool's migration. */
  'environments.backups': { backups: BackupInfo[]; suggested?: string };
  'environments.restore': RestoreOutcome;
  'deploy.preflight': PreflightCheck[];
  'deploy.start': { stream: string };
  'deploy.confirmFlip': void;
  'deploy.cancel': void;
  'resources.get': PoolResources;
  'resources.update': {
    name: string;
    old: Record<string, number | undefined>;
    new: Record<string, number | undefined>;
  }[];
  'terminal.open': { stream: string; title: string };
  'terminal.input': void;
  'terminal.resize': void;
  'terminal.close': void;
  'logs.follow': { stream: string };
  'logs.stop': void;
  'secrets.list': SecretStatus[];
  /** Where a deploy reads it from now: an environment variable still overrides the stored value. */
  'secrets.set': SecretStatus;
  'secrets.remove': SecretStatus;
}

export type Response<C extends Channel> = Responses[C];

export interface Events {
  'connection.state': { server: string; state: ConnectionState };
  'deploy.event': { stream: string; server: string; env: string; event: DeployStreamEvent };
  'terminal.event': { stream: string; event: TerminalEvent };
  'logs.event': { stream: string; event: LogsEvent };
}
export type EventName = keyof Events;

/** Compile-time check that every channel has a response type and vice versa. */
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const contractIsComplete: Exact<Channel, keyof Responses> = true;

export const channels = Object.keys(requestSchemas) as Channel[];
export const eventNames: EventName[] = ['connection.state', 'deploy.event', 'terminal.event', 'logs.event'];
