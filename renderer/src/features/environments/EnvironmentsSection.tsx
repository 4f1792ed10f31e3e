import { useEffect } from 'react';
import { useEnvironments } from '../../stores/environments';
import { EnvironmentCard } from './EnvironmentCard';

export function EnvironmentsSection({ server }: { server: string }) {
  const list = useEnvironments((s) => s.byServer[server]);
  const error = useEnvironments((s) => s.errors[server]);
  const load = useEnvironments((s) => s.load);
  useEffect(() => {
    void load(server);
  }, [server, load]);
  return (
    <section aria-labelledby="envs-title">
      <h3 id="envs-title">Environments</h3>
      {error ? (
        <div className="callout callout-bad" role="alert">
          <strong>{error.message}</strong>
        </div>
      ) : null}
      {list && list.length === 0 ? (
        <p className="muted">
          No environment on this server yet. Describe one in a YAML file and run{' '}
          <code>flipdeck env apply FILE.yml</code>.
        </p>
      ) : null}
      {list?.map((e) => (
        <EnvironmentCard key={e.name} env={e} />
      ))}
    </section>
  );
}
