// Helpers for tests that run the Odoo stand-in and PostgreSQL on the lab daemon, published to
// 127.0.0.1 only. Every container carries a label so `cleanup()` removes exactly what a test started.
import path from 'node:path';
import Docker from 'dockerode';
import { LAB_SRC } from './paths';
import type { LabState } from './lab';

export const ADDONS = {
  good: path.join(LAB_SRC, 'odoo-standin', 'test-addons', 'good'),
  missingDep: path.join(LAB_SRC, 'odoo-standin', 'test-addons', 'missing-dep'),
  broken: path.join(LAB_SRC, 'odoo-standin', 'test-addons', 'broken'),
  /** OCA queue_job (stand-in) and flipdeck_lab_jobs, whose jobs record which worker ran them. */
  queue: path.join(LAB_SRC, 'odoo-standin', 'test-addons', 'queue'),
};

export class StandinKit {
  readonly docker: Docker;
  readonly label: string;
  readonly network: string;

  constructor(
    readonly lab: LabState,
    tag: string,
  ) {
    this.docker = new Docker({ socketPath: lab.dockerSocket });
    this.label = `flipdeck-test-${tag}`;
    this.network = `${this.label}-net`;
  }

  async setup(): Promise<void> {
    await this.cleanup();
    await this.docker.createNetwork({ Name: this.network, Labels: { 'io.flipdeck.test': this.label } });
  }

  async postgres(name = 'db', password = 'pw'): Promise<Docker.Container> {
    const c = await this.docker.createContainer({
      name: `${this.label}-${name}`,
      Image: this.lab.images.postgres,
      Env: ['POSTGRES_USER=odoo', `POSTGRES_PASSWORD=${password}`],
      Labels: { 'io.flipdeck.test': this.label },
      HostConfig: { NetworkMode: this.network },
      NetworkingConfig: { EndpointsConfig: { [this.network]: { Aliases: [name] } } },
    });
    await c.start();
    await this.waitForLog(c, /ready to accept connections/, 30_000);
    return c;
  }

  /** A one-off `odoo …` run; resolves with its exit code and output. */
  async runOnce(
    args: string[],
    opts: { addons?: string[]; env?: string[] } = {},
  ): Promise<{ code: number; output: string }> {
    const c = await this.docker.createContainer({
      Image: this.lab.images.odoo,
      Cmd: ['odoo', ...args],
      Env: ['HOST=db', 'PASSWORD=pw', ...(opts.env ?? [])],
      Labels: { 'io.flipdeck.test': this.label },
      HostConfig: {
        NetworkMode: this.network,
        Binds: (opts.addons ?? []).map((dir, i) => `${dir}:/mnt/addons${i}:ro`),
      },
    });
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const output = await this.logs(c);
    await c.remove({ force: true });
    return { code: StatusCode, output };
  }

  async worker(
    name: string,
    args: string[],
    opts: { addons?: string[]; env?: string[]; volume?: string } = {},
  ): Promise<{ container: Docker.Container; url: string; geventUrl: string }> {
    const c = await this.docker.createContainer({
      name: `${this.label}-${name}`,
      Image: this.lab.images.odoo,
      Cmd: ['odoo', ...args],
      Env: ['HOST=db', 'PASSWORD=pw', ...(opts.env ?? [])],
      Labels: { 'io.flipdeck.test': this.label },
      ExposedPorts: { '8069/tcp': {}, '8072/tcp': {} },
      HostConfig: {
        NetworkMode: this.network,
        PortBindings: {
          '8069/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
          '8072/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
        },
        Binds: [
          ...(opts.addons ?? []).map((dir, i) => `${dir}:/mnt/addons${i}:ro`),
          ...(opts.volume ? [`${opts.volume}:/var/lib/odoo`] : []),
        ],
      },
    });
    await c.start();
    const info = await c.inspect();
    const port = info.NetworkSettings.Ports['8069/tcp']?.[0]?.HostPort;
    const gevent = info.NetworkSettings.Ports['8072/tcp']?.[0]?.HostPort;
    return { container: c, url: `http://127.0.0.1:${port}`, geventUrl: `http://127.0.0.1:${gevent}` };
  }

  addonsPath(n: number): string[] {
    return ['--addons-path', Array.from({ length: n }, (_, i) => `/mnt/addons${i}`).join(',')];
  }

  async logs(c: Docker.Container): Promise<string> {
    const buf = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const parts: Buffer[] = [];
    for (let i = 0; i + 8 <= buf.length;) {
      const size = buf.readUInt32BE(i + 4);
      parts.push(buf.subarray(i + 8, i + 8 + size));
      i += 8 + size;
    }
    return Buffer.concat(parts).toString('utf8');
  }

  async waitForLog(c: Docker.Container, re: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (re.test(await this.logs(c))) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no log line matching ${re} within ${timeoutMs} ms:\n${await this.logs(c)}`);
  }

  async sql(query: string, db = 'shop'): Promise<string> {
    const c = this.docker.getContainer(`${this.label}-db`);
    const exec = await c.exec({
      Cmd: ['psql', '-U', 'odoo', '-d', db, '-tA', '-c', query],
      AttachStdout: true,
      AttachStderr: true,
      Env: ['PGPASSWORD=pw'],
    });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => resolve());
    });
    const buf = Buffer.concat(chunks);
    const parts: Buffer[] = [];
    for (let i = 0; i + 8 <= buf.length;) {
      const size = buf.readUInt32BE(i + 4);
      parts.push(buf.subarray(i + 8, i + 8 + size));
      i += 8 + size;
    }
    return Buffer.concat(parts).toString('utf8').trim();
  }

  async cleanup(): Promise<void> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: [`io.flipdeck.test=${this.label}`] },
    });
    await Promise.all(
      list.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
    );
    const nets = await this.docker.listNetworks({ filters: { label: [`io.flipdeck.test=${this.label}`] } });
    await Promise.all(
      nets.map((n) =>
        this.docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined),
      ),
    );
    const vols = await this.docker.listVolumes({ filters: { label: [`io.flipdeck.test=${this.label}`] } });
    await Promise.all(
      (vols.Volumes ?? []).map((v) =>
        this.docker
          .getVolume(v.Name)
          .remove()
          .catch(() => undefined),
      ),
    );
  }
}
