import { credentialsSchema, limits } from '@switchboard/core';
import { useState } from 'react';
import { errorText, fieldErrors } from '../api/error-text';
import { isApiError } from '../api/http';
import { zodFieldErrors } from '../lib/zod-errors';
import { Link, navigate, paths } from '../router';
import { Icon, Logo } from '../ui/icons';
import { ThemeToggle } from '../ui/theme-toggle';
import { useServices } from '../services-context';

/** Sign in or create an account (same form, validated with the server's schema). */
export function AuthPage({ mode, next }: { mode: 'login' | 'register'; next: string | null }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const register = mode === 'register';
  const { api, session } = useServices();

  const submit = async () => {
    const parsed = credentialsSchema.safeParse({ username: username.trim(), password });
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      setFormError(null);
      return;
    }
    setErrors({});
    setFormError(null);
    setBusy(true);
    try {
      const result = register ? await api.register(parsed.data) : await api.login(parsed.data);
      session.signedIn(result.user);
      navigate(next ?? paths.boards(), { replace: true });
    } catch (error) {
      if (isApiError(error, 'SB_ERR_ACCOUNTS_DISABLED')) {
        await session.accountsDisabled();
        navigate(next ?? paths.boards(), { replace: true });
        return;
      }
      const fields = fieldErrors(error);
      if (Object.keys(fields).length > 0) setErrors(fields);
      else if (isApiError(error, 'SB_ERR_USERNAME_TAKEN'))
        setErrors({ username: errorText(error) });
      else setFormError(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="auth-page" id="main">
      <div className="auth-tools">
        <ThemeToggle />
      </div>
      <div className="auth-card">
        <div className="brand">
          <Logo /> Switchboard
        </div>
        <h1>{register ? 'Create your account' : 'Welcome back'}</h1>
        <p className="lead">
          {register
            ? 'Real-time boards for your team, served by a fleet of backends.'
            : 'Sign in to see your boards.'}
        </p>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          {formError && (
            <div className="form-error" role="alert">
              <Icon name="alert" />
              <span>{formError}</span>
            </div>
          )}
          <div className="field">
            <label className="label" htmlFor="username">
              Username
            </label>
            <input
              id="username"
              className="input"
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              autoFocus
              value={username}
              aria-invalid={errors.username ? true : undefined}
              aria-describedby={
                errors.username ? 'username-error' : register ? 'username-hint' : undefined
              }
              onChange={(e) => setUsername(e.target.value)}
            />
            {errors.username ? (
              <p className="field-error" id="username-error">
                {errors.username}
              </p>
            ) : (
              register && (
                <p className="hint" id="username-hint">
                  {limits.usernameMin}–{limits.usernameMax} letters, digits, dot, dash or
                  underscore.
                </p>
              )
            )}
          </div>
          <div className="field">
            <label className="label" htmlFor="password">
              Password
            </label>
            <input
              id="password"
              className="input"
              type="password"
              name="password"
              autoComplete={register ? 'new-password' : 'current-password'}
              value={password}
              aria-invalid={errors.password ? true : undefined}
              aria-describedby={
                errors.password ? 'password-error' : register ? 'password-hint' : undefined
              }
              onChange={(e) => setPassword(e.target.value)}
            />
            {errors.password ? (
              <p className="field-error" id="password-error">
                {errors.password}
              </p>
            ) : (
              register && (
                <p className="hint" id="password-hint">
                  At least {limits.passwordMin} characters.
                </p>
              )
            )}
          </div>
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy && <span className="spinner" aria-hidden="true" />}
            {register ? 'Create account' : 'Sign in'}
          </button>
        </form>
        <p className="auth-switch">
          {register ? 'Already have an account? ' : 'New here? '}
          <Link to={register ? paths.login(next ?? undefined) : paths.register(next ?? undefined)}>
            {register ? 'Sign in' : 'Create an account'}
          </Link>
        </p>
      </div>
    </main>
  );
}
