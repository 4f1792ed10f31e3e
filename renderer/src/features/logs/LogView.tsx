// The live log pane: xterm (read-only) fed from the store's LogBuffer once per animation frame, so a
// flood is one write a frame whatever the line rate. Pause holds lines back; the level filter redraws.
import { useEffect, useRef, useState } from 'react';
import type { SearchAddon } from '@xterm/addon-search';
import { LOG_LEVELS, type LogLevel } from '../../../../shared/streams';
import { logBuffer, useDock } from '../../stores/dock';
import { createXterm, type XtermHandle } from '../terminal/xterm-setup';
import { SearchBox } from '../terminal/SearchBox';

/** Enough for 60k lines/s at 60 frames/s; a burst (the tail, a resume) spreads over a few frames. */
const LINES_PER_FRAME = 1000;

export function LogView({ visible }: { visible: boolean }) {
  const session = useDock((s) => s.logs);
  const stop = useDock((s) => s.stopLogs);
  const host = useRef<HTMLDivElement>(null);
  const xterm = useRef<XtermHandle | null>(null);
  const [search, setSearch] = useState<SearchAddon | null>(null);
  const [paused, setPaused] = useState(false);
  const [levels, setLevels] = useState<LogLevel[]>([]);
  const stream = session?.stream;

  useEffect(() => {
    if (!host.current || !stream) return;
    const x = createXterm(host.current, {
      disableStdin: true,
      scrollback: logBuffer.current.capacity,
      cursorStyle: 'bar',
      cursorInactiveStyle: 'none',
    });
    xterm.current = x;
    setSearch(x.search);
    setPaused(false);
    setLevels([]);
    let frame = 0;
    const pump = () => {
      const text = logBuffer.current.takePending(LINES_PER_FRAME);
      if (text) x.term.write(text);
      frame = requestAnimationFrame(pump);
    };
    frame = requestAnimationFrame(pump);
    return () => {
      cancelAnimationFrame(frame);
      xterm.current = null;
      x.dispose();
    };
  }, [stream]);

  useEffect(() => {
    if (visible) requestAnimationFrame(() => xterm.current?.fit());
  }, [visible]);

  const togglePause = () => {
    logBuffer.current.setPaused(!paused);
    setPaused(!paused);
  };
  const toggleLevel = (l: LogLevel) => {
    const next = levels.includes(l) ? levels.filter((x) => x !== l) : [...levels, l];
    setLevels(next);
    const redraw = logBuffer.current.setLevels(next);
    xterm.current?.term.reset();
    if (redraw) xterm.current?.term.write(redraw);
  };

  if (!session)
    return visible ? (
      <p className="muted dock-empty">No logs followed yet. Choose “Logs” on an environment to follow its live pool.</p>
    ) : null;
  return (
    <div className="term-pane" hidden={!visible} data-testid="log-pane">
      <div className="term-toolbar">
        <strong>{session.label}</strong>
        <button type="button" className="btn btn-small" onClick={togglePause} aria-pressed={paused}>
          {paused ? `Resume (${logBuffer.current.heldBack} new)` : 'Pause'}
        </button>
        <span role="group" aria-label="Filter by level" className="level-filter">
          {LOG_LEVELS.map((l) => (
            <label key={l}>
              <input type="checkbox" checked={levels.includes(l)} onChange={() => toggleLevel(l)} />
              {l.toLowerCase()}
            </label>
          ))}
        </span>
        <SearchBox search={search} label="Search in logs" />
        <span className="muted" data-testid="log-count">
          {logBuffer.current.received} lines{logBuffer.current.dropped ? `, ${logBuffer.current.dropped} dropped` : ''}
        </span>
        {session.ended ? (
          <span className="status status-warn" role="status">
            <span className="dot" aria-hidden="true" />
            {session.ended}
          </span>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => void stop()}>
            Stop
          </button>
        )}
      </div>
      <div className="term-host" ref={host} />
    </div>
  );
}
