import { useFleet } from '../../stores/fleet';

export function EmptyState({ onAdd, onImport }: { onAdd(): void; onImport(): void }) {
  const local = useFleet((s) => s.info?.localDocker);
  const useThisComputer = useFleet((s) => s.useThisComputer);
  return (
    <section className="pane empty-state" aria-labelledby="empty-title">
      <h2 id="empty-title">No servers yet</h2>
      <p>
        Add a client&apos;s server: Flipdeck reaches it over SSH and drives its Docker Engine through that connection.
        Nothing is installed on the server.
      </p>
      <div className="empty-actions">
        <button type="button" className="btn btn-primary" onClick={onAdd}>
          Add server
        </button>
        <button type="button" className="btn" onClick={onImport}>
          Import from ~/.ssh/config
        </button>
        {local?.reachable ? (
          <button type="button" className="btn" onClick={() => void useThisComputer()}>
            Use this computer
          </button>
        ) : null}
      </div>
      {local?.reachable ? (
        <p className="muted">
          “This computer” uses the local Docker Engine at <code>{local.socket}</code>, no SSH — handy for trying
          Flipdeck out.
        </p>
      ) : null}
    </section>
  );
}
