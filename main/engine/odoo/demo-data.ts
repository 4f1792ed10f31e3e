// Demo data on every `-i` Flipdeck runs. Odoo 14.0–18.0 load demo data on `-i` unless told
// `--without-demo` (odoo/tools/config.py: demo = the -i list unless without_demo; loading.py adds
// 'all' when it initialises a database), so a plain `odoo -d X -i base` fills a production database
// with demo records and users (demo/demo, portal/portal). 19.0 inverts it: demo only with
// `--with-demo`. An environment gets demo data only when it asks (`demo: true`, for training copies).
import type Docker from 'dockerode';

export function demoArgs(major: number | null, demo: boolean): string[] {
  if (major !== null && major >= 19) return demo ? ['--with-demo'] : [];
  return demo ? [] : ['--without-demo=all'];
}

/** The image's Odoo major version: the official image's ODOO_VERSION (inherited by images built FROM it), else the environment's odoo_version. */
export async function imageOdooMajor(
  docker: Docker,
  image: string,
  configured?: string,
): Promise<{ major: number | null; from: string }> {
  const info = await docker
    .getImage(image)
    .inspect()
    .catch(() => null);
  const fromImage = info?.Config?.Env?.find((v) => v.startsWith('ODOO_VERSION='))?.slice('ODOO_VERSION='.length);
  const parse = (v: string | undefined) => (v && /^(1[4-9])(\.|$)/.exec(v) ? Number(v.split('.')[0]) : null);
  const image_ = parse(fromImage);
  if (image_ !== null) return { major: image_, from: `the image's ODOO_VERSION (${fromImage})` };
  const conf = parse(configured);
  if (conf !== null) return { major: conf, from: `the environment's odoo_version (${configured})` };
  return { major: null, from: 'nothing (no ODOO_VERSION in the image, no odoo_version): 14.0–18.0 flags assumed' };
}
