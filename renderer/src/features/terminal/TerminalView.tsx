// A terminal tab: xterm bound to one terminal stream. Typing goes to the shell; Ctrl+Shift+C/V copy
// and paste; the shell's size follows the pane's. When the shell ends the tab says why and stays.
import { useEffect, useRef, useState } from 'react';
import type { SearchAddon } from '@xterm/addon-search';
import { attachTerminal, resizeTerminal, sendTerminalInput, type TerminalTab } from '../../stores/dock';
import { createXterm } from './xterm-setup';
import { SearchBox } from './SearchBox';

export function TerminalView({ tab, visible }: { tab: TerminalTab; visible: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const [search, setSearch] = useState<SearchAddon | null>(null);
  const fitRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    if (!host.current) return;
    const x = createXterm(host.current, { cursorBlink: true, scrollback: 5000 }, (cols, rows) =>
      resizeTerminal(tab.stream, cols, rows),
    );
    fitRef.current = x.fit;
    setSearch(x.search);
    x.term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === 'KeyC' && x.term.hasSelection()) {
        void navigator.clipboard?.writeText(x.term.getSelection());
        return false;
      }
      if (e.code === 'KeyV') {
        void navigator.clipboard?.readText().then(
          (t) => x.term.paste(t),
          () => undefined,
        );
        return false;
      }
      return true;
    });
    const input = x.term.onData((d) => sendTerminalInput(tab.stream, d));
    const detach = attachTerminal(tab.stream, (data) => x.term.write(data));
    resizeTerminal(tab.stream, x.term.cols, x.term.rows);
    x.term.focus();
    return () => {
      input.dispose();
      detach();
      x.dispose();
    };
  }, [tab.stream]);

  useEffect(() => {
    if (visible) requestAnimationFrame(() => fitRef.current());
  }, [visible]);

  return (
    <div className="term-pane" hidden={!visible} data-testid={`terminal-${tab.title}`}>
      <div className="term-toolbar">
        <SearchBox search={search} label={`Search in ${tab.title}`} />
        {tab.ended ? (
          <span className="status status-warn" role="status">
            <span className="dot" aria-hidden="true" />
            ended: {tab.ended}
          </span>
        ) : null}
      </div>
      <div className="term-host" ref={host} />
    </div>
  );
}
