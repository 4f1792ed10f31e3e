import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../../shared/environment';
import { environmentDocument, parseEnvironmentYaml, readEnvironmentFile } from './environment-yaml';

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

describe('absurd values are refused with the key and the allowed range (issue 14, point 5)', () => {
  const withLine = (line: string) => {
    const key = line.split(':')[0]!;
    const doc = base
      .split('\n')
      .filter((l) => !l.startsWith(key + ':'))
      .join('\n');
    return `${doc}\n${line}\n`;
  };

  it.each([
    // keep_window: 1e13 s made `new Date()` throw after the flip, so every later deploy failed.
    ['keep_window: 1e13', /keep_window: must be 0s to 720h \(30 days\), got 10000000000000 \(seconds\)/],
    ['keep_window: 721h', /keep_window: must be 0s to 720h/],
    // 600 h is above 2³¹−1 ms: Node clamped the timer to 1 ms and readiness timed out at once.
    ['ready_timeout: 600h', /ready_timeout: must be 1s to 24h, got "600h"/],
    ['ready_timeout: 0', /ready_timeout: must be 1s to 24h/],
    ['drain_timeout: 2h', /drain_timeout: must be 0s to 1h, got "2h"/],
    // YAML 1.2 reads 0x16 as 22 and 0o26 as 22.
    ['http_port: 0x16', /http_port: must be a port number written in decimal digits.*1–65535; got "0x16"/],
    ['gevent_port: 0o26', /gevent_port: must be a port number written in decimal digits.*"0o26"/],
    ['http_port: 99999', /http_port: must be a port number in 1–65535; got 99999/],
    ['public_bind: "127.0.0.1:0"', /public_bind: the port must be a port number in 1–65535/],
    ['resources: { memory: 1e13 }', /resources\.memory: must be 6m to 1024g \(what Docker accepts\)/],
    ['resources: { memory: 4m }', /resources\.memory: must be 6m to 1024g/],
    ['resources: { memory_swap: 3000g }', /resources\.memory_swap: must be 6m to 2048g/],
    ['resources: { cpus: 0.001 }', /resources\.cpus: must be a number of CPUs from 0\.01 to 256/],
    ['resources: { cpus: 1000 }', /resources\.cpus: must be a number of CPUs from 0\.01 to 256/],
    ['server: "acme/prod"', /server: must not contain "\/"/],
    ['server: "acme\u202Eprod"', /server: must not contain control, bidi or invisible characters \(found U\+202E/],
    ['server: "acme\\u0007prod"', /server: must not contain control, bidi or invisible characters \(found U\+0007/],
    ['server: "acme\\u0085prod"', /server: must not contain control.*U\+0085/],
    ['server: "cafe\u0301"', /server: must be in Unicode NFC form/],
  ])('refuses %s', (line, message) => {
    expect(() => parseEnvironmentYaml(withLine(line))).toThrow(message);
  });

  it('keeps the values inside the ranges, the edges included', () => {
    const env = parseEnvironmentYaml(
      withLine('keep_window: 720h') +
        'ready_timeout: 24h\ndrain_timeout: 1h\nhttp_port: "8069"\nresources: { memory: 6m, cpus: 0.01 }\n',
    );
    expect(env).toMatchObject({
      keep_window: 720 * 3_600_000,
      ready_timeout: 24 * 3_600_000,
      drain_timeout: 3_600_000,
      http_port: 8069,
      resources: { memory: 6 * 1024 ** 2, cpus: 0.01 },
    });
    expect(parseEnvironmentYaml(withLine('server: "Café Zürich"')).server).toBe('Café Zürich');
  });

  it('refuses a file over 1 MiB before reading it whole, naming the file and the limit', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-envfile-'));
    const big = path.join(dir, 'big.yml');
    writeFileSync(big, `${base}\n# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    await expect(readEnvironmentFile(big)).rejects.toThrow(
      `${big} is ${statSync(big).size.toLocaleString('en')} bytes; environment files may be at most 1 MiB (1,048,576 bytes)`,
    );
    const ok = path.join(dir, 'ok.yml');
    writeFileSync(ok, base);
    expect(await readEnvironmentFile(ok)).toBe(base);
    // Text handed over directly is held to the same limit.
    expect(() => environmentDocument(`${base}# ${'x'.repeat(2 * 1024 * 1024)}`, 'pasted.yml')).toThrow(
      /pasted\.yml is 2,097,\d+ bytes; environment files may be at most 1 MiB/,
    );
  });

  it('refuses more than 1,000 keys, nested env: ones included', () => {
    const vars = Array.from({ length: 1001 }, (_, i) => `  V${i}: x`).join('\n');
    expect(() => environmentDocument(`${base}env:\n${vars}\n`, 'many.yml')).toThrow(
      /many\.yml has more than 1,000 keys \(counting nested ones such as env:\); at most 1,000 are allowed/,
    );
    const fewer = Array.from({ length: 900 }, (_, i) => `  V${i}: x`).join('\n');
    expect(Object.keys(parseEnvironmentYaml(`${base}env:\n${fewer}\n`).env)).toHaveLength(900);
    // The stored definition (app, contract) is counted too.
    expect(() =>
      parseEnvironment({
        ...environmentDocument(base),
        env: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`V${i}`, 'x'])),
      }),
    ).toThrow(/more than 1,000 keys/);
  });
});
