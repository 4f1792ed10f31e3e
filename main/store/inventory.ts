// The inventory of clients and their servers, in <home>/inventory.json.
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Client, Inventory, NewServer, Server } from '../../shared/model';
import { newServerSchema } from '../../shared/ipc-contract';
import { FlipdeckError } from '../../shared/errors';
import { describeIssues, displayName, fingerprint, id, tag } from '../../shared/validation';
import { readJsonFile, writeJsonFileAtomic } from './json-file';

const clientSchema = z.object({ id, name: displayName, tags: z.array(tag).default([]) }).strict();
const serverSchema = newServerSchema.extend({ id, hostKey: fingerprint.optional() });
const fileSchema = z
  .object({ version: z.literal(1), clients: z.array(clientSchema), servers: z.array(serverSchema) })
  .strict();
type InventoryFile = z.output<typeof fileSchema>;

export const newId = () => randomBytes(6).toString('base64url');

export class InventoryStore {
  readonly file: string;
  private data: InventoryFile = { version: 1, clients: [], servers: [] };

  constructor(home: string) {
    this.file = path.join(home, 'inventory.json');
  }

  async load(): Promise<void> {
    this.data = await readJsonFile(this.file, fileSchema, {
      fallback: () => ({ version: 1 as const, clients: [], servers: [] }),
    });
    this.seen = await this.stamp();
  }

  /** The CLI (or another window) may change the file while the app runs: read it again when it did. */
  async reloadIfChanged(): Promise<void> {
    await this.serial(async () => {
      if ((await this.stamp()) !== this.seen) await this.load();
    });
  }

  private seen = '';

  private async stamp(): Promise<string> {
    const st = await stat(this.file).catch(() => null);
    return st ? `${st.mtimeMs}:${st.size}` : '';
  }

  get(): Inventory {
    return structuredClone({ clients: this.data.clients, servers: this.data.servers as Server[] });
  }

  search(q: { search?: string | undefined; tags?: string[] | undefined } = {}): Inventory {
    const needle = q.search?.trim().toLowerCase() ?? '';
    const tags = (q.tags ?? []).map((t) => t.toLowerCase());
    const clientById = new Map(this.data.clients.map((c) => [c.id, c]));
    const servers = (this.data.servers as Server[]).filter((s) => {
      const client = clientById.get(s.clientId);
      const allTags = [...s.tags, ...(client?.tags ?? [])].map((t) => t.toLowerCase());
      if (tags.some((t) => !allTags.includes(t))) return false;
      if (!needle) return true;
      return [client?.name ?? '', s.name, s.host, ...allTags].some((f) => f.toLowerCase().includes(needle));
    });
    const clientIds = new Set(servers.map((s) => s.clientId));
    const clients = this.data.clients.filter(
      (c) => clientIds.has(c.id) || (!needle && tags.length === 0) || c.name.toLowerCase().includes(needle),
    );
    return structuredClone({ clients, servers });
  }

  client(clientId: string): Client {
    const c = this.data.clients.find((x) => x.id === clientId);
    if (!c)
      throw new FlipdeckError('not_found', `no client with id ${clientId}`, {
        fix: 'reload the inventory; it may have been removed',
      });
    return c;
  }

  server(serverId: string): Server {
    const s = this.data.servers.find((x) => x.id === serverId);
    if (!s)
      throw new FlipdeckError('not_found', `no server with id ${serverId}`, {
        fix: 'reload the inventory; it may have been removed',
      });
    return structuredClone(s) as Server;
  }

  serverByName(name: string): Server {
    const matches = this.data.servers.filter((s) => s.name === name);
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
    return this.serial(async () => {
      const r = clientSchema.omit({ id: true }).safeParse(input);
      if (!r.success) throw new FlipdeckError('bad_input', describeIssues(r.error));
      if (this.data.clients.some((c) => c.name.toLowerCase() === r.data.name.toLowerCase())) {
        throw new FlipdeckError('bad_input', `a client named ${r.data.name} already exists`, {
          fix: 'pick another name, or add the server to the existing client',
        });
      }
      const client: Client = { id: newId(), name: r.data.name, tags: r.data.tags };
      await this.commit({ ...this.data, clients: [...this.data.clients, client] });
      return client;
    });
  }

  async updateClient(
    clientId: string,
    patch: { name?: string | undefined; tags?: string[] | undefined },
  ): Promise<Client> {
    return this.serial(async () => {
      const current = this.client(clientId);
      const next = {
        ...current,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
      };
      const r = clientSchema.safeParse(next);
      if (!r.success) throw new FlipdeckError('bad_input', describeIssues(r.error));
      if (this.data.clients.some((c) => c.id !== clientId && c.name.toLowerCase() === r.data.name.toLowerCase())) {
        throw new FlipdeckError('bad_input', `a client named ${r.data.name} already exists`);
      }
      await this.commit({ ...this.data, clients: this.data.clients.map((c) => (c.id === clientId ? r.data : c)) });
      return r.data;
    });
  }

  async removeClient(clientId: string): Promise<void> {
    return this.serial(async () => {
      const c = this.client(clientId);
      const servers = this.data.servers.filter((s) => s.clientId === clientId);
      if (servers.length > 0) {
        throw new FlipdeckError(
          'refused',
          `${c.name} still has ${servers.length} server(s): ${servers.map((s) => s.name).join(', ')}`,
          { fix: 'remove or move its servers first' },
        );
      }
      await this.commit({ ...this.data, clients: this.data.clients.filter((x) => x.id !== clientId) });
    });
  }

  async addServer(input: NewServer | z.input<typeof newServerSchema>): Promise<Server> {
    return this.serial(async () => {
      const r = newServerSchema.safeParse(input);
      if (!r.success)
        throw new FlipdeckError('bad_input', describeIssues(r.error), { fix: 'correct the named fields' });
      this.client(r.data.clientId);
      this.assertUniqueName(r.data.clientId, r.data.name);
      const server = { ...r.data, id: newId() } as Server;
      await this.commit({ ...this.data, servers: [...this.data.servers, server] });
      return structuredClone(server);
    });
  }

  async updateServer(serverId: string, patch: Partial<z.input<typeof newServerSchema>>): Promise<Server> {
    return this.serial(async () => {
      const current = this.server(serverId);
      const { id: _id, ...rest } = current;
      const r = newServerSchema.safeParse({ ...rest, ...patch });
      if (!r.success)
        throw new FlipdeckError('bad_input', describeIssues(r.error), { fix: 'correct the named fields' });
      this.client(r.data.clientId);
      if (r.data.name !== current.name || r.data.clientId !== current.clientId)
        this.assertUniqueName(r.data.clientId, r.data.name, serverId);
      // A new address is a new machine: its host key must be confirmed again.
      const moved = r.data.host !== current.host || r.data.port !== current.port;
      const next = {
        ...r.data,
        id: serverId,
        ...(moved && !('hostKey' in patch) ? { hostKey: undefined } : {}),
      } as Server;
      if (next.hostKey === undefined) delete next.hostKey;
      await this.commit({ ...this.data, servers: this.data.servers.map((s) => (s.id === serverId ? next : s)) });
      return structuredClone(next);
    });
  }

  async removeServer(serverId: string): Promise<void> {
    return this.serial(async () => {
      this.server(serverId);
      await this.commit({ ...this.data, servers: this.data.servers.filter((s) => s.id !== serverId) });
    });
  }

  async pinHostKey(serverId: string, fp: string): Promise<Server> {
    const r = fingerprint.safeParse(fp);
    if (!r.success) throw new FlipdeckError('bad_input', `host key: ${describeIssues(r.error)}`);
    return this.updateServer(serverId, { hostKey: r.data });
  }

  private assertUniqueName(clientId: string, name: string, except?: string): void {
    if (
      this.data.servers.some(
        (s) => s.clientId === clientId && s.id !== except && s.name.toLowerCase() === name.toLowerCase(),
      )
    ) {
      throw new FlipdeckError('bad_input', `this client already has a server named ${name}`, {
        fix: 'pick another name',
      });
    }
  }

  private queue: Promise<unknown> = Promise.resolve();

  /** Changes run one after another, each on the latest data: two at once would lose one. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commit(next: InventoryFile): Promise<void> {
    const checked = fileSchema.parse(next);
    await writeJsonFileAtomic(this.file, checked);
    this.data = checked;
    this.seen = await this.stamp();
  }
}
