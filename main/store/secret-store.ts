// Secrets (key passphrases, database passwords, env values marked secret) by name. The app keeps them
// encrypted with the OS keychain (Electron safeStorage, plugged in by main/app); headless runs (CLI,
// browser host) read them from environment variables. Never plain text on disk.
import path from 'node:path';
import { z } from 'zod';
import { FlipdeckError } from '../../shared/errors';
import { secretName } from '../../shared/validation';
import { readJsonFile, writeJsonFileAtomic } from './json-file';

export interface SecretStore {
  readonly kind: string;
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
  list(): Promise<string[]>;
  /** Whether `set` can work here. */
  readonly canStore: boolean;
}

export const envVarFor = (name: string) => `FLIPDECK_SECRET_${name.toUpperCase().replace(/[.-]/g, '_')}`;

function checkName(name: string): string {
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

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async get(name: string): Promise<string | undefined> {
    return this.env[envVarFor(checkName(name))];
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

export class EncryptedFileSecretStore implements SecretStore {
  readonly kind = 'os-keychain';
  private readonly file: string;

  constructor(
    home: string,
    private readonly crypto: Encryptor,
  ) {
    this.file = path.join(home, 'secrets.json');
  }

  get canStore(): boolean {
    return this.crypto.isEncryptionAvailable();
  }

  private async read() {
    return readJsonFile(this.file, fileSchema, { fallback: () => ({ version: 1 as const, secrets: {} }) });
  }

  async get(name: string): Promise<string | undefined> {
    const data = await this.read();
    const cipher = data.secrets[checkName(name)];
    if (cipher === undefined) return undefined;
    if (!this.crypto.isEncryptionAvailable())
      throw new FlipdeckError('refused', 'the OS keychain is not available, so stored secrets cannot be read', {
        fix: 'unlock your keychain / log in to a desktop session, then retry',
      });
    return this.crypto.decrypt(Buffer.from(cipher, 'base64'));
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
    const data = await this.read();
    data.secrets[checkName(name)] = this.crypto.encrypt(value).toString('base64');
    await writeJsonFileAtomic(this.file, data);
  }

  async delete(name: string): Promise<void> {
    const data = await this.read();
    delete data.secrets[checkName(name)];
    await writeJsonFileAtomic(this.file, data);
  }

  async list(): Promise<string[]> {
    return Object.keys((await this.read()).secrets);
  }
}

export const REDACTED = '«redacted»';

/** Replaces every known secret value in text. Used by the audit log and every log line. */
export class Redactor {
  private readonly values = new Set<string>();

  add(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.values.add(secret);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is replaced whole.
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join(REDACTED);
    return out;
  }

  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v)) as T;
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactDeep(v)])) as T;
    return value;
  }
}
