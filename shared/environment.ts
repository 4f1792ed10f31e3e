// An environment definition (`flipdeck env apply FILE.yml`): what to deploy, where, and how.
// Unknown keys and bad values are refused with the key named, so a typo never deploys a default.
import { z } from 'zod';
import { parseBytes, parseDuration } from './units';
import { describeIssues, displayName, secretName } from './validation';
import { FlipdeckError } from './errors';

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const bytes = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseBytes(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

/** Environment and container names become Docker names and labels: keep them boring. */
export const envName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, _ and - (max 40), starting with a letter or digit');

const bind = z
  .string()
  .regex(/^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/, 'must be ADDRESS:PORT, e.g. 127.0.0.1:18100')
  .refine((s) => {
    const port = Number(s.split(':')[1]);
    return port >= 1 && port <= 65535;
  }, 'port must be 1–65535');

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
    memory: bytes.optional(),
    memory_swap: bytes.optional(),
    /** Run below the Odoo version's memory floor deliberately: the limit is then padded by 256 MiB (as the sliders do). */
    memory_override: z.boolean().default(false),
    cpus: z.number().positive().max(256).optional(),
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
      port: z.number().int().min(1).max(65535).default(5432),
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
    http_port: z.number().int().min(1).max(65535).default(8069),
    gevent_port: z.number().int().min(1).max(65535).default(8072),
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
    drain_timeout: duration.default(60_000),
    ready_timeout: duration.default(300_000),
    keep_window: duration.default(900_000),
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
    /** How a schema-changing deploy runs its module update: beside the live pool, or behind a 503 page. */
    update_mode: z.enum(['online', 'cutover']).default('online'),
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
