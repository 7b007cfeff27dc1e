// Labelled form controls with their error slots, and the mapping of an API problem onto them:
// each field error beside the control its dotted `field` names, the problem's detail in a
// summary at the top that links to each field.

import { Problem, type FieldProblem } from './api';
import { add, h, type Attrs, type Child } from './dom';

export interface FieldOpts {
  /** The API's dotted path, e.g. `cash_office.member_count`. */
  name: string;
  label: string;
  type?: string;
  required?: boolean;
  hint?: Child;
  value?: string | number | null;
  attrs?: Attrs;
  /** A <select> with these [value, label] options. */
  options?: [string, string][];
  /** A placeholder first option for a select. */
  emptyOption?: string;
  textarea?: boolean;
  /** A unit shown after the control ("orang", "m²"), or before it with `unitBefore` ("Rp"). */
  unit?: string;
  unitBefore?: boolean;
}

export function controlId(prefix: string, name: string): string {
  return `${prefix}-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
}

/** A wrapper with label, optional hint, control and an (initially empty) error message. */
export function field(prefix: string, o: FieldOpts): HTMLDivElement {
  const id = controlId(prefix, o.name);
  const hintId = o.hint ? `${id}-hint` : null;
  const unitId = o.unit ? `${id}-unit` : null;
  const errId = `${id}-error`;
  const describedBy = [hintId, unitId].filter(Boolean).join(' ');
  const common: Attrs = {
    id,
    name: o.name,
    required: o.required ? true : undefined,
    'aria-describedby': describedBy || undefined,
    ...o.attrs,
  };
  let control: HTMLElement;
  if (o.options) {
    const sel = h(
      'select',
      common,
      o.emptyOption !== undefined ? h('option', { value: '' }, o.emptyOption) : null,
      o.options.map(([v, l]) => h('option', { value: v }, l)),
    );
    if (o.value !== undefined && o.value !== null) sel.value = String(o.value);
    control = sel;
  } else if (o.textarea) {
    const ta = h('textarea', { rows: 4, ...common });
    ta.value = o.value === undefined || o.value === null ? '' : String(o.value);
    control = ta;
  } else {
    const inp = h('input', { type: o.type ?? 'text', ...common });
    if (o.value !== undefined && o.value !== null) inp.value = String(o.value);
    control = inp;
  }
  return h(
    'div',
    { class: 'field', 'data-field': o.name },
    h('label', { for: id }, o.label, o.required ? h('span', { class: 'req' }, ' (wajib)') : h('span', { class: 'opt' }, ' (opsional)')),
    o.hint ? h('p', { class: 'hint', id: hintId! }, o.hint) : null,
    h('p', { class: 'field-error', id: errId, hidden: true }),
    o.unit
      ? h(
          'div',
          { class: `with-unit${o.unitBefore ? ' unit-before' : ''}` },
          o.unitBefore ? h('span', { class: 'unit', id: unitId! }, o.unit) : null,
          control,
          o.unitBefore ? null : h('span', { class: 'unit', id: unitId! }, o.unit),
        )
      : control,
  );
}

/** A group of radio buttons or checkboxes in a fieldset; the error sits under the legend. */
export function choiceGroup(
  prefix: string,
  o: {
    name: string;
    legend: Child;
    type: 'radio' | 'checkbox';
    choices: [string, Child][];
    required?: boolean;
    hint?: Child;
    checked?: string[];
    onChange?: (ev: Event) => void;
    inline?: boolean;
  },
): HTMLFieldSetElement {
  const base = controlId(prefix, o.name);
  const hintId = o.hint ? `${base}-hint` : null;
  const errId = `${base}-error`;
  return h(
    'fieldset',
    {
      class: `field choices${o.inline ? ' inline' : ''}`,
      'data-field': o.name,
      id: base,
      tabindex: -1,
      'aria-describedby': hintId ?? undefined,
    },
    h('legend', null, o.legend, o.required ? h('span', { class: 'req' }, ' (wajib)') : null),
    o.hint ? h('p', { class: 'hint', id: hintId! }, o.hint) : null,
    h('p', { class: 'field-error', id: errId, hidden: true }),
    o.choices.map(([value, label], i) => {
      const id = `${base}-${i}`;
      return h(
        'div',
        { class: 'choice' },
        h('input', {
          type: o.type,
          id,
          name: o.name,
          value,
          checked: o.checked?.includes(value) ? true : undefined,
          required: o.required && o.type === 'radio' ? true : undefined,
          onchange: o.onChange,
        }),
        h('label', { for: id }, label),
      );
    }),
  );
}

function wrapperOf(form: HTMLElement, name: string): HTMLElement | null {
  return form.querySelector<HTMLElement>(`[data-field="${CSS.escape(name)}"]`);
}

function focusTarget(wrapper: HTMLElement): HTMLElement | null {
  if (wrapper.tagName === 'FIELDSET') {
    return wrapper.querySelector<HTMLElement>('input') ?? wrapper;
  }
  return wrapper.querySelector<HTMLElement>('input, select, textarea');
}

function labelOf(wrapper: HTMLElement): string {
  const l = wrapper.querySelector('label, legend');
  return (l?.firstChild?.textContent ?? l?.textContent ?? '').trim();
}

export function setFieldError(form: HTMLElement, name: string, message: string | null): boolean {
  const w = wrapperOf(form, name);
  if (!w) return false;
  const err = w.querySelector<HTMLElement>(':scope > .field-error');
  if (!err) return false;
  const controls: HTMLElement[] =
    w.tagName === 'FIELDSET' ? [w] : Array.from(w.querySelectorAll<HTMLElement>('input, select, textarea'));
  if (message) {
    err.textContent = message;
    err.hidden = false;
    w.classList.add('has-error');
    for (const c of controls) {
      c.setAttribute('aria-invalid', 'true');
      const ids = new Set((c.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean));
      ids.add(err.id);
      c.setAttribute('aria-describedby', Array.from(ids).join(' '));
    }
    if (w.tagName === 'FIELDSET') {
      for (const i of w.querySelectorAll('input')) i.setAttribute('aria-describedby', err.id);
    }
  } else {
    err.textContent = '';
    err.hidden = true;
    w.classList.remove('has-error');
    for (const c of controls) {
      c.removeAttribute('aria-invalid');
      const ids = (c.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((x) => x && x !== err.id);
      if (ids.length) c.setAttribute('aria-describedby', ids.join(' '));
      else c.removeAttribute('aria-describedby');
    }
    if (w.tagName === 'FIELDSET') {
      for (const i of w.querySelectorAll('input')) i.removeAttribute('aria-describedby');
    }
  }
  return true;
}

/**
 * The error summary of one form: `show` puts every field error beside its control and the
 * problem's detail (plus links to the fields) at the top, then moves focus there.
 */
export class ErrorSummary {
  readonly el: HTMLDivElement;
  private form: HTMLElement;

  constructor(form: HTMLElement) {
    this.form = form;
    this.el = h('div', { class: 'error-summary', tabindex: -1, hidden: true, role: 'alert' });
  }

  clear(): void {
    this.el.hidden = true;
    this.el.textContent = '';
    this.el.removeAttribute('aria-labelledby');
    for (const w of this.form.querySelectorAll<HTMLElement>('[data-field].has-error')) {
      setFieldError(this.form, w.dataset.field!, null);
    }
  }

  show(detail: string, errors: FieldProblem[], title = 'Ada isian yang perlu diperbaiki'): void {
    this.clear();
    const headingId = `${this.form.id || 'form'}-summary-title`;
    const items: Child[] = [];
    const seen = new Set<string>();
    for (const e of errors) {
      const shown = seen.has(e.field) ? true : setFieldError(this.form, e.field, e.detail);
      seen.add(e.field);
      const w = shown ? wrapperOf(this.form, e.field) : null;
      if (w) {
        const target = focusTarget(w);
        items.push(
          h(
            'li',
            null,
            h(
              'a',
              {
                href: `#${target?.id ?? ''}`,
                onclick: (ev: Event) => {
                  ev.preventDefault();
                  target?.focus();
                },
              },
              `${labelOf(w)}: ${e.detail}`,
            ),
          ),
        );
      } else {
        items.push(h('li', null, e.field ? `${e.field}: ${e.detail}` : e.detail));
      }
    }
    this.el.setAttribute('aria-labelledby', headingId);
    add(this.el, h('h2', { id: headingId }, title), h('p', null, detail), items.length ? h('ul', null, items) : null);
    this.el.hidden = false;
    this.el.focus();
  }

  showProblem(err: unknown): void {
    if (err instanceof Problem) {
      this.show(err.detail, err.errors, err.errors.length ? 'Ada isian yang perlu diperbaiki' : err.title);
    } else {
      this.show(err instanceof Error ? err.message : String(err), [], 'Terjadi kesalahan');
    }
  }
}

/** The trimmed value of a named control, or '' when absent. */
export function valueOf(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name);
  if (!el) return '';
  if (el instanceof RadioNodeList) return el.value.trim();
  return (el as HTMLInputElement).value.trim();
}

export function checkedValues(form: HTMLFormElement, name: string): string[] {
  return Array.from(form.querySelectorAll<HTMLInputElement>(`input[name="${CSS.escape(name)}"]:checked`)).map(
    (i) => i.value,
  );
}

/** Disables a submit button while `work` runs and marks it busy. */
export async function busy<T>(button: HTMLButtonElement | null, work: () => Promise<T>): Promise<T> {
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    return await work();
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }
}
