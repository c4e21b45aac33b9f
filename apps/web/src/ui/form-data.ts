/** A text field of a submitted form, trimmed unless it is a password. */
export function readField(form: FormData, name: string, { trim = true } = {}): string {
  const value = form.get(name);
  if (typeof value !== 'string') return '';
  return trim ? value.trim() : value;
}

export function readCheckbox(form: FormData, name: string): boolean {
  return form.get(name) !== null;
}
