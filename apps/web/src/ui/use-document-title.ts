import { useEffect } from 'react';

/** Each page names itself, so tabs, history and screen readers can tell pages apart. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Gatehouse`;
  }, [title]);
}
