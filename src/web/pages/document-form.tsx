/** The HTML form a document is filled in and edited with, and the GOV.UK-style error summary above it. */
import type { Child } from 'hono/jsx';
import type { Field } from '../fields/api-schemas.ts';
import type { PlacedErrors } from '../fields/field-errors.ts';
import type { FormValues } from '../fields/form-values.ts';
import { FieldWidget } from '../fields/widgets.tsx';
import { CsrfField } from '../layout.tsx';

export interface DocumentFormProps {
  readonly action: string;
  readonly fields: Readonly<Record<string, Field>>;
  readonly values: FormValues;
  readonly errors: PlacedErrors;
  readonly csrfToken: string;
  readonly submitLabel: string;
  /** Extra hidden fields, e.g. the version an edit read. */
  readonly hidden?: Readonly<Record<string, string>>;
}

export function DocumentForm(props: DocumentFormProps) {
  return (
    <form method="post" action={props.action}>
      <CsrfField token={props.csrfToken} />
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      {Object.entries(props.fields).map(([name, field]) => (
        <FieldWidget name={name} field={field} value={props.values[name]} errors={props.errors.byField.get(name)} />
      ))}
      <button type="submit" class="button">
        {props.submitLabel}
      </button>
    </form>
  );
}

export function ErrorSummary(props: { errors: PlacedErrors }) {
  if (props.errors.summary.length === 0) return null;
  return (
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex={-1}>
      <h2 id="error-summary-title">There is a problem</h2>
      <ul>
        {props.errors.summary.map((entry) => (
          <li>{entry.href === undefined ? entry.text : <a href={entry.href}>{entry.text}</a>}</li>
        ))}
      </ul>
    </div>
  );
}

export function Notice(props: { children: Child }) {
  return (
    <div class="notice" role="status">
      {props.children}
    </div>
  );
}

/** "Error: " before the title when the page shows errors, as screen-reader users hear the title first. */
export const titleWith = (title: string, errors: PlacedErrors): string => (errors.summary.length > 0 ? `Error: ${title}` : title);
