// The local secret store: one file in the Flipdeck home that the app, the CLI and the browser host all
// read and write, so a secret set in the app is there for `flipdeck deploy` and the other way round.
//
// Values are encrypted with AES-256-GCM (node:crypto) under a key derived with HKDF-SHA256 from the
// home's audit key: the same source as the audit log (FLIPDECK_AUDIT_KEY, or the key file outside the
// home, chosen by audit-trust.ts), so whoever copies the home gets ciphertext only. The audit key itself
// never encrypts anything: HKDF with its own `info` gives an independent sub-key, so a weakness in one
// use cannot reach the other. Each value is bound to its name (GCM's additional data), so an entry
// copied under another name does not decrypt.
//
// secrets.enc.json (mode 0600, written atomically under the home's lock like every state file):
//   { "version": 1, "cipher": "aes-256-gcm", "kdf": "hkdf-sha256", "key": "<fingerprint of the derived key>",
//     "secrets": { "<name>": { "iv": "<base64, 12 bytes>", "data": "<base64>", "tag": "<base64, 16 bytes>", "at": "<ISO time>" } } }
// The fingerprint tells "written with another key" apart from "damaged", and names both keys.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { FlipdeckError } from '../../shared/errors';
import type { SecretSource } from '../../shared/model';
import { MAX_SECRET_BYTES, secretName } from '../../shared/validation';
import { resolveAuditKey, type AuditKey } from './audit-trust';
import { readJsonFile, updateJsonFile } from './json-file';
import { checkName, checkSecretLength, type FoundSecret, type SecretStore } from './secret-store';

export const SECRET_STORE_FILE = 'secrets.enc.json';
export const LOCAL_STORE_WHERE = 'the local secret store';

/** Where the key came from, for messages: never the key. */
export type SecretKeySource = Pick<AuditKey, 'key' | 'source' | 'where'>;

// Fixed salt and info: the input is already a uniformly random key of 32+ bytes (RFC 5869 §3.1 allows
// no salt then); `info` is what separates this sub-key from any other use of the audit key.
const HKDF_SALT = Buffer.from('flipdeck.secret-store', 'utf8');
const HKDF_INFO = Buffer.from('flipdeck secret store v1: aes-256-gcm value key', 'utf8');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function deriveSecretKey(auditKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', auditKey, HKDF_SALT, HKDF_INFO, 32));
}

/** A fingerprint of the derived key, kept in the file: says which key wrote it without revealing it. */
export function secretKeyId(derived: Buffer): string {
  return createHash('sha256').update('flipdeck secret key id\0').update(derived).digest('hex').slice(0, 16);
}

/** FLIPDECK_AUDIT_KEY, or "the key file <path>": how the operator finds the key. */
export function describeKeySource(k: Pick<SecretKeySource, 'source' | 'where'>): string {
  return k.source === 'env' ? 'FLIPDECK_AUDIT_KEY' : `the key file ${k.where}`;
}

const b64 = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
    .refine((s) => bytes === 0 || Buffer.from(s, 'base64').length === bytes, `must be ${bytes} bytes`);

const entrySchema = z.object({ iv: b64(IV_BYTES), data: b64(0), tag: b64(TAG_BYTES), at: z.string() }).strict();
const fileSchema = z
  .object({
    version: z.literal(1),
    cipher: z.literal('aes-256-gcm'),
    kdf: z.literal('hkdf-sha256'),
    key: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .nullable(),
    secrets: z.record(secretName, entrySchema),
  })
  .strict();
type StoreFile = z.output<typeof fileSchema>;
const emptyFile = (): StoreFile => ({
  version: 1,
  cipher: 'aes-256-gcm',
  kdf: 'hkdf-sha256',
  key: null,
  secrets: {},
});

const aad = (name: string) => Buffer.from(`flipdeck-secret:v1:${name}`, 'utf8');

interface DerivedKey {
  key: Buffer;
  id: string;
  from: string;
}

export class LocalSecretStore implements SecretStore {
  readonly kind: SecretSource = 'local-store';
  readonly canStore = true;
  readonly file: string;
  private readonly keySource: () => Promise<SecretKeySource>;
  private derived: Promise<DerivedKey> | undefined;

  /** `keySource`: the home's audit key (resolveAuditKey), asked once, when a secret is first read or written. */
  constructor(home: string, keySource: () => Promise<SecretKeySource>) {
    this.file = path.join(home, SECRET_STORE_FILE);
    this.keySource = keySource;
  }

  private key(): Promise<DerivedKey> {
    this.derived ??= this.keySource().then((k) => {
      const key = deriveSecretKey(k.key);
      return { key, id: secretKeyId(key), from: describeKeySource(k) };
    });
    return this.derived;
  }

  private read(): Promise<StoreFile> {
    return readJsonFile(this.file, fileSchema, { fallback: emptyFile });
  }

  private otherKey(file: StoreFile, k: DerivedKey, doing: string): FlipdeckError {
    return new FlipdeckError(
      'refused',
      `${this.file} was written with another key (key ${file.key}) than this process's, which comes from ${k.from} (key ${k.id}); cannot ${doing}`,
      {
        fix: 'give every Flipdeck process on this home the same key source (FLIPDECK_AUDIT_KEY for all of them, or for none), or remove the stored secrets with `flipdeck secret rm` and set them again',
        detail: { file: this.file, fileKey: file.key, processKey: k.id },
      },
    );
  }

  find(name: string): Promise<FoundSecret | undefined> {
    return this.get(name).then((value) =>
      value === undefined ? undefined : { value, source: this.kind, where: LOCAL_STORE_WHERE },
    );
  }

  async get(name: string): Promise<string | undefined> {
    const key = checkName(name);
    const data = await this.read();
    // Own entries only: a name like "constructor" must not find Object.prototype's.
    const entry = Object.hasOwn(data.secrets, key) ? data.secrets[key] : undefined;
    if (entry === undefined) return undefined;
    const k = await this.key();
    if (data.key !== null && data.key !== k.id) throw this.otherKey(data, k, `read the secret "${key}"`);
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', k.key, Buffer.from(entry.iv, 'base64'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aad(key));
      decipher.setAuthTag(Buffer.from(entry.tag, 'base64'));
      plain = Buffer.concat([decipher.update(Buffer.from(entry.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new FlipdeckError(
        'store_corrupt',
        `the secret "${key}" in ${this.file} does not decrypt with the key from ${k.from}: it was altered, or encrypted with another key`,
        { fix: `set it again (flipdeck secret set ${key}, or Secrets… in the app)`, detail: { file: this.file } },
      );
    }
    return checkSecretLength(key, plain, LOCAL_STORE_WHERE);
  }

  async set(name: string, value: string): Promise<void> {
    const key = checkName(name);
    if (value.length === 0)
      throw new FlipdeckError('bad_input', `the secret "${key}" is empty`, { fix: 'give it a value' });
    checkSecretLength(key, value, LOCAL_STORE_WHERE);
    if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES)
      throw new FlipdeckError('bad_input', `the secret "${key}" is longer than ${MAX_SECRET_BYTES / 1024} KiB`, {
        fix: 'store a password or a token, not a file',
      });
    const k = await this.key();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', k.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(key));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const entry = {
      iv: iv.toString('base64'),
      data: data.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      at: new Date().toISOString(),
    };
    await updateJsonFile(this.file, fileSchema, { fallback: emptyFile }, (file) => {
      // One key per file: a value under another key would be unreadable to every process but this one.
      const others = Object.keys(file.secrets).filter((n) => n !== key);
      if (file.key !== null && file.key !== k.id && others.length > 0) throw this.otherKey(file, k, `store "${key}"`);
      return { next: { ...file, key: k.id, secrets: { ...file.secrets, [key]: entry } }, result: undefined };
    });
  }

  async delete(name: string): Promise<void> {
    const key = checkName(name);
    await updateJsonFile(this.file, fileSchema, { fallback: emptyFile }, (file) => {
      if (!Object.hasOwn(file.secrets, key)) return { result: undefined };
      const secrets = Object.fromEntries(Object.entries(file.secrets).filter(([n]) => n !== key));
      return { next: { ...file, secrets }, result: undefined };
    });
  }

  async list(): Promise<string[]> {
    return Object.keys((await this.read()).secrets).sort();
  }

  /** Whether `name` is stored, without decrypting it (nor needing the key). */
  async has(name: string): Promise<boolean> {
    return Object.hasOwn((await this.read()).secrets, checkName(name));
  }
}

/** The local secret store of a home, keyed from the same source as its audit log. */
export function localSecretStore(home: string, env: NodeJS.ProcessEnv = process.env): LocalSecretStore {
  return new LocalSecretStore(home, () => resolveAuditKey({ home, env }));
}
