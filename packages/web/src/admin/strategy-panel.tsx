import type { StrategyInfo } from './admin-api';

/** The pool's balancing strategy, chosen among those the proxy offers. */
export function StrategyPanel({
  strategy,
  onChange,
}: {
  strategy: StrategyInfo | null;
  onChange: (name: string) => void;
}) {
  return (
    <section className="panel" aria-labelledby="strategy-title">
      <div className="panel-header">
        <h2 id="strategy-title">Balancing strategy</h2>
        <label className="visually-hidden" htmlFor="strategy">
          Strategy
        </label>
        <select
          id="strategy"
          className="select strategy-select"
          value={strategy?.name ?? ''}
          disabled={!strategy}
          onChange={(e) => onChange(e.target.value)}
        >
          {!strategy && <option value="">…</option>}
          {strategy?.available.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}
