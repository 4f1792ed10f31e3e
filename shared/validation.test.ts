import { describe, expect, it } from 'vitest';
import { requestSchemas } from './ipc-contract';
import { describeIssues } from './validation';

// The contract's inputs hold to the same rules as environment files (issue 14, point 5).
const server = {
  clientId: 'c1',
  name: 'acme-prod',
  host: 'acme.example',
  port: 22,
  user: 'deploy',
  identityFile: '~/.ssh/id_ed25519',
};
const refused = (patch: Record<string, unknown>) => {
  const r = requestSchemas['servers.add'].safeParse({ ...server, ...patch });
  return r.success ? null : describeIssues(r.error);
};

describe('servers.add input', () => {
  it('accepts a plain server, its port as a number or as decimal digits', () => {
    expect(refused({})).toBeNull();
    expect(requestSchemas['servers.add'].parse({ ...server, port: '2222' }).port).toBe(2222);
    expect(refused({ name: 'Café Zürich (prod)' })).toBeNull();
    expect(refused({ host: '10.0.0.22' })).toBeNull();
    expect(refused({ host: 'fe80::1' })).toBeNull();
  });

  it.each([
    // Number('0x16') is 22: the hex port reached ssh as 22.
    [{ port: '0x16' }, /port: must be a port number written in decimal digits \(1 to 5 of them\), 1–65535; got "0x16"/],
    [{ port: '1e3' }, /port: must be a port number written in decimal digits.*"1e3"/],
    [{ port: ' 22' }, /port: must be a port number written in decimal digits/],
    [{ port: '99999' }, /port: must be a port number in 1–65535; got "99999"/],
    [{ port: 0 }, /port: must be a port number in 1–65535; got 0/],
    [{ port: 22.5 }, /port: must be a port number in 1–65535; got 22.5/],
    [{ jump: { host: 'bastion', port: '0x16', user: 'u' } }, /jump\.port: must be a port number written in decimal/],
    [{ host: '0x16' }, /host: reads as an IPv4 address in a non-standard form.*four decimal numbers 0–255/],
    [{ host: '127.1' }, /host: reads as an IPv4 address in a non-standard form/],
    [{ host: '010.0.0.1' }, /host: reads as an IPv4 address in a non-standard form/],
    [{ host: '300.1.1.1' }, /host: reads as an IPv4 address in a non-standard form/],
    [{ name: 'acme/prod' }, /name: must not contain "\/" \(it separates SERVER\/ENV\)/],
    [
      { name: 'acme\u202Eprod' },
      /name: must not contain control, bidi or invisible characters \(found U\+202E at position 5\)/,
    ],
    [{ name: 'acme\u2066prod' }, /name: must not contain control, bidi or invisible characters \(found U\+2066/],
    [{ name: 'acme\u200Bprod' }, /name: must not contain control, bidi or invisible characters \(found U\+200B/],
    [{ name: 'acme\u0000prod' }, /name: must not contain control, bidi or invisible characters \(found U\+0000/],
    [{ name: 'acme\nprod' }, /name: must not contain control, bidi or invisible characters \(found U\+000A/],
    [{ name: 'Cafe\u0301' }, /name: must be in Unicode NFC form/],
    [{ user: 'de\u202Eploy' }, /user: must be a plain user name/],
  ])('refuses %j', (patch, message) => {
    expect(refused(patch)).toMatch(message);
  });

  it('holds client names and SERVER/ENV refs to the same name rules', () => {
    expect(requestSchemas['clients.add'].safeParse({ name: 'a/b' }).success).toBe(false);
    expect(requestSchemas['clients.add'].safeParse({ name: 'Acme\u202E' }).success).toBe(false);
    expect(requestSchemas['deploy.preflight'].safeParse({ server: 'a\u202Eb', env: 'prod' }).success).toBe(false);
  });

  it('bounds live resource changes to what Docker accepts, saying the range', () => {
    const base = { server: 'acme-prod', env: 'prod', pool: 'blue' };
    const r = requestSchemas['resources.update'].safeParse({ ...base, cpus: 0.001 });
    expect(r.success ? '' : describeIssues(r.error)).toMatch(/cpus: must be a number of CPUs from 0\.01 to 256/);
    const m = requestSchemas['resources.update'].safeParse({ ...base, memoryMiB: 2_000_000 });
    expect(m.success ? '' : describeIssues(m.error)).toMatch(
      /memoryMiB: must be a whole number of MiB from 64 to 1048576/,
    );
  });
});
