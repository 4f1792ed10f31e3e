// The only place the renderer and main meet. Each call: a zod schema for the request (main parses
// every payload with it) and the response type. Each event: its payload type.
// Handlers are typed from this table, so a missing or misspelt handler is a compile error.
import { z } from 'zod';
import type {
  AppInfo, AuditRecord, AuditVerification, Client, ConnectOutcome, ConnectionState, ContainerSummary,
  Inventory, Server, SshConfigHost,
} from './model';
import { displayName, filePath, fingerprint, hostName, id, port, secretName, tag, userName } from './validation';

const jumpHost = z.object({
  host: hostName,
  port: port.default(22),
  user: userName,
  identityFile: filePath.optional(),
  hostKey: fingerprint.optional(),
}).strict();

export const newServerSchema = z.object({
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
}).strict();

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
  'servers.importSshConfig': z.object({ clientId: id, path: filePath.optional(), aliases: z.array(z.string().max(200)).max(500).optional() }).strict(),
  'servers.connect': z.object({ id }).strict(),
  'servers.trustHostKey': z.object({ id, fingerprint, hop: z.enum(['server', 'jump']).default('server') }).strict(),
  'servers.disconnect': z.object({ id }).strict(),
  'docker.containers': z.object({ server: id, stats: z.boolean().default(true) }).strict(),
  'audit.list': z.object({ server: z.string().max(100).optional(), limit: z.number().int().min(1).max(5000).default(500) }).strict(),
  'audit.verify': z.object({}).strict(),
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
  'audit.verify': AuditVerification;
}

export type Response<C extends Channel> = Responses[C];

export interface Events {
  'connection.state': { server: string; state: ConnectionState };
}
export type EventName = keyof Events;

/** Compile-time check that every channel has a response type and vice versa. */
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const contractIsComplete: Exact<Channel, keyof Responses> = true;

export const channels = Object.keys(requestSchemas) as Channel[];
export const eventNames: EventName[] = ['connection.state'];
