import type { ReactNode } from 'react';
import { describeError } from '../api/api-error';

/** The one place an error's text reaches the page: inside role="alert", never a raw status. */
export function ErrorAlert({ error }: { error: unknown }) {
  if (error === null || error === undefined || error === false) return null;
  const text = typeof error === 'string' ? error : describeError(error);
  return (
    <div className="alert alert-error" role="alert">
      {text}
    </div>
  );
}

export function StatusMessage({ children, tone = 'success' }: { children: ReactNode; tone?: 'success' | 'info' }) {
  return (
    <div className={`alert alert-${tone}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      {label}
    </p>
  );
}
