import { use } from 'react';

type QrEncode = typeof import('uqr').encode;

async function importEncoder(): Promise<QrEncode | null> {
  try {
    return (await import('uqr')).encode;
  } catch {
    return null; // could not be loaded (an update replaced the files, say): the key is shown anyway
  }
}

// The QR encoder loads the first time someone sets up an authenticator app, never with the
// sign-in page (scripts/bundle-size.mjs).
let encoder: Promise<QrEncode | null> | undefined;
function loadEncoder(): Promise<QrEncode | null> {
  encoder ??= importEncoder();
  return encoder;
}

/** The SVG path of a QR code's dark modules, one unit square each. */
export function toSvgPath(modules: readonly (readonly boolean[])[]): string {
  return modules.map((row, y) => row.map((isDark, x) => (isDark ? `M${x} ${y}h1v1h-1z` : '')).join('')).join('');
}

/**
 * `value` as a QR code, dark on light whatever the theme (as scanners expect), with the quiet
 * zone around it. Suspends while the encoder loads: render it inside <Suspense>.
 */
export function QrCode({ value, label }: { value: string; label: string }) {
  const encode = use(loadEncoder());
  if (!encode) return <p>The QR code cannot be shown. Type the setup key into your app instead.</p>;
  const { size, data } = encode(value, { ecc: 'M', border: 4 });
  return (
    <svg className="qr-code" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} shapeRendering="crispEdges">
      <rect width={size} height={size} fill="#ffffff" />
      <path d={toSvgPath(data)} fill="#000000" />
    </svg>
  );
}
