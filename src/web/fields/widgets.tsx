/**
 * One widget per field type, with its label, hint, error message and the HTML constraints that match the
 * server's rules, so a browser catches what it can before sending and the server's 422 catches the rest.
 */
import type { Child } from 'hono/jsx';
import type { Field } from './api-schemas.ts';
import { browserPattern } from './browser-pattern.ts';
import { fieldId, labelOf } from './field-errors.ts';
import { utcLocal } from './form-values.ts';

export interface WidgetProps {
  readonly name: string;
  readonly field: Field;
  readonly value: string | readonly string[] | undefined;
  readonly errors: readonly string[] | undefined;
}

const describedBy = (...ids: (string | undefined)[]): string | undefined => {
  const list = ids.filter((id): id is string => id !== undefined);
  return list.length === 0 ? undefined : list.join(' ');
};

export function FieldWidget(props: WidgetProps) {
  const { name, field } = props;
  const id = fieldId(name);
  const hintText = hint(field);
  const hintId = hintText === undefined ? undefined : `${id}-hint`;
  const errorId = props.errors === undefined ? undefined : `${id}-error`;
  const aria = { 'aria-describedby': describedBy(hintId, errorId), 'aria-invalid': errorId === undefined ? undefined : 'true' };
  const text = typeof props.value === 'string' ? props.value : '';
  const parts = { hint: hintText === undefined ? null : <p class="hint" id={hintId}>{hintText}</p>, error: errorId === undefined ? null : <ErrorMessage id={errorId} messages={props.errors ?? []} /> };
  const wrap = (label: Child, control: Child) => (
    <div class={errorId === undefined ? 'field' : 'field field-error'}>
      {label}
      {parts.hint}
      {parts.error}
      {control}
    </div>
  );
  const label = <Label id={id} name={name} field={field} />;
  const required = field.required === true;
  switch (field.type) {
    case 'text':
    case 'email':
    case 'url': {
      const pattern = field.type === 'text' && field.pattern !== undefined ? browserPattern(field.pattern) : undefined;
      const autocomplete = field.type === 'email' ? 'email' : field.type === 'url' ? 'url' : undefined;
      return wrap(label, <input type={field.type} id={id} name={name} value={text} required={required} minlength={field.minLength} maxlength={field.maxLength} pattern={pattern} autocomplete={autocomplete} spellcheck={field.type === 'text' ? undefined : false} {...aria} />);
    }
    case 'textarea':
      return wrap(label, <textarea id={id} name={name} rows={5} required={required} minlength={field.minLength} maxlength={field.maxLength} {...aria}>{text}</textarea>);
    case 'integer':
    case 'number':
      return wrap(label, <input type="number" id={id} name={name} value={text} required={required} min={field.min} max={field.max} step={field.type === 'integer' ? '1' : 'any'} inputmode={field.type === 'integer' ? 'numeric' : 'decimal'} {...aria} />);
    case 'date':
      return wrap(label, <input type="date" id={id} name={name} value={text} required={required} min={field.min} max={field.max} {...aria} />);
    case 'datetime': {
      const bound = (v: string | undefined) => (v === undefined ? undefined : utcLocal(v));
      return wrap(label, <input type="datetime-local" id={id} name={name} value={text} required={required} min={bound(field.min)} max={bound(field.max)} step="1" {...aria} />);
    }
    case 'boolean':
      // Never `required`: the server wants true or false, and an unticked box is false.
      return (
        <div class={errorId === undefined ? 'field checkbox' : 'field checkbox field-error'}>
          {parts.error}
          <input type="checkbox" id={id} name={name} value="true" checked={text === 'true'} {...aria} />
          {label}
          {parts.hint}
        </div>
      );
    case 'select':
      return wrap(
        label,
        <select id={id} name={name} required={required} {...aria}>
          {field.default === undefined ? <option value="">Choose…</option> : null}
          {field.options.map((option) => (
            <option value={option} selected={option === text}>
              {option}
            </option>
          ))}
        </select>,
      );
    case 'multiselect': {
      const chosen = new Set(Array.isArray(props.value) ? props.value : []);
      return (
        <div class={errorId === undefined ? 'field' : 'field field-error'}>
          {/* aria-describedby is allowed on a group, aria-invalid is not: the message says it. */}
          <fieldset class="checkbox-group" aria-describedby={aria['aria-describedby']}>
            <legend>
              {labelOf(name, field)}
              {required ? <RequiredMarker /> : null}
            </legend>
            {parts.hint}
            {parts.error}
            {field.options.map((option, i) => {
              const optionId = i === 0 ? id : `${id}-${i}`;
              return (
                <div class="checkbox">
                  <input type="checkbox" id={optionId} name={name} value={option} checked={chosen.has(option)} />
                  <label for={optionId}>{option}</label>
                </div>
              );
            })}
          </fieldset>
        </div>
      );
    }
  }
}

function Label(props: { id: string; name: string; field: Field }) {
  return (
    <label for={props.id}>
      {labelOf(props.name, props.field)}
      {props.field.required === true && props.field.type !== 'boolean' ? <RequiredMarker /> : null}
    </label>
  );
}

function RequiredMarker() {
  return <span class="required"> (required)</span>;
}

function ErrorMessage(props: { id: string; messages: readonly string[] }) {
  return (
    <p class="error-message" id={props.id}>
      <span class="visually-hidden">Error: </span>
      {props.messages.join('. ')}
    </p>
  );
}

/** The description, plus what the browser cannot say by itself: times are UTC, how many choices. */
function hint(field: Field): string | undefined {
  const extra: string[] = [];
  if (field.type === 'datetime') extra.push('Date and time in UTC.');
  if (field.type === 'multiselect') {
    if (field.min !== undefined && field.min > 0) extra.push(`Choose at least ${field.min}.`);
    if (field.max !== undefined) extra.push(`Choose at most ${field.max}.`);
  }
  const all = [field.description, ...extra].filter((t): t is string => t !== undefined && t !== '');
  return all.length === 0 ? undefined : all.join(' ');
}
