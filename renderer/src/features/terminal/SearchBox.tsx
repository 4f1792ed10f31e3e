// The search field of a terminal or log pane (xterm's search addon): Enter finds the next match.
import { useState } from 'react';
import type { SearchAddon } from '@xterm/addon-search';

export function SearchBox({ search, label }: { search: SearchAddon | null; label: string }) {
  const [q, setQ] = useState('');
  const [missing, setMissing] = useState(false);
  const find = (backwards: boolean) => {
    if (!search || !q) return;
    const found = backwards ? search.findPrevious(q) : search.findNext(q);
    setMissing(!found);
  };
  return (
    <span className="term-search">
      <input
        aria-label={label}
        placeholder="Search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        aria-invalid={missing}
        onKeyDown={(e) => {
          if (e.key === 'Enter') find(e.shiftKey);
        }}
      />
      {missing ? (
        <span className="hint" role="status">
          not found
        </span>
      ) : null}
    </span>
  );
}
