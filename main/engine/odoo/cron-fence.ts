// "Stop the cron runner between jobs". Odoo runs each cron job holding its ir_cron row with
// FOR NO KEY UPDATE for the whole run (ir_cron._acquire_one_job), and its cron threads are daemon
// threads: stopping the runner mid-job kills the job and rolls its transaction back, so the next
// runner runs it again — side effects outside the database (an e-mail, an API call) happen twice.
// Row locks do not show in pg_locks, so the running jobs are found the way Odoo's own runners see
// each other: the rows that `FOR NO KEY UPDATE SKIP LOCKED` skips are the running ones. The fence
// takes every idle job's row in one open transaction (no runner can start one: they skip locked
// rows), waits for the running ones to end (bounded), taking each as it frees, then says so and
// holds until Flipdeck has stopped the old runner and removes it — or until `holdSeconds` pass,
// so a Flipdeck that died mid-handover never leaves crons fenced for long.
export const CRON_FENCE_PY = [
  'import os, sys, time',
  'import psycopg2',
  'db, wait_s, hold_s = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])',
  'mark = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4].isdigit() else None',
  'pw = os.environ.get("PASSWORD", "")',
  'if os.environ.get("PASSWORD_FILE"):',
  '    pw = open(os.environ["PASSWORD_FILE"]).read().strip()',
  'conn = psycopg2.connect(host=os.environ["HOST"], port=os.environ.get("PORT", "5432"), user=os.environ["USER"], password=pw, dbname=db, connect_timeout=10)',
  'cr = conn.cursor()',
  '# Asset bundles generated since the mark (asset-bundles.ts): the sequence now, and the other attachments since.',
  'if mark is not None:',
  '    try:',
  '        cr.execute("SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ir_attachment_id_seq")',
  '        print("mark:%d" % cr.fetchone()[0], flush=True)',
  '        cr.execute("SELECT count(*) FROM ir_attachment WHERE id > %s AND (url IS NULL OR url NOT LIKE \'/web/assets/%%\')", (mark,))',
  '        print("other:%d" % cr.fetchone()[0], flush=True)',
  '    except psycopg2.Error:',
  '        conn.rollback()',
  'cr.execute("SELECT 1 FROM information_schema.tables WHERE table_name = \'ir_cron\'")',
  'if not cr.fetchone():',
  '    print("fenced 0", flush=True)',
  '    sys.exit(0)',
  't0 = time.time()',
  'seen = None',
  'while True:',
  '    cr.execute("SELECT id FROM ir_cron WHERE active FOR NO KEY UPDATE SKIP LOCKED")',
  '    mine = {r[0] for r in cr.fetchall()}',
  '    cr.execute("SELECT id, cron_name FROM ir_cron WHERE active ORDER BY id")',
  '    running = [(i, n) for i, n in cr.fetchall() if i not in mine]',
  '    waited = int((time.time() - t0) * 1000)',
  '    if not running:',
  '        print("fenced %d" % waited, flush=True)',
  '        break',
  '    if running != seen:',
  '        print("running %s" % "|".join("%d:%s" % r for r in running), flush=True)',
  '        seen = running',
  '    if waited > wait_s * 1000:',
  '        print("timeout %d" % waited, flush=True)',
  '        break',
  '    time.sleep(0.25)',
  'end = time.time() + hold_s',
  'while time.time() < end:',
  '    time.sleep(0.5)',
].join('\n');

export interface FenceReport {
  state: 'fenced' | 'timeout' | 'waiting';
  waitedMs: number;
  /** Jobs seen running (id and name), latest first-seen order. */
  running: { id: number; name: string }[];
}

/** Reads the fence's output so far. */
export function parseFence(output: string): FenceReport {
  let state: FenceReport['state'] = 'waiting';
  let waitedMs = 0;
  const running = new Map<number, string>();
  for (const line of output.split('\n')) {
    const l = line.trim();
    const done = /^(fenced|timeout) (\d+)$/.exec(l);
    if (done) {
      state = done[1] as 'fenced' | 'timeout';
      waitedMs = Number(done[2]);
    }
    const r = /^running (.+)$/.exec(l);
    if (r)
      for (const part of r[1]!.split('|')) {
        const m = /^(\d+):(.*)$/.exec(part);
        if (m) running.set(Number(m[1]), m[2]!);
      }
  }
  return { state, waitedMs, running: [...running].map(([id, name]) => ({ id, name })) };
}
