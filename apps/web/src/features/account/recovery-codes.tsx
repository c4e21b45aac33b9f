import { useState } from 'react';

/** The codes as a text file: what "Download as text" saves. */
export function recoveryCodesText(codes: readonly string[], accountName: string): string {
  return [
    `Gatehouse recovery codes for ${accountName}`,
    'Each code signs you in once, instead of a code from your authenticator app.',
    '',
    ...codes,
    '',
  ].join('\n');
}

/**
 * New recovery codes, shown once (the server keeps only their hashes): the person copies or
 * downloads them, and says when they have saved them.
 */
export function RecoveryCodes({
  codes,
  accountName,
  headingLevel = 3,
  doneLabel = 'I have saved them',
  onDone,
}: {
  codes: readonly string[];
  accountName: string;
  headingLevel?: 2 | 3;
  doneLabel?: string;
  onDone: () => void;
}) {
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const text = recoveryCodesText(codes, accountName);
  const Heading = headingLevel === 2 ? 'h2' : 'h3';

  async function copyCodes() {
    try {
      await navigator.clipboard.writeText(text);
      setCopyState('copied');
    } catch {
      // Clipboard access needs a secure context and permission; the codes can still be selected.
      setCopyState('failed');
    }
  }

  return (
    <div className="recovery-codes stack" role="region" aria-labelledby="recovery-codes-heading">
      <Heading id="recovery-codes-heading">Save your recovery codes now</Heading>
      <p>
        If you lose your authenticator app, each of these codes signs you in once instead of a code from the app.{' '}
        <strong>They are shown only now:</strong> save them in your password manager, download them or write them down, and keep them somewhere safe.
      </p>
      <ol className="recovery-code-list">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="button-row">
        <button type="button" className="button button-secondary" onClick={() => void copyCodes()}>
          Copy codes
        </button>
        <a
          className="button button-secondary"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
          download="gatehouse-recovery-codes.txt"
        >
          Download as text
        </a>
      </div>
      {copyState === 'copied' && <p role="status">Copied to the clipboard.</p>}
      {copyState === 'failed' && <p role="status">Could not copy automatically; select the codes and copy them by hand.</p>}
      <button type="button" className="button" onClick={onDone}>
        {doneLabel}
      </button>
    </div>
  );
}
