import { useState } from 'preact/hooks';
import { storedKey, storeKey } from './api.js';

/**
 * Where the user gives the page an API key: kept in sessionStorage (this tab only, gone when it
 * closes) and sent as a Bearer token with every request the page makes.
 */
export function KeyForm(props: { label: string; id: string; onSaved?: () => void }) {
  const [key, setKey] = useState(storedKey() ?? '');
  const [saved, setSaved] = useState<string | undefined>(undefined);
  return (
    <form
      class="admin-key"
      onSubmit={(e) => {
        e.preventDefault();
        storeKey(key.trim() || null);
        setSaved(key.trim() ? 'Key kept for this tab.' : 'Key forgotten.');
        props.onSaved?.();
      }}
    >
      <label for={props.id}>{props.label}</label>
      <input id={props.id} type="password" autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
      <button type="submit">Use key</button>
      {saved ? (
        <span role="status" class="muted">
          {saved}
        </span>
      ) : null}
    </form>
  );
}
