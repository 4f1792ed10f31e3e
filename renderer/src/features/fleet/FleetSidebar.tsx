import { useMemo } from 'react';
import { useFleet, visibleGroups } from '../../stores/fleet';
import { StatusBadge } from '../../ui/StatusBadge';
import { statusFromHealth, useFleetHealth } from '../../stores/fleet-health';

export function FleetSidebar({ onAdd }: { onAdd(): void }) {
  const inventory = useFleet((s) => s.inventory);
  const search = useFleet((s) => s.search);
  const groups = useMemo(() => visibleGroups(inventory, search), [inventory, search]);
  const setSearch = useFleet((s) => s.setSearch);
  const selected = useFleet((s) => s.selected);
  const select = useFleet((s) => s.select);
  const status = useFleet((s) => s.status);
  const health = useFleetHealth((s) => s.health);
  return (
    <nav className="sidebar" aria-label="Fleet">
      <div className="sidebar-head">
        <h1 className="brand">Flipdeck</h1>
        <button type="button" className="btn btn-primary" onClick={onAdd}>
          Add server
        </button>
      </div>
      <button
        type="button"
        className={`server-row fleet-link${selected === null ? ' selected' : ''}`}
        onClick={() => select(null)}
      >
        Fleet overview
      </button>
      <label className="search">
        <span className="visually-hidden">Search servers</span>
        <input
          type="search"
          placeholder="Search clients, servers, tags"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </label>
      <ul className="fleet" role="tree" aria-label="Clients and servers">
        {groups.map(({ client, servers }) => (
          <li key={client.id} role="treeitem" aria-expanded="true" aria-selected="false">
            <div className="client-name">{client.name}</div>
            <ul role="group">
              {servers.map((s) => (
                <li key={s.id} role="treeitem" aria-selected={selected === s.id}>
                  <button
                    type="button"
                    className={`server-row${selected === s.id ? ' selected' : ''}`}
                    onClick={() => select(s.id)}
                  >
                    <span className="server-name">{s.name}</span>
                    <StatusBadge status={status[s.id] ?? statusFromHealth(health[s.id])} />
                  </button>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </nav>
  );
}
