// An environment definition (`flipdeck env apply FILE.yml`): what to deploy, where, and how.
// Unknown keys and bad values are refused with the key named, so a typo never deploys a default.
import { z } from 'zod';
import { parseBytes, parseDuration } from './units';
import { describeIssues, displayName, port, portProblem, secretName } from './validation';
import { FlipdeckError } from './errors';

/** What an environment file may hold: bigger ones are refused before they are parsed. */
export const MAX_ENVIRONMENT_FILE_BYTES = 1024 * 1024;
export const MAX_ENVIRONMENT_KEYS = 1000;

const HOUR = 3_600_000;
/**
 * Duration ranges. Node clamps a timer above 2³¹−1 ms (24.8 days) to 1 ms, and `new Date()` of a huge
 * keep window throws after the flip: every duration is bounded well below both.
 */
export const DURATION_RANGES = {
  ready_timeout: { min: 1000, max: 24 * HOUR, text: '1s to 24h' },
  drain_timeout: { min: 0, max: HOUR, text: '0s to 1h' },
  keep_window: { min: 0, max: 30 * 24 * HOUR, text: '0s to 720h (30 days)' },
} as const;

/**
 * Docker's own limits: the daemon refuses a memory limit under 6 MiB and CPUs under 0.01; above, the
 * bounds are what any server Flipdeck targets can have (1 TiB of memory, 2 TiB memory+swap, 256 CPUs).
 */
export const RESOURCE_RANGES = {
  memory: { min: 6 * 1024 ** 2, max: 1024 ** 4, text: '6m to 1024g' },
  memory_swap: { min: 6 * 1024 ** 2, max: 2 * 1024 ** 4, text: '6m to 2048g' },
  cpus: { min: 0.01, max: 256, text: '0.01 to 256' },
} as const;

/**
 * For code that is handed an Environment: the durations it will turn into timers and dates, checked
 * again (a definition that skipped the schema must not throw after the flip). Null when all are in range.
 */
export function durationProblem(e: Pick<Environment, keyof typeof DURATION_RANGES>): string | null {
  for (const [key, r] of Object.entries(DURATION_RANGES) as [
    keyof typeof DURATION_RANGES,
    (typeof DURATION_RANGES)[keyof typeof DURATION_RANGES],
  ][]) {
    const ms = e[key];
    if (!Number.isFinite(ms) || ms < r.min || ms > r.max) return `${key} must be ${r.text}, got ${ms} ms`;
  }
  return null;
}

const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v));

function duration(range: { min: number; max: number; text: string }) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `${(e as Error).message} (allowed: ${range.text})` });
      return z.NEVER;
    }
    if (ms < range.min || ms > range.max) {
      ctx.addIssue({
        code: 'custom',
        message: `must be ${range.text}, got ${shown(v)}${typeof v === 'number' ? ' (seconds)' : ''}: write a value in that range, e.g. 90s, 15m or 2h`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

function bytes(range: { min: number; max: number; text: string }) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    let n: number;
    try {
      n = parseBytes(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `${(e as Error).message} (allowed: ${range.text})` });
      return z.NEVER;
    }
    if (n < range.min || n > range.max) {
      ctx.addIssue({
        code: 'custom',
        message: `must be ${range.text} (what Docker accepts), got ${shown(v)}: write a size in that range, e.g. 512m or 2g`,
      });
      return z.NEVER;
    }
    return n;
  });
}

/** Why `cpus` is not a CPU count Docker accepts, or null. */
export function cpusProblem(cpus: unknown): string | null {
  const r = RESOURCE_RANGES.cpus;
  if (typeof cpus !== 'number' || !Number.isFinite(cpus) || cpus < r.min || cpus > r.max)
    return `must be a number of CPUs from ${r.text} (what Docker accepts), got ${shown(cpus)}: e.g. 1.5`;
  return null;
}

/** Why `bytes` is not a memory limit Docker accepts, or null. */
export function memoryProblem(bytes: number, key: 'memory' | 'memory_swap'): string | null {
  const r = RESOURCE_RANGES[key];
  if (!Number.isFinite(bytes) || bytes < r.min || bytes > r.max)
    return `must be ${r.text} (what Docker accepts), got ${bytes} bytes: write a size in that range, e.g. 512m or 2g`;
  return null;
}

/** Keys in a parsed document, nested mappings (env:, resources:, db:) and list items included; stops past `limit`. */
export function countKeys(value: unknown, limit: number): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && n <= limit) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      n++;
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return n;
}

export function tooManyKeys(doc: unknown, where: string): FlipdeckError | null {
  const n = countKeys(doc, MAX_ENVIRONMENT_KEYS);
  if (n <= MAX_ENVIRONMENT_KEYS) return null;
  return new FlipdeckError(
    'bad_input',
    `${where} has more than ${MAX_ENVIRONMENT_KEYS.toLocaleString('en')} keys (counting nested ones such as env:); at most ${MAX_ENVIRONMENT_KEYS.toLocaleString('en')} are allowed`,
    { fix: 'remove unused keys, or split the environment in two' },
  );
}

/** Environment and container names become Docker names and labels: keep them boring. */
export const envName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, _ and - (max 40), starting with a letter or digit');

const bind = z
  .string()
  .regex(/^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/, 'must be ADDRESS:PORT, e.g. 127.0.0.1:18100')
  .superRefine((s, ctx) => {
    const problem = portProblem(s.split(':')[1]);
    if (problem) ctx.addIssue({ code: 'custom', message: `the port ${problem}` });
  });

const domain = z
  .string()
  .max(253)
  .regex(/^(?!-)[A-Za-z0-9.-]+$/, 'must be a plain domain name');

/** Git refs: what `git check-ref-format` allows, and never something an option parser could take. */
export const gitRef = z
  .string()
  .max(200)
  .regex(
    /^(?!-)(?!.*\.\.)(?!.*[~^:?*[\\\s])[A-Za-z0-9._/@+-]+$/,
    'must be a branch, tag or commit (no spaces, no leading -)',
  );

const envValue = z.union([
  z.string().max(8192),
  z.number().transform(String),
  z.boolean().transform(String),
  z.object({ secret: secretName }).strict(),
]);

const resources = z
  .object({
    memory: bytes(RESOURCE_RANGES.memory).optional(),
    memory_swap: bytes(RESOURCE_RANGES.memory_swap).optional(),
    /** Run below the Odoo version's memory floor deliberately: the limit is then padded by 256 MiB (as the sliders do). */
    memory_override: z.boolean().default(false),
    cpus: z
      .number()
      .optional()
      .superRefine((c, ctx) => {
        const problem = c === undefined ? null : cpusProblem(c);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  })
  .strict();

const db = z.union([
  z.literal('managed'),
  z
    .object({
      host: z
        .string()
        .max(253)
        .regex(/^(?!-)[A-Za-z0-9._:-]+$/, 'must be a host name or IP'),
      port: port.default(5432),
      user: z
        .string()
        .min(1)
        .max(63)
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain PostgreSQL role name'),
      password: z.object({ secret: secretName }).strict(),
      name: z
        .string()
        .min(1)
        .max(63)
        .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'must be a plain database name'),
    })
    .strict(),
]);

export const environmentSchema = z
  .object({
    server: displayName,
    name: envName,
    source: z.string().max(1000).optional(),
    image: z
      .string()
      .max(300)
      .regex(/^[a-z0-9][a-z0-9._/:@-]*$/, 'must be a Docker image reference')
      .optional(),
    ref: gitRef.optional(),
    dockerfile: z
      .string()
      .max(300)
      .regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/, 'must be a path inside the source')
      .default('Dockerfile'),
    replicas: z.number().int().min(1).max(32).default(2),
    http_port: port.default(8069),
    gevent_port: port.default(8072),
    // Odoo's server mode, passed to every web worker as --workers (the project's odoo.conf does not
    // decide it): 0 is the stock image's threaded server (HTTP and the bus on http_port); N > 0 is
    // prefork, N HTTP workers plus a gevent process serving the bus on gevent_port.
    workers: z
      .number({ error: 'workers must be a whole number from 0 (threaded, the stock image) to 32' })
      .int('workers must be a whole number from 0 (threaded, the stock image) to 32')
      .min(0, 'workers must be from 0 (threaded, the stock image) to 32')
      .max(32, 'workers must be from 0 (threaded, the stock image) to 32 per container')
      .default(0),
    health_path: z
      .string()
      .regex(/^\/[A-Za-z0-9._/-]*$/, 'must be a URL path')
      .default('/web/health'),
    public_bind: bind.optional(),
    domains: z.array(domain).max(50).default([]),
    /**
     * How clients reach the site. `https` when TLS ends at a proxy in front of the edge (list it in
     * `trusted_proxies`, whose X-Forwarded-Proto the edge then keeps); Odoo's web.base.url follows.
     */
    public_scheme: z.enum(['http', 'https']).default('http'),
    /** Proxies in front of the edge (addresses or CIDR ranges) whose X-Forwarded-Proto is believed; from anyone else it is overwritten. */
    trusted_proxies: z
      .array(
        z.union([z.ipv4(), z.cidrv4(), z.ipv6(), z.cidrv6()], {
          error: 'must be an IP address or a CIDR range such as 10.0.0.0/8',
        }),
      )
      .max(20)
      .default([]),
    drain_timeout: duration(DURATION_RANGES.drain_timeout).default(60_000),
    ready_timeout: duration(DURATION_RANGES.ready_timeout).default(300_000),
    keep_window: duration(DURATION_RANGES.keep_window).default(900_000),
    strategy: z.enum(['blue-green', 'rolling', 'restart']).default('blue-green'),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are letters, digits and _'),
        envValue,
      )
      .default({}),
    db: db.default('managed'),
    resources: resources.default({ memory_override: false }),
    /** The edge and managed-database images; the official ones by default, pinned per environment if needed. */
    edge_image: z
      .string()
      .max(300)
      .regex(/^[a-z0-9][a-z0-9._/:@-]*$/, 'must be a Docker image reference')
      .default('haproxy:2.6'),
    db_image: z
      .string()
      .max(300)
      .regex(/^[a-z0-9][a-z0-9._/:@-]*$/, 'must be a Docker image reference')
      .default('postgres:16'),
    odoo_version: z
      .string()
      .regex(/^(1[4-9])\.0$/, 'must be 14.0 … 19.0')
      .optional(),
    /**
     * Load Odoo's demo data when modules are installed (training copies only). Off: every `-i` Flipdeck
     * runs passes --without-demo=all (14.0–18.0; 19.0 loads none unless --with-demo).
     */
    demo: z.boolean().default(false),
    /** How a schema-changing deploy runs its module update: beside the live pool, or behind a 503 page. */
    update_mode: z.enum(['online', 'cutover']).default('online'),
    /**
     * When the base image's Odoo changed (its core addons' manifest versions differ between the live
     * image and the new one), also update those core addons (`-u base,mail,…`). Off: they are only
     * reported, and the deploy updates just the project's own changed modules.
     */
    update_core: z.boolean().default(false),
    /** Rehearse a module update on a copy of the database first (only a passing rehearsal goes on). */
    rehearse: z.boolean().default(true),
    /** Database backups (pg_dump, kept on the server) to keep; older ones are removed. */
    backups_keep: z.number().int().min(1).max(100).default(5),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (!e.source === !e.image)
      ctx.addIssue({
        code: 'custom',
        path: ['source'],
        message: 'give exactly one of `source` (a local dir or git URL) or `image`',
      });
    if (!e.public_bind && e.domains.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['public_bind'],
        message: 'give `public_bind` or at least one entry in `domains`, or nobody can reach the environment',
      });
    if (e.public_scheme === 'https' && e.trusted_proxies.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['trusted_proxies'],
        message:
          'public_scheme https needs the proxy that ends TLS in trusted_proxies (the edge speaks HTTP, and overwrites X-Forwarded-Proto from anyone else)',
      });
    if (
      e.resources.memory_swap !== undefined &&
      e.resources.memory !== undefined &&
      e.resources.memory_swap < e.resources.memory
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['resources', 'memory_swap'],
        message: 'memory_swap counts memory plus swap, so it cannot be below memory',
      });
    }
  });

export type EnvironmentInput = z.input<typeof environmentSchema>;
export type Environment = z.output<typeof environmentSchema>;

export function parseEnvironment(value: unknown): Environment {
  const crowded = tooManyKeys(value, 'the environment definition');
  if (crowded) throw crowded;
  const r = environmentSchema.safeParse(value);
  if (!r.success)
    throw new FlipdeckError('bad_input', `environment definition: ${describeIssues(r.error)}`, {
      fix: 'correct the named keys and apply the file again',
    });
  return r.data;
}

/** A `source:` that names a git repository (fetched at deploy time) rather than a directory. */
export function isGitUrl(s: string): boolean {
  return /^(ssh|https?|git|file):\/\/[^\s]+$/i.test(s) || /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/.test(s);
}
