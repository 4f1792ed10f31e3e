// What an image says about Odoo, asked once with the fixed script of ./image-facts.py.ts: the addons
// it can load (with `installable`, manifest version, and whether each is Odoo's own), its Odoo version,
// and the external_dependencies check of ./external-deps.ts. The build step asks the image it built
// (authoritative); the pre-flight asks the base image (early, advisory).
import type Docker from 'dockerode';
import type { AuditSink } from '../core/server-link';
import { runTool } from '../docker/containers';
import type { ExternalDependency, ExternalDependencyResult } from './external-deps';
import { IMAGE_FACTS_PY } from './image-facts.py';

export interface ImageAddon {
  path: string;
  installable: boolean;
  version: string | null;
  /** Odoo's own (the odoo package's addons directory), not pip-installed. */
  core: boolean;
}

export interface ImageFacts {
  /** The odoo package: its release version and directory; null when `import odoo` failed. */
  odoo: { version: string | null; dir: string | null } | null;
  odooError?: string | null;
  /** The conf whose addons_path was read; null when there is none. */
  conf: string | null;
  paths: string[];
  addons: Record<string, ImageAddon>;
  /** Directories with a manifest that Odoo would not load (no `__init__.py`, unreadable manifest). */
  ignored: { name: string; path: string; why: string }[];
  external: ExternalDependencyResult[];
}

/** The command run in the image: the fixed script, the request as its one argument. */
export function imageFactsCommand(deps: ExternalDependency[] = []): string[] {
  return ['python3', '-c', IMAGE_FACTS_PY, JSON.stringify({ deps })];
}

/** The script's answer (its last line); null when it did not answer. */
export function parseImageFacts(stdout: string): ImageFacts | null {
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    const v = JSON.parse(last) as Partial<ImageFacts> | null;
    if (!v || typeof v !== 'object' || typeof v.addons !== 'object' || !Array.isArray(v.external)) return null;
    return { odoo: null, conf: null, paths: [], ignored: [], ...v } as ImageFacts;
  } catch {
    return null;
  }
}

/** Runs the script in a one-off container of `image` (no network); null when it did not answer. */
export async function imageFacts(
  docker: Docker,
  audit: AuditSink,
  image: string,
  deps: ExternalDependency[] = [],
): Promise<ImageFacts | null> {
  const out = await runTool(docker, audit, image, imageFactsCommand(deps));
  return out === null ? null : parseImageFacts(out);
}

/** The addons Odoo would install from this image: loadable and installable. */
export function loadableAddons(f: ImageFacts): Set<string> {
  return new Set(
    Object.entries(f.addons)
      .filter(([, a]) => a.installable)
      .map(([n]) => n),
  );
}

/** Odoo's own addons and their manifest versions: what tells that the base image's Odoo changed. */
export function coreVersions(f: ImageFacts): Record<string, string | null> {
  return Object.fromEntries(
    Object.entries(f.addons)
      .filter(([, a]) => a.core)
      .map(([n, a]) => [n, a.version]),
  );
}
