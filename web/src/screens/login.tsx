// The login screen: name and password posted to the server; its refusal (wrong password, throttled) shown as
// it says it.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { login } from '../api.js';

export function Login(): JSX.Element {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      await login(String(f.get('user') ?? ''), String(f.get('password') ?? ''));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="login" onSubmit={(e) => void submit(e)}>
      <h1>Haystack</h1>
      <label>User <input name="user" autocomplete="username" required autofocus /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      {error !== null && <p class="error" role="alert">{error}</p>}
      <button type="submit" disabled={busy}>Log in</button>
    </form>
  );
}
