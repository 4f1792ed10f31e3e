import { describe, expect, it } from 'vitest';
import { renderEdgeConfig } from './haproxy-config';
import {
  batch,
  frontendTotals,
  livePoolFrom,
  parseShowStat,
  poolStateCommands,
  setServerState,
  withServerPorts,
} from './runtime-api';

const HEADER =
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,';
function row(
  px: string,
  sv: string,
  v: { scur?: number; stot?: number; status?: string; check?: string; h5?: number; req?: number },
): string {
  const f = HEADER.slice(2)
    .split(',')
    .map(() => '');
  const cols = HEADER.slice(2).split(',');
  const set = (c: string, x: string | number) => {
    f[cols.indexOf(c)] = String(x);
  };
  set('pxname', px);
  set('svname', sv);
  set('scur', v.scur ?? 0);
  set('stot', v.stot ?? 0);
  set('status', v.status ?? 'UP');
  set('check_status', v.check ?? 'L7OK');
  set('hrsp_5xx', v.h5 ?? 0);
  set('req_tot', v.req ?? '');
  set('weight', 1);
  return f.join(',');
}

describe('edge config', () => {
  const cfg = renderEdgeConfig({
    env: 'prod',
    replicas: 2,
    httpPort: 8069,
    // blue runs threaded (its bus on the HTTP port), green prefork (its bus on the gevent port).
    busPorts: { blue: 8069, green: 8072 },
    healthPath: '/web/health',
    domains: ['Shop.Example.com'],
    adminGid: 998,
  });

  it('declares every slot of both pools, disabled until the saved state or a deploy enables them', () => {
    expect(cfg).toContain('server blue-1 flipdeck-prod-blue-1:8069 disabled\n');
    expect(cfg).toContain('server blue-2 flipdeck-prod-blue-2:8069 disabled\n');
    expect(cfg).toContain('server green-1 flipdeck-prod-green-1:8069 disabled');
    expect(cfg).toContain('server green-2 flipdeck-prod-green-2:8072 track odoo/green-2 no-check disabled');
  });

  it("routes the bus (/websocket, 14/15's /longpolling/) to each pool's bus port, and checks health with the domain as Host", () => {
    expect(cfg).toContain('acl is_bus path /websocket\n');
    expect(cfg).toContain('acl is_bus path_beg /longpolling/\n');
    expect(cfg).toMatch(/use_backend odoo_ws if is_bus/);
    expect(cfg).toContain('server blue-1 flipdeck-prod-blue-1:8069 track odoo/blue-1 no-check disabled');
    expect(cfg).toContain('server green-1 flipdeck-prod-green-1:8072 track odoo/green-1 no-check disabled');
    expect(cfg).toContain('hdr Host Shop.Example.com');
    expect(cfg).toContain('-m str shop.example.com');
    expect(cfg).toContain(
      'stats socket /run/flipdeck-edge/admin.sock mode 660 level admin expose-fd listeners gid 998',
    );
  });

  it('accepts any Host when the environment has no domains', () => {
    const open = renderEdgeConfig({
      env: 'x',
      replicas: 1,
      httpPort: 8069,
      busPorts: { blue: 8069, green: 8069 },
      healthPath: '/web/health',
      domains: [],
    });
    expect(open).not.toContain('known_domain');
    expect(open).toContain('server blue-1 flipdeck-x-blue-1:8069 disabled');
  });
});

describe('runtime API', () => {
  it('refuses names that could smuggle a second command', () => {
    expect(() => setServerState('odoo', 'blue-1\nshutdown frontend web', 'ready')).toThrow(
      /invalid HAProxy server name/,
    );
    expect(() => setServerState('odoo;x', 'blue-1', 'ready')).toThrow(/invalid HAProxy backend/);
    expect(() => batch(['show stat;shutdown frontend web'])).toThrow();
  });

  it('changes both backends for a pool in one batch', () => {
    const cmds = poolStateCommands(['green-1', 'green-2'], 'ready');
    expect(cmds).toEqual([
      'set server odoo/green-1 state ready',
      'set server odoo/green-2 state ready',
      'set server odoo_ws/green-1 state ready',
      'set server odoo_ws/green-2 state ready',
    ]);
    expect(batch(cmds)).toBe(cmds.join(';') + '\n');
  });

  it('parses sessions and the live pool from show stat', () => {
    const csv = [
      HEADER,
      row('web', 'FRONTEND', { req: 1234, h5: 2 }),
      row('odoo', 'blue-1', { scur: 3, stot: 500, status: 'DRAIN' }),
      row('odoo', 'green-1', { scur: 1, stot: 20, status: 'UP' }),
      row('odoo', 'BACKEND', { scur: 4 }),
      row('odoo_ws', 'blue-1', { scur: 2, status: 'DRAIN' }),
      '',
    ].join('\n');
    const stats = parseShowStat(csv);
    expect(stats.map((s) => `${s.backend}/${s.server}:${s.sessions}:${s.status}`)).toEqual([
      'odoo/blue-1:3:DRAIN',
      'odoo/green-1:1:UP',
      'odoo_ws/blue-1:2:DRAIN',
    ]);
    expect(livePoolFrom(stats)).toBe('green');
    expect(frontendTotals(csv)).toEqual({ requests: 1234, http5xx: 2 });
  });

  it('reports no live pool when both or neither are in rotation', () => {
    const both = parseShowStat([HEADER, row('odoo', 'blue-1', {}), row('odoo', 'green-1', {})].join('\n'));
    expect(livePoolFrom(both)).toBeNull();
    const none = parseShowStat(
      [
        HEADER,
        row('odoo', 'blue-1', { status: 'MAINT' }),
        row('odoo', 'green-1', { status: 'MAINT (resolution)' }),
      ].join('\n'),
    );
    expect(livePoolFrom(none)).toBeNull();
  });

  it('rejects an answer that is not CSV', () => {
    expect(() => parseShowStat('Unknown command')).toThrow(/unexpected answer/);
  });
});

describe('withServerPorts', () => {
  const state = [
    '1',
    '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port',
    '3 odoo 1 blue-1 172.20.0.5 2 0 1 1 42 6 3 4 6 0 0 0 flipdeck-x-blue-1 8069 - 0 0 - - 0',
    '4 odoo_ws 1 blue-1 172.20.0.5 2 0 1 1 42 1 0 0 0 0 0 0 flipdeck-x-blue-1 8069 - 0 0 - - 0',
    '4 odoo_ws 2 green-1 172.20.0.6 2 1 1 1 42 1 0 0 0 0 0 0 flipdeck-x-green-1 8069 - 0 0 - - 0',
    '',
  ].join('\n');

  it('replaces the saved port of the servers asked for, and only those', () => {
    const out = withServerPorts(state, (be, srv) => (be === 'odoo_ws' && srv.startsWith('blue-') ? 8072 : undefined));
    const lines = out.split('\n');
    expect(lines[2]).toContain('flipdeck-x-blue-1 8069 -');
    expect(lines[3]).toContain('flipdeck-x-blue-1 8072 -');
    expect(lines[4]).toContain('flipdeck-x-green-1 8069 -');
    expect(lines[0]).toBe('1');
  });
});
