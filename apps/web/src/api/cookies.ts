/**
 * Reads one cookie out of a `document.cookie`-style string ("a=1; b=2"). Takes the string rather
 * than touching `document` so it runs (and is tested) anywhere.
 */
export function readCookie(cookieString: string, name: string): string | null {
  for (const pair of cookieString.split(';')) {
    const separator = pair.indexOf('=');
    if (separator === -1 || pair.slice(0, separator).trim() !== name) continue;
    let value = pair.slice(separator + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      // The server's cookie library percent-encodes on the way out and decodes what it reads back.
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return null;
}
