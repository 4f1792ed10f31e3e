import { describe, expect, it } from 'vitest';
import { parseEnvironmentYaml } from './environment-yaml';

const base = `
server: acme-prod
name: prod
image: acme/odoo:17.0-42
public_bind: 127.0.0.1:18100
`;

describe('environment definitions', () => {
  it('fills defaults and converts durations and sizes', () => {
    const env = parseEnvironmentYaml(`${base}
drain_timeout: 90s
keep_window: 15m
ready_timeout: 120
resources: { memory: 2g, memory_swap: 3g, cpus: 1.5 }
env:
  PGAPPNAME: acme
  SMTP_PASSWORD: { secret: acme-smtp }
`);
    expect(env).toMatchObject({
      replicas: 2,
      http_port: 8069,
      health_path: '/web/health',
      strategy: 'blue-green',
      drain_timeout: 90_000,
      keep_window: 900_000,
      ready_timeout: 120_000,
      db: 'managed',
      resources: { memory: 2 * 1024 ** 3, memory_swap: 3 * 1024 ** 3, cpus: 1.5 },
      env: { PGAPPNAME: 'acme', SMTP_PASSWORD: { secret: 'acme-smtp' } },
    });
  });

  it('names an unknown key', () => {
    expect(() => parseEnvironmentYaml(`${base}\nreplica: 3\n`)).toThrow(/replica/);
  });

  it.each([
    ['drain_timeout: soon', /drain_timeout.*write 90s/],
    ['replicas: 0', /replicas/],
    ['strategy: yolo', /strategy/],
    ['ref: "--upload-pack=touch /tmp/x"', /ref.*leading -/],
    ['name: "prod; rm -rf /"', /name/],
    ['public_bind: "0.0.0.0:99999"', /public_bind.*port/],
    ['resources: { memory: 2g, memory_swap: 1g }', /memory_swap.*cannot be below memory/],
    ['env: { "BAD-NAME": x }', /env/],
  ])('refuses %s', (line, message) => {
    const doc = base
      .split('\n')
      .filter((l) => !l.startsWith(line.split(':')[0] + ':'))
      .join('\n');
    expect(() => parseEnvironmentYaml(`${doc}\n${line}\n`)).toThrow(message);
  });

  it('requires exactly one of source or image', () => {
    expect(() => parseEnvironmentYaml(`${base}\nsource: /src/acme\n`)).toThrow(/exactly one of `source`/);
  });

  it('reports broken YAML with its position', () => {
    expect(() => parseEnvironmentYaml('server: [unclosed\n')).toThrow(/not valid YAML/);
  });
});
