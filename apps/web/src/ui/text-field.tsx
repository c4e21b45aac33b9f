import type { InputHTMLAttributes } from 'react';

interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'name'> {
  id: string;
  name: string;
  label: string;
  /** Always-visible help, read out with the field. */
  hint?: string | undefined;
  /** Problem with this field; shown under it and announced. */
  error?: string | undefined;
}

/** A labelled input with optional hint and error, wired up with aria-describedby. */
export function TextField({ id, label, hint, error, type = 'text', ...inputProps }: TextFieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      <input id={id} type={type} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...inputProps} />
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

interface CheckboxFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'name' | 'type'> {
  id: string;
  name: string;
  label: string;
}

export function CheckboxField({ id, label, ...inputProps }: CheckboxFieldProps) {
  return (
    <div className="field field-checkbox">
      <input id={id} type="checkbox" {...inputProps} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

/** The account email field: the same keyboard, autofill and spelling behaviour on every form. */
export function EmailField({
  autoComplete = 'email',
  ...props
}: Omit<TextFieldProps, 'id' | 'name' | 'label' | 'type'> & { id?: string; label?: string }) {
  return (
    <TextField
      id="email"
      name="email"
      type="email"
      label="Email"
      autoComplete={autoComplete}
      inputMode="email"
      autoCapitalize="none"
      spellCheck={false}
      required
      {...props}
    />
  );
}
