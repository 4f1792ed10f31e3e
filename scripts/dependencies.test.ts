// package.json says what is true. `dependencies` is exactly what the shipped code imports at run time:
// electron-vite leaves those packages out of the main bundle (it externalizes `dependencies`) and
// electron-builder copies them into the app, and `npx flipdeck` loads them from node_modules. Anything
// else (the renderer's libraries, which vite bundles; the browser host's ws, which runs only from a
// checkout; build and test tools) is a devDependency. Packaging itself cannot run here, so this test
// walks the import graph from the shipped entry points instead.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};
const dependencies = Object.keys(pkg.dependencies ?? {});
const devDependencies = Object.keys(pkg.devDependencies ?? {});

/** What ships: the Electron main process and its preload (built by `npm run build`), and the CLI (run through tsx). */
const SHIPPED_ENTRIES = ['main/app/index.ts', 'preload/index.ts', 'bin/flipdeck.mjs'];
/** Provided by the runtime rather than installed from `dependencies`: electron-builder ships Electron itself
 *  and wants the `electron` package in devDependencies. */
const PROVIDED = new Set(['electron']);

const builtins = new Set(builtinModules);
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0]!);
const packageName = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');
const isBare = (spec: string) => !spec.startsWith('.') && !spec.startsWith('/');

/** Module specifiers a file imports. `typeOnly: false` leaves out imports the compiler erases. */
function importsOf(file: string, { typeOnly }: { typeOnly: boolean }): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.Latest,
    false,
    file.endsWith('.tsx') ? ts.ScriptKind.TSX : undefined,
  );
  const found: string[] = [];
  const erased = (clause: ts.ImportClause | undefined) =>
    !!clause &&
    (clause.phaseModifier === ts.SyntaxKind.TypeKeyword ||
      (!clause.name &&
        !!clause.namedBindings &&
        ts.isNamedImports(clause.namedBindings) &&
        clause.namedBindings.elements.length > 0 &&
        clause.namedBindings.elements.every((e) => e.isTypeOnly)));
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (typeOnly || !erased(node.importClause)) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const allTypes =
        node.isTypeOnly ||
        (!!node.exportClause &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      if (typeOnly || !allTypes) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      if (typeOnly) found.push(node.argument.literal.text);
    } else if (
      ts.isCallExpression(node) &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0]) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function resolveRelative(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  if (/\.(json|css|html|svg|png)$/.test(base)) return null; // data, not code: nothing to follow
  const candidates = [base, base.replace(/\.m?js$/, '.ts'), `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (!hit) throw new Error(`${path.relative(root, from)} imports ${spec}, which does not resolve`);
  return hit;
}

/** Every package the entry files reach at run time, with the first file that imports it. */
function runtimePackages(entries: string[]): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of importsOf(file, { typeOnly: false })) {
      if (!isBare(spec)) {
        const next = resolveRelative(file, spec);
        if (next) walk(next);
      } else if (!isBuiltin(spec) && !PROVIDED.has(packageName(spec)) && !packages.has(packageName(spec))) {
        packages.set(packageName(spec), path.relative(root, file));
      }
    }
  };
  for (const entry of entries) walk(path.join(root, entry));
  return packages;
}

/** What is wrong with `dependencies`, given what the shipped code imports at run time. */
function dependencyProblems(dependencies: string[], needed: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, file] of needed) {
    if (!dependencies.includes(name)) problems.push(`${name}: imported at run time (${file}) but not in dependencies`);
  }
  for (const name of dependencies) {
    if (!needed.has(name)) problems.push(`${name}: in dependencies, but nothing the app or the CLI runs imports it`);
  }
  return problems.sort();
}

/** The lowest Node version a range such as "^20.19.0 || >=22.12.0" accepts, as [major, minor, patch]. */
function lowestNode(range: string): number[] {
  const lows = range.split('||').map((alternative) => {
    const m = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(alternative);
    if (!m) throw new Error(`cannot read the node range "${range}"`);
    return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
  });
  return lows.sort(compareVersions)[0]!;
}
const compareVersions = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;

/** devDependencies that no file imports, and what each is for. */
const TOOLS: Record<string, string> = {
  node: 'the Node that runs every npm script (node_modules/.bin comes first on their PATH): see the README',
  typescript: 'tsc (npm run typecheck); also read by this test',
  eslint: 'npm run lint',
  'electron-builder': 'npm run dist',
  jsdom: 'the vitest environment of the renderer tests (// @vitest-environment jsdom)',
  '@testing-library/dom': 'peer dependency of @testing-library/react',
  vite: 'peer dependency of electron-vite, @vitejs/plugin-react and vitest',
};
const typesOf = (name: string) => `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;

const sourceDirs = ['main', 'shared', 'preload', 'renderer', 'bin', 'e2e', 'bench', 'scripts'];
const skipDirs = new Set(['node_modules', '.state', 'odoo-standin', 'artifacts', 'results']);
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return skipDirs.has(d.name) ? [] : sourceFiles(p);
    return /\.(ts|tsx|mts|mjs|js)$/.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every package imported anywhere in the repository's sources (type-only imports too), with one importing file. */
let everyImport: Map<string, string> | undefined;
function allImports(): Map<string, string> {
  if (everyImport) return everyImport;
  const files = [
    ...sourceDirs.flatMap((d) => sourceFiles(path.join(root, d))),
    ...readdirSync(root)
      .filter((f) => /\.config\.(ts|js|mjs)$/.test(f))
      .map((f) => path.join(root, f)),
  ];
  const found = new Map<string, string>();
  for (const file of files) {
    for (const spec of importsOf(file, { typeOnly: true })) {
      if (isBare(spec) && !isBuiltin(spec) && !found.has(packageName(spec)))
        found.set(packageName(spec), path.relative(root, file));
    }
  }
  return (everyImport = found);
}

describe('package.json', () => {
  const shipped = runtimePackages(SHIPPED_ENTRIES);

  it('dependencies holds exactly what the Electron main process, its preload and the CLI import at run time', () => {
    expect(dependencyProblems(dependencies, shipped)).toEqual([]);
  });

  it('the check can fail: it names a run-time import missing from dependencies and an entry nothing ships imports', () => {
    const [imported, file] = [...shipped][0]!;
    const wrong = [...shipped.keys()].filter((name) => name !== imported).concat('react');
    expect(dependencyProblems(wrong, shipped)).toEqual(
      [
        'react: in dependencies, but nothing the app or the CLI runs imports it',
        `${imported}: imported at run time (${file}) but not in dependencies`,
      ].sort(),
    );
  });

  it('every package any source file imports (tests, lab, journeys, tools included) is declared', () => {
    const declared = new Set([...dependencies, ...devDependencies]);
    const undeclared = new Set<string>();
    for (const [name, file] of allImports()) {
      if (!declared.has(name) && !declared.has(typesOf(name))) undeclared.add(`${name} (${file})`);
    }
    expect([...undeclared].sort()).toEqual([]);
  });

  it('every devDependency is used: imported somewhere, the types of something imported, or a tool named here', () => {
    const imported = allImports();
    const unused = devDependencies.filter(
      (name) =>
        !imported.has(name) &&
        !(name in TOOLS) &&
        !(name.startsWith('@types/') && [...imported.keys(), 'node'].some((i) => typesOf(i) === name)),
    );
    expect(unused).toEqual([]);
  });

  it('engines.node is no lower than any direct dependency needs, and the node devDependency satisfies it', () => {
    const floor = lowestNode(pkg.engines?.node ?? '0');
    const tooLow: string[] = [];
    for (const name of [...dependencies, ...devDependencies]) {
      const engines = lock.packages[`node_modules/${name}`]?.engines;
      const range = engines && !Array.isArray(engines) ? engines.node : undefined;
      if (range && compareVersions(lowestNode(range), floor) > 0) tooLow.push(`${name} needs node ${range}`);
    }
    expect(tooLow).toEqual([]);
    const bundled = lock.packages['node_modules/node']?.version;
    expect(
      pkg.devDependencies?.node,
      'the node devDependency runs every npm script where the machine has an older Node',
    ).toBeDefined();
    expect(compareVersions(lowestNode(bundled ?? '0'), floor)).toBeGreaterThanOrEqual(0);
  });
});
