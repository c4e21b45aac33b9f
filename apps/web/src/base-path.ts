/**
 * Where the app lives on its host: "" at the root, "/auth" under a sub-path frontend_url. The
 * server writes it into index.html as <base href="/auth/">; the bundle's own asset URLs are
 * relative to it, and the router and the API client read it from there.
 */
export function readBasePath(baseHref: string | null): string {
  if (!baseHref) return '';
  try {
    return new URL(baseHref, 'http://base.invalid').pathname.replace(/\/+$/, '');
  } catch {
    return '';
  }
}
