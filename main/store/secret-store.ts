// Secrets (key passphrases, database passwords, env values marked secret) by name. Every process on a
// home (the app, the CLI, the browser host) reads them in one order: FLIPDECK_SECRET_<NAME> first (CI
// overrides), then the local secret store (local-secret-store.ts, encrypted with a key derived from the
// audit key), then, in the app only, what older versions kept with the OS keychain (Electron
// safeStorage). Never plain text on disk.
import path from 'node:path';
import { z } from 'zod';
import { FlipdeckError } from '../../shared/errors';
import type { SecretSource } from '../../shared/model';
import { MIN_SECRET_LENGTH, secretName } from '../../shared/validation';
import { readJsonFile, updateJsonFile } from './json-file';

export interface SecretStore {
  readonly kind: SecretSource;
  get(name: string): Promise<string | undefined>;
  /** The value and where it came from, in words for the operator (`FLIPDECK_SECRET_X`, "the local secret store"). */
  find(name: string): Promise<FoundSecret | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
  list(): Promise<string[]>;
  /** Whether `set` can work here. */
  readonly canStore: boolean;
}

export interface FoundSecret {
  value: string;
  source: SecretSource;
  where: string;
}

async function found(store: SecretStore, name: string, where: string): Promise<FoundSecret | undefined> {
  const value = await store.get(name);
  return value === undefined ? undefined : { value, source: store.kind, where };
}

export const envVarFor = (name: string) => `FLIPDECK_SECRET_${name.toUpperCase().replace(/[.-]/g, '_')}`;

export function checkName(name: string): string {
  const r = secretName.safeParse(name);
  if (!r.success)
    throw new FlipdeckError('bad_input', `invalid secret name ${JSON.stringify(name.slice(0, 60))}`, {
      fix: 'use letters, digits, . _ and -',
    });
  return r.data;
}

export class EnvSecretStore implements SecretStore {
  readonly kind = 'environment';
  readonly canStore = false;
  private readonly env: NodeJS.ProcessEnv;

  // No parameter properties here: the cross-process tests load the store on Node's type stripping.
  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.env = env;
  }

  find(name: string): Promise<FoundSecret | undefined> {
    return found(this, name, envVarFor(name));
  }

  async get(name: string): Promise<string | undefined> {
    const variable = envVarFor(checkName(name));
    const value = this.env[variable];
    return value === undefined ? undefined : checkSecretLength(name, value, variable);
  }

  async set(name: string, _value?: string): Promise<void> {
    throw new FlipdeckError(
      'refused',
      `headless runs read secrets from environment variables, so ${name} cannot be stored here: set ${envVarFor(name)}`,
      { fix: `set ${envVarFor(name)} in the environment of this process` },
    );
  }

  async delete(name: string): Promise<void> {
    await this.set(name);
  }

  async list(): Promise<string[]> {
    return Object.keys(this.env)
      .filter((k) => k.startsWith('FLIPDECK_SECRET_'))
      .map((k) => k.slice('FLIPDECK_SECRET_'.length).toLowerCase());
  }
}

/** What Electron's safeStorage offers; injected so this file stays free of electron. */
export interface Encryptor {
  isEncryptionAvailable(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}

const fileSchema = z.object({ version: z.literal(1), secrets: z.record(z.string(), z.string()) }).strict();
type SecretsFile = z.output<typeof fileSchema>;
const emptySecrets = (): SecretsFile => ({ version: 1, secrets: {} });

/**
 * What the app kept with the OS keychain before the local secret store existed: still read (after the
 * local store) so an older app's secrets keep working, and for the audit key it once kept there.
 */
export class EncryptedFileSecretStore implements SecretStore {
  readonly kind = 'os-keychain';
  private readonly file: string;
  private readonly crypto: Encryptor;

  constructor(home: string, crypto: Encryptor) {
    this.file = path.join(home, 'secrets.json');
    this.crypto = crypto;
  }

  find(name: string): Promise<FoundSecret | undefined> {
    return found(this, name, "the app's OS keychain store (secrets.json)");
  }

  get canStore(): boolean {
    return this.crypto.isEncryptionAvailable();
  }

  private async read() {
    return readJsonFile(this.file, fileSchema, { fallback: emptySecrets });
  }

  /** A read-modify-write under the home's lock, shared with the app, the CLI and the browser host. */
  private async change(next: (data: SecretsFile) => SecretsFile): Promise<void> {
    await updateJsonFile(this.file, fileSchema, { fallback: emptySecrets }, (data) => ({
      next: next(data),
      result: undefined,
    }));
  }

  async get(name: string): Promise<string | undefined> {
    const data = await this.read();
    const cipher = data.secrets[checkName(name)];
    if (cipher === undefined) return undefined;
    if (!this.crypto.isEncryptionAvailable())
      throw new FlipdeckError('refused', 'the OS keychain is not available, so stored secrets cannot be read', {
        fix: 'unlock your keychain / log in to a desktop session, then retry',
      });
    return checkSecretLength(name, this.crypto.decrypt(Buffer.from(cipher, 'base64')), "Flipdeck's secrets");
  }

  async set(name: string, value: string): Promise<void> {
    if (!this.crypto.isEncryptionAvailable()) {
      throw new FlipdeckError(
        'refused',
        `no OS keychain is available to encrypt ${name}; Flipdeck never stores secrets in plain text`,
        {
          fix: 'start a desktop keyring (e.g. gnome-keyring or KWallet), or pass the secret through an environment variable',
        },
      );
    }
    checkSecretLength(name, value, "Flipdeck's secrets");
    const key = checkName(name);
    const cipher = this.crypto.encrypt(value).toString('base64');
    await this.change((data) => ({ ...data, secrets: { ...data.secrets, [key]: cipher } }));
  }

  async delete(name: string): Promise<void> {
    const key = checkName(name);
    await this.change((data) => ({
      ...data,
      secrets: Object.fromEntries(Object.entries(data.secrets).filter(([k]) => k !== key)),
    }));
  }

  async list(): Promise<string[]> {
    return Object.keys((await this.read()).secrets);
  }
}

/**
 * Several stores read in order, the first that has a secret wins: FLIPDECK_SECRET_<NAME>, then the
 * local secret store (then the app's older keychain store). Changes go to the first store that can keep
 * one; a removal leaves no copy in any store that can keep one (an environment variable stays: it is
 * the process's, not Flipdeck's).
 */
export class LayeredSecretStore implements SecretStore {
  readonly kind: SecretSource;
  private readonly layers: SecretStore[];

  constructor(layers: SecretStore[]) {
    this.layers = layers;
    this.kind = layers.find((l) => l.canStore)?.kind ?? layers[0]?.kind ?? 'environment';
  }

  get canStore(): boolean {
    return this.layers.some((l) => l.canStore);
  }

  async find(name: string): Promise<FoundSecret | undefined> {
    for (const layer of this.layers) {
      const hit = await layer.find(name);
      if (hit) return hit;
    }
    return undefined;
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.find(name))?.value;
  }

  async set(name: string, value: string): Promise<void> {
    const writable = this.layers.find((l) => l.canStore);
    if (!writable) return this.layers[0]?.set(name, value);
    await writable.set(name, value);
  }

  async delete(name: string): Promise<void> {
    const writable = this.layers.filter((l) => l.canStore);
    if (writable.length === 0) return this.layers[0]?.delete(name);
    for (const layer of writable) await layer.delete(name);
  }

  async list(): Promise<string[]> {
    const names = new Set<string>();
    for (const layer of this.layers) for (const n of await layer.list()) names.add(n);
    return [...names].sort();
  }
}

export const REDACTED = '«redacted»';

/**
 * The shortest secret Flipdeck uses (shared/validation.ts): shorter ones are refused where they are
 * read (secret stores, FLIPDECK_SECRET_*, FLIPDECK_KEY_PASSPHRASE), saying which and why.
 */
export { MIN_SECRET_LENGTH };

/** Refuses a secret too short to redact; `source` says where the operator sets it. */
export function checkSecretLength(name: string, value: string, source: string, fix?: string): string {
  const length = [...value].length;
  if (length < MIN_SECRET_LENGTH)
    throw new FlipdeckError(
      'bad_input',
      `the secret "${name}" is ${length} character(s) long; Flipdeck needs at least ${MIN_SECRET_LENGTH}, so that it can keep it out of every log and output without blanking ordinary text`,
      { fix: fix ?? `set a value of ${MIN_SECRET_LENGTH} or more characters in ${source}` },
    );
  return value;
}

const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

/**
 * The base64 characters that depend on the secret alone, at each of the three byte alignments it can
 * have inside a longer base64 text (a Basic auth header, a config blob): what is left of a secret
 * once encoded with something before or after it.
 */
function base64Cores(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    out.push(enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6)));
  }
  return out;
}

/** Every form a secret takes in output: raw, URL-encoded (both kinds, both hex cases), JSON-escaped, base64 and base64url. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const uri = encodeURIComponent(secret);
  const form = new URLSearchParams([['', secret]]).toString().slice(1);
  for (const f of [uri, form, encodeURI(secret)]) forms.add(f).add(lowerHex(f));
  forms.add(JSON.stringify(secret).slice(1, -1));
  const bytes = Buffer.from(secret, 'utf8');
  for (const b64 of [bytes.toString('base64'), ...base64Cores(bytes)]) {
    forms.add(b64);
    forms.add(b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  }
  // A base64 core is a fragment of the secret's encoding: too short a one could match by chance.
  return [...forms].filter((f) => f === secret || f.length >= MIN_SECRET_LENGTH);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Replaces every known secret, in each of its forms, in text. Used by the audit log, deploy progress,
 * events to the app and the browser, and everything the CLI prints. Redacting twice changes nothing.
 */
export class Redactor {
  private readonly values = new Set<string>();
  private pattern: RegExp | null = null;

  add(secret: string | undefined): void {
    if (!secret || this.values.has(secret)) return;
    // Callers check first, naming the secret; this is the backstop: never add one that cannot be redacted.
    if ([...secret].length < MIN_SECRET_LENGTH)
      throw new FlipdeckError(
        'bad_input',
        `a secret shorter than ${MIN_SECRET_LENGTH} characters cannot be kept out of output without blanking ordinary text`,
        { fix: `use secrets of ${MIN_SECRET_LENGTH} or more characters` },
      );
    this.values.add(secret);
    this.pattern = null;
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    if (this.values.size === 0 || !text) return text;
    if (!this.pattern) {
      const forms = new Set<string>([REDACTED]);
      for (const v of this.values) for (const f of secretForms(v)) forms.add(f);
      // Longest first, so a secret containing another is replaced whole; REDACTED matches itself.
      const sorted = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = new RegExp(sorted.join('|'), 'g');
    }
    return text.replace(this.pattern, REDACTED);
  }

  /** Strings anywhere in arrays and plain objects; other values (numbers, Dates, Buffers) as they are. */
  redactDeep<T>(value: T): T {
    if (this.values.size === 0) return value;
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v)) as T;
    if (isPlainObject(value))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactDeep(v)])) as T;
    return value;
  }

  /** An error with its message, fix and detail redacted, for whatever shows or stores it. */
  redactError(err: unknown): unknown {
    if (this.values.size === 0) return err;
    if (err instanceof FlipdeckError) {
      const message = this.redact(err.message);
      const fix = err.fix === undefined ? undefined : this.redact(err.fix);
      const detail = err.detail === undefined ? undefined : this.redactDeep(err.detail);
      if (message === err.message && fix === err.fix && JSON.stringify(detail) === JSON.stringify(err.detail))
        return err;
      return new FlipdeckError(err.code, message, {
        ...(fix ? { fix } : {}),
        ...(detail ? { detail } : {}),
      });
    }
    if (err instanceof Error) {
      const clean = this.redact(err.message);
      return clean === err.message ? err : Object.assign(new Error(clean), { name: err.name });
    }
    return typeof err === 'string' ? this.redact(err) : err;
  }

  /**
   * The secrets this process already holds in its environment, so output is clean before any of them
   * is used: FLIPDECK_SECRET_*, the key passphrase and the audit key. Too-short ones are left to be
   * refused, naming them, where they are read.
   */
  addFromEnvironment(env: Record<string, string | undefined>): void {
    for (const [k, v] of Object.entries(env))
      if (
        v &&
        [...v].length >= MIN_SECRET_LENGTH &&
        (k.startsWith('FLIPDECK_SECRET_') || k === 'FLIPDECK_KEY_PASSPHRASE' || k === 'FLIPDECK_AUDIT_KEY')
      )
        this.add(v);
  }
}
