// One xterm with the fit and search addons, themed from the page's CSS tokens, fitted to its box.
import { Terminal, type ITerminalOptions } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import '@xterm/xterm/css/xterm.css';

function token(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export interface XtermHandle {
  term: Terminal;
  search: SearchAddon;
  fit(): void;
  dispose(): void;
}

export function createXterm(
  host: HTMLElement,
  options: ITerminalOptions,
  onFit?: (cols: number, rows: number) => void,
): XtermHandle {
  const term = new Terminal({
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
    fontSize: 12.5,
    allowProposedApi: true,
    theme: {
      background: token('--term-bg', '#111418'),
      foreground: token('--term-fg', '#e7eaee'),
      selectionBackground: '#5b9bff66',
    },
    ...options,
  });
  const fitAddon = new FitAddon();
  const search = new SearchAddon();
  term.loadAddon(fitAddon);
  term.loadAddon(search);
  term.open(host);
  const fit = () => {
    if (!host.isConnected || host.clientWidth === 0) return;
    const before = `${term.cols}x${term.rows}`;
    fitAddon.fit();
    if (`${term.cols}x${term.rows}` !== before) onFit?.(term.cols, term.rows);
  };
  const observer = new ResizeObserver(() => fit());
  observer.observe(host);
  fit();
  return {
    term,
    search,
    fit,
    dispose() {
      observer.disconnect();
      term.dispose();
    },
  };
}
