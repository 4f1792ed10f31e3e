// A password field that sets or replaces one secret. The value lives in this field until submit and is
// cleared as soon as it is sent: it is never shown, kept in a store, or read back from main.
import { useState, type FormEvent } from 'react';
import { MIN_SECRET_LENGTH } from '../../../../shared/validation';

export function SecretValueForm({
  name,
  isSet,
  busy,
  onSubmit,
}: {
  name: string;
  isSet: boolean;
  busy: boolean;
  onSubmit(value: string): void;
}) {
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const id = `secret-value-${name}`;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if ([...value].length < MIN_SECRET_LENGTH) {
      setProblem(
        value === ''
          ? 'Type a value first.'
          : `At least ${MIN_SECRET_LENGTH} characters, so that Flipdeck can keep it out of every log and output.`,
      );
      return;
    }
    setProblem(null);
    onSubmit(value);
    setValue('');
  };

  return (
    <form className="secret-form" onSubmit={submit}>
      <label htmlFor={id} className="visually-hidden">
        {isSet ? `New value for ${name}` : `Value for ${name}`}
      </label>
      <input
        id={id}
        type="password"
        autoComplete="new-password"
        spellCheck={false}
        value={value}
        disabled={busy}
        aria-invalid={problem ? 'true' : undefined}
        aria-describedby={problem ? `${id}-err` : undefined}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit" className="btn btn-small" disabled={busy}>
        {isSet ? `Replace ${name}` : `Set ${name}`}
      </button>
      {problem ? (
        <span id={`${id}-err`} className="field-error" role="alert">
          {problem}
        </span>
      ) : null}
    </form>
  );
}
