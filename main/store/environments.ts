// Environment definitions (`flipdeck env apply FILE.yml`), kept as the user wrote them (so better
// defaults in a later Flipdeck apply to them) and re-validated on every read. Read from the file each
// time; each change is a read-modify-write under the home's lock, so parallel applies all stay.
import path from 'node:path';
import { z } from 'zod';
import { FlipdeckError } from '../../shared/errors';
import { parseEnvironment, type Environment } from '../../shared/environment';
import { readJsonFile, updateJsonFile } from './json-file';

const fileSchema = z
  .object({
    version: z.literal(1),
    environments: z.array(
      z
        .object({
          server: z.string(),
          name: z.string(),
          definition: z.record(z.string(), z.unknown()),
          appliedAt: z.string(),
        })
        .strict(),
    ),
  })
  .strict();
type EnvFile = z.output<typeof fileSchema>;
const emptyFile = (): EnvFile => ({ version: 1, environments: [] });

export class EnvironmentStore {
  readonly file: string;

  constructor(home: string) {
    this.file = path.join(home, 'environments.json');
  }

  private read(): Promise<EnvFile> {
    return readJsonFile(this.file, fileSchema, { fallback: emptyFile });
  }

  private change<T>(decide: (data: EnvFile) => { next: EnvFile; result: T }): Promise<T> {
    return updateJsonFile(this.file, fileSchema, { fallback: emptyFile }, decide);
  }

  /** Validates and stores a definition; returns it parsed, and whether it replaced an earlier one. */
  async apply(definition: Record<string, unknown>): Promise<{ environment: Environment; replaced: boolean }> {
    const environment = parseEnvironment(definition);
    return this.change((data) => {
      const rest = data.environments.filter((e) => !(e.server === environment.server && e.name === environment.name));
      const entry = { server: environment.server, name: environment.name, definition, appliedAt: now() };
      return {
        next: { ...data, environments: [...rest, entry] },
        result: { environment, replaced: rest.length !== data.environments.length },
      };
    });
  }

  async get(server: string, name: string): Promise<Environment> {
    const data = await this.read();
    const found = data.environments.find((e) => e.server === server && e.name === name);
    if (!found) {
      const known = data.environments.filter((e) => e.server === server).map((e) => e.name);
      throw new FlipdeckError(
        'not_found',
        `no environment ${server}/${name}${known.length ? ` (known on ${server}: ${known.join(', ')})` : ''}`,
        { fix: 'apply its definition first: flipdeck env apply FILE.yml' },
      );
    }
    return parseEnvironment(found.definition);
  }

  async list(): Promise<{ server: string; name: string; appliedAt: string }[]> {
    return (await this.read()).environments.map(({ server, name, appliedAt }) => ({ server, name, appliedAt }));
  }

  /** Writes values back into a stored definition (e.g. live resources, kept for the next deploy). */
  async patch(
    server: string,
    name: string,
    change: (d: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<Environment> {
    return this.change((data) => {
      const found = data.environments.find((e) => e.server === server && e.name === name);
      if (!found) throw new FlipdeckError('not_found', `no environment ${server}/${name}`);
      const definition = change(structuredClone(found.definition));
      const environment = parseEnvironment(definition);
      found.definition = definition;
      found.appliedAt = now();
      return { next: data, result: environment };
    });
  }
}

const now = () => new Date().toISOString();
