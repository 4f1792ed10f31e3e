// Addons' external_dependencies against an image: which to ask (from the manifests), the fixed
// script that asks (./external-deps.py.ts; in an image it runs inside ./image-facts.py.ts, one
// one-off with the addons listing), and what its answer means — per addon, the library missing or
// at the wrong version, with the Dockerfile line that fixes it. A missing library otherwise fails only when Odoo imports the module.
import { EXTERNAL_DEPS_PY } from './external-deps.py';

export interface ExternalDependency {
  addon: string;
  kind: 'python' | 'bin';
  /** A pip requirement (`python-dateutil`, `sentry_sdk<=1.9.0`), an import name (`dateutil`), or a program. */
  requirement: string;
}

export type ExternalDependencyStatus = 'ok' | 'missing' | 'version' | 'invalid' | 'skipped';

export interface ExternalDependencyResult extends ExternalDependency {
  status: ExternalDependencyStatus;
  /** The distribution, import or program name looked for. */
  name?: string;
  /** The installed version (python) or the program's path (bin). */
  installed?: string | null;
  via?: 'distribution' | 'import' | 'path';
  detail?: string | null;
}

export interface ExternalDependencyProblem {
  addon: string;
  library: string;
  message: string;
  fix: string;
}

interface AddonDeclaring {
  name: string;
  externalDependencies?: { python: string[]; bin: string[] };
}

/** What to check: every declared dependency of these addons (of `only`, when given: installed or to install). */
export function externalDependencyList(addons: AddonDeclaring[], only?: Set<string> | null): ExternalDependency[] {
  return addons
    .filter((a) => !only || only.has(a.name))
    .flatMap((a) => [
      ...(a.externalDependencies?.python ?? []).map((requirement) => ({
        addon: a.name,
        kind: 'python' as const,
        requirement,
      })),
      ...(a.externalDependencies?.bin ?? []).map((requirement) => ({
        addon: a.name,
        kind: 'bin' as const,
        requirement,
      })),
    ]);
}

/** The command run in the image: a fixed script, the list as its one argument. */
export function externalDependencyCommand(deps: ExternalDependency[]): string[] {
  return ['python3', '-c', EXTERNAL_DEPS_PY, JSON.stringify(deps)];
}

/** The script's answer (its last line); null when it did not answer. */
export function parseExternalDependencyOutput(stdout: string): ExternalDependencyResult[] | null {
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(last) as unknown;
    return Array.isArray(parsed) ? (parsed as ExternalDependencyResult[]) : null;
  } catch {
    return null;
  }
}

/** A shell word: the requirement's `<` and `>` must not become redirections. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function externalDependencyProblems(results: ExternalDependencyResult[]): ExternalDependencyProblem[] {
  const out: ExternalDependencyProblem[] = [];
  for (const r of results) {
    if (r.status === 'ok' || r.status === 'skipped') continue;
    const pip = `install it in the Dockerfile: RUN pip install ${quote(r.requirement)}`;
    if (r.kind === 'bin')
      out.push({
        addon: r.addon,
        library: r.requirement,
        message: `${r.addon} needs the program ${r.requirement}, which is not on the image's PATH`,
        fix: `install it in the Dockerfile: RUN apt-get update && apt-get install -y --no-install-recommends <the package that provides ${r.requirement}>`,
      });
    else if (r.status === 'version')
      out.push({
        addon: r.addon,
        library: r.requirement,
        message: `${r.addon} needs ${r.requirement}; the image has ${r.name ?? r.requirement} ${r.installed ?? '?'}`,
        fix: pip,
      });
    else if (r.status === 'missing')
      out.push({
        addon: r.addon,
        library: r.requirement,
        message: `${r.addon} needs the Python library ${r.requirement}, which the image does not have${r.detail ? ` (${r.detail})` : ''}`,
        fix: pip,
      });
    else
      out.push({
        addon: r.addon,
        library: r.requirement,
        message: `${r.addon} declares ${JSON.stringify(r.requirement)}, which is not a requirement Odoo can check${r.detail ? ` (${r.detail})` : ''}`,
        fix: "write it in the manifest as a pip requirement: a distribution name and, if needed, a version specifier ('sentry_sdk<=1.9.0')",
      });
  }
  return out;
}
