// The inventory of clients and their servers, in <home>/inventory.json. The app and the CLI (and CI
// jobs) share the file: every change is a read-modify-write under the home's lock, starting from the
// file as it is then, and every read first checks whether another process replaced the file.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { Client, Inventory, NewServer, Server } from '../../shared/model';
import { newServerSchema } from '../../shared/ipc-contract';
import { FlipdeckError } from '../../shared/errors';
import { describeIssues, displayName, fingerprint, id, tag } from '../../shared/validation';
import { fileStampSync, readJsonFileSync, writeJsonFileAtomic } from './json-file';
import { assertHomeLockHeld, withHomeLock } from './home-lock';

const clientSchema = z.object({ id, name: displayName, tags: z.array(tag).default([]) }).strict();
const serverSchema = newServerSchema.extend({ id, hostKey: fingerprint.optional() });
const fileSchema = z
  .object({ version: z.literal(1), clients: z.array(clientSchema), servers: z.array(serverSchema) })
  .strict();
type InventoryFile = z.output<typeof fileSchema>;

export const newId = () => randomBytes(6).toString('base64url');

const emptyFile = (): InventoryFile => ({ version: 1, clients: [], servers: [] });

function findClient(data: InventoryFile, clientId: string): Client {
  const c = data.clients.find((x) => x.id === clientId);
  if (!c)
    throw new FlipdeckError('not_found', `no client with id ${clientId}`, {
      fix: 'reload the inventory; it may have been removed',
    });
  return c;
}

function findServer(data: InventoryFile, serverId: string): Server {
  const s = data.servers.find((x) => x.id === serverId);
  if (!s)
    throw new FlipdeckError('not_found', `no server with id ${serverId}`, {
      fix: 'reload the inventory; it may have been removed',
    });
  return s as Server;
}

function assertUniqueName(data: InventoryFile, clientId: string, name: string, except?: string): void {
  if (
    data.servers.some((s) => s.clientId === clientId && s.id !== except && s.name.toLowerCase() === name.toLowerCase())
  ) {
    throw new FlipdeckError('bad_input', `this client already has a server named ${name}`, {
      fix: 'pick another name',
    });
  }
}

function serverPatched(data: InventoryFile, serverId: string, patch: Partial<z.input<typeof newServerSchema>>): Server {
  const current = findServer(data, serverId);
  const { id: _id, ...rest } = current;
  const r = newServerSchema.safeParse({ ...rest, ...patch });
  if (!r.success) throw new FlipdeckError('bad_input', describeIssues(r.error), { fix: 'correct the named fields' });
  findClient(data, r.data.clientId);
  if (r.data.name !== current.name || r.data.clientId !== current.clientId)
    assertUniqueName(data, r.data.clientId, r.data.name, serverId);
  // A new address is a new machine: its host key must be confirmed again.
  const moved = r.data.host !== current.host || r.data.port !== current.port;
  const next = {
    ...r.data,
    id: serverId,
    ...(moved && !('hostKey' in patch) ? { hostKey: undefined } : {}),
  } as Server;
  if (next.hostKey === undefined) delete next.hostKey;
  return next;
}

export class InventoryStore {
  readonly file: string;
  private readonly home: string;
  private data: InventoryFile = emptyFile();
  /** The stamp of the file version `data` was read from; null: read it again whatever the stamp. */
  private seen: string | null = null;
  /** A corrupt version is reported (and copied aside) once, not on every read. */
  private corrupt: { stamp: string; error: unknown } | null = null;

  constructor(home: string) {
    this.home = home;
    this.file = path.join(home, 'inventory.json');
  }

  async load(): Promise<void> {
    this.seen = null;
    this.current();
  }

  /** Kept for callers that ask explicitly; every read already picks up another process's change. */
  async reloadIfChanged(): Promise<void> {
    this.current();
  }

  /**
   * The inventory as the file holds it now. The CLI (or another window, or a CI job) may have replaced
   * the file since the last read: a stat tells, and the (small) file is then read again, synchronously,
   * so the many synchronous readers below never see an old copy.
   */
  private current(): InventoryFile {
    const stamp = fileStampSync(this.file);
    if (stamp === this.seen) return this.data;
    if (this.corrupt && this.corrupt.stamp === stamp) throw this.corrupt.error;
    try {
      const read = readJsonFileSync(this.file, fileSchema, { fallback: emptyFile });
      this.data = read.data;
      this.seen = read.stamp;
      this.corrupt = null;
    } catch (err) {
      this.corrupt = { stamp, error: err };
      throw err;
    }
    return this.data;
  }

  get(): Inventory {
    const data = this.current();
    return structuredClone({ clients: data.clients, servers: data.servers as Server[] });
  }

  search(q: { search?: string | undefined; tags?: string[] | undefined } = {}): Inventory {
    const data = this.current();
    const needle = q.search?.trim().toLowerCase() ?? '';
    const tags = (q.tags ?? []).map((t) => t.toLowerCase());
    const clientById = new Map(data.clients.map((c) => [c.id, c]));
    const servers = (data.servers as Server[]).filter((s) => {
      const client = clientById.get(s.clientId);
      const allTags = [...s.tags, ...(client?.tags ?? [])].map((t) => t.toLowerCase());
      if (tags.some((t) => !allTags.includes(t))) return false;
      if (!needle) return true;
      return [client?.name ?? '', s.name, s.host, ...allTags].some((f) => f.toLowerCase().includes(needle));
    });
    const clientIds = new Set(servers.map((s) => s.clientId));
    const clients = data.clients.filter(
      (c) => clientIds.has(c.id) || (!needle && tags.length === 0) || c.name.toLowerCase().includes(needle),
    );
    return structuredClone({ clients, servers });
  }

  client(clientId: string): Client {
    return structuredClone(findClient(this.current(), clientId));
  }

  server(serverId: string): Server {
    return structuredClone(findServer(this.current(), serverId));
  }

  serverByName(name: string): Server {
    const matches = this.current().servers.filter((s) => s.name === name);
    if (matches.length === 0)
      throw new FlipdeckError('not_found', `no server named ${name}`, {
        fix: 'see `flipdeck server list` for the names',
      });
    if (matches.length > 1)
      throw new FlipdeckError('bad_input', `${matches.length} servers are named ${name} (in different clients)`, {
        fix: 'rename one of them',
      });
    return structuredClone(matches[0]!) as Server;
  }

  async addClient(input: { name: string; tags?: string[] }): Promise<Client> {
    const r = clientSchema.omit({ id: true }).safeParse(input);
    if (!r.success) throw new FlipdeckError('bad_input', describeIssues(r.error));
    return this.change((data) => {
      if (data.clients.some((c) => c.name.toLowerCase() === r.data.name.toLowerCase())) {
        throw new FlipdeckError('bad_input', `a client named ${r.data.name} already exists`, {
          fix: 'pick another name, or add the server to the existing client',
        });
      }
      const client: Client = { id: newId(), name: r.data.name, tags: r.data.tags };
      return { next: { ...data, clients: [...data.clients, client] }, result: client };
    });
  }

  async updateClient(
    clientId: string,
    patch: { name?: string | undefined; tags?: string[] | undefined },
  ): Promise<Client> {
    return this.change((data) => {
      const current = findClient(data, clientId);
      const next = {
        ...current,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
      };
      const r = clientSchema.safeParse(next);
      if (!r.success) throw new FlipdeckError('bad_input', describeIssues(r.error));
      if (data.clients.some((c) => c.id !== clientId && c.name.toLowerCase() === r.data.name.toLowerCase())) {
        throw new FlipdeckError('bad_input', `a client named ${r.data.name} already exists`);
      }
      return { next: { ...data, clients: data.clients.map((c) => (c.id === clientId ? r.data : c)) }, result: r.data };
    });
  }

  async removeClient(clientId: string): Promise<void> {
    return this.change((data) => {
      const c = findClient(data, clientId);
      const servers = data.servers.filter((s) => s.clientId === clientId);
      if (servers.length > 0) {
        throw new FlipdeckError(
          'refused',
          `${c.name} still has ${servers.length} server(s): ${servers.map((s) => s.name).join(', ')}`,
          { fix: 'remove or move its servers first' },
        );
      }
      return { next: { ...data, clients: data.clients.filter((x) => x.id !== clientId) }, result: undefined };
    });
  }

  async addServer(input: NewServer | z.input<typeof newServerSchema>): Promise<Server> {
    const r = newServerSchema.safeParse(input);
    if (!r.success) throw new FlipdeckError('bad_input', describeIssues(r.error), { fix: 'correct the named fields' });
    return this.change((data) => {
      findClient(data, r.data.clientId);
      assertUniqueName(data, r.data.clientId, r.data.name);
      const server = { ...r.data, id: newId() } as Server;
      return { next: { ...data, servers: [...data.servers, server] }, result: server };
    });
  }

  async updateServer(serverId: string, patch: Partial<z.input<typeof newServerSchema>>): Promise<Server> {
    return this.change((data) => {
      const next = serverPatched(data, serverId, patch);
      return { next: { ...data, servers: data.servers.map((s) => (s.id === serverId ? next : s)) }, result: next };
    });
  }

  async removeServer(serverId: string): Promise<void> {
    return this.change((data) => {
      findServer(data, serverId);
      return { next: { ...data, servers: data.servers.filter((s) => s.id !== serverId) }, result: undefined };
    });
  }

  async pinHostKey(serverId: string, fp: string): Promise<Server> {
    const r = fingerprint.safeParse(fp);
    if (!r.success) throw new FlipdeckError('bad_input', `host key: ${describeIssues(r.error)}`);
    return this.updateServer(serverId, { hostKey: r.data });
  }

  /** Pins the jump host's key, keeping the rest of the jump settings as the file holds them now. */
  async pinJumpHostKey(serverId: string, fp: string): Promise<Server> {
    const r = fingerprint.safeParse(fp);
    if (!r.success) throw new FlipdeckError('bad_input', `host key: ${describeIssues(r.error)}`);
    return this.change((data) => {
      const server = findServer(data, serverId);
      if (!server.jump) throw new FlipdeckError('bad_input', `${server.name} has no jump host to trust a key for`);
      const next = serverPatched(data, serverId, { jump: { ...server.jump, hostKey: r.data } });
      return { next: { ...data, servers: data.servers.map((s) => (s.id === serverId ? next : s)) }, result: next };
    });
  }

  /**
   * One change, under the home's lock (which also puts this process's own changes one after another):
   * reads the file as it is now (never the copy this store holds, which another process may have
   * replaced), lets `decide` work on it, writes the result before letting go. What `decide` throws
   * changes nothing.
   */
  private async change<T>(decide: (data: InventoryFile) => { next: InventoryFile; result: T }): Promise<T> {
    return withHomeLock(this.home, async () => {
      this.seen = null;
      const { next, result } = decide(structuredClone(this.current()));
      const checked = fileSchema.parse(next);
      assertHomeLockHeld(this.home);
      await writeJsonFileAtomic(this.file, checked);
      // Written: from here on nothing turns the change into a failure. Not knowing the new stamp only
      // means the next read reads the file again.
      this.data = checked;
      try {
        this.seen = fileStampSync(this.file);
      } catch {
        this.seen = null;
      }
      return structuredClone(result);
    });
  }
}
