// The notices sent to the applicant (e-mail, SMS) and whether they arrived, as the case view
// carries them (`notices`): the warning when the latest notice on a channel did not reach the
// current address or number, the history of the sendings, and the form that corrects the
// applicant's contact (POST /cases/{id}/contact), after which the API sends the notice that did
// not arrive again. Shared by the console (front office) and the portal (the applicant).

import { post, type FieldProblem } from './api';
import { formField, noticeTitle } from './catalogue';
import { add, h, type Child } from './dom';
import { fieldControl, getPath, readFields } from './fields';
import { formatInstant } from './format';
import { ErrorSummary, busy } from './forms';
import { CHANNEL_LABELS, DELIVERY_STATUS_LABELS, NOTICE_LABELS } from './labels';
import type { CaseView, DeliveryStatus, FieldDef, NoticeChannel, NoticeDelivery, PermitDef, Values } from './types';
import { stateBadge } from './ui';

const ERASED = '[dihapus]';

/** The applicant's current address on `channel` (the permit's contact field), if any. */
function currentAddress(c: CaseView, def: PermitDef, channel: NoticeChannel): string | undefined {
  const path = channel === 'email' ? def.contact.email : def.contact.phone;
  const v = path ? getPath(c.application, path) : undefined;
  return typeof v === 'string' && v && v !== ERASED ? v : undefined;
}

const PROBLEMS: DeliveryStatus[] = ['bounced', 'complained', 'failed'];

/**
 * The sending the API flags on `channel`: the latest one to the current address (as the API
 * decides it), else the latest that did not arrive.
 */
function failedSending(c: CaseView, def: PermitDef, channel: NoticeChannel): NoticeDelivery | undefined {
  const to = currentAddress(c, def, channel)?.toLowerCase();
  const latest = (ds: NoticeDelivery[]) => ds.reduce<NoticeDelivery | undefined>((a, d) => (!a || d.sent_at > a.sent_at ? d : a), undefined);
  const mine = (c.notices?.deliveries ?? []).filter((d) => d.channel === channel);
  const toCurrent = to ? latest(mine.filter((d) => d.to.toLowerCase() === to)) : undefined;
  if (toCurrent && PROBLEMS.includes(toCurrent.status)) return toCurrent;
  return latest(mine.filter((d) => PROBLEMS.includes(d.status)));
}

/** A notice's title: the permit's own (its subject without placeholders), else the code. */
export function noticeName(def: PermitDef | null | undefined, code: string): string {
  return noticeTitle(def, code) ?? NOTICE_LABELS[code] ?? code;
}

export function deliveryStatusLabel(s: string): string {
  return DELIVERY_STATUS_LABELS[s] ?? s;
}

function statusBadge(d: NoticeDelivery): HTMLElement {
  const state = d.status === 'delivered' ? 'done' : d.status === 'deferred' ? 'near_due' : PROBLEMS.includes(d.status) ? 'overdue' : 'none';
  return stateBadge(state, deliveryStatusLabel(d.status));
}

export type Audience = 'staff' | 'applicant';

const WARNINGS: Record<Audience, Record<NoticeChannel, string>> = {
  staff: {
    email: 'E-mail pemohon tidak terkirim — hubungi pemohon dan perbaiki alamatnya.',
    sms: 'SMS pemohon tidak terkirim — hubungi pemohon dan perbaiki nomor HP-nya.',
  },
  applicant: {
    email: 'E-mail pemberitahuan tidak sampai kepada Anda — periksa dan perbaiki alamat e-mail Anda.',
    sms: 'SMS pemberitahuan tidak sampai kepada Anda — periksa dan perbaiki nomor HP Anda.',
  },
};

/**
 * The warning when `notices.undelivered` names a channel: for each, the address, the notice,
 * what the service said, and (with `formId`) a link to the correction form; null when every
 * latest notice arrived.
 */
export function undeliveredBanner(c: CaseView, def: PermitDef, audience: Audience, formId?: string, note?: Child): HTMLElement | null {
  const channels = (['email', 'sms'] as NoticeChannel[]).filter((ch) => c.notices?.undelivered.includes(ch));
  if (!channels.length) return null;
  return h(
    'div',
    { class: 'notice notice-error', role: 'alert', id: 'undelivered' },
    channels.map((ch) => {
      const d = failedSending(c, def, ch);
      return h(
        'div',
        { class: 'undelivered-channel', 'data-channel': ch },
        h('p', null, h('strong', null, WARNINGS[audience][ch])),
        d
          ? h(
              'p',
              { class: 'small' },
              `${noticeName(def, d.notice)}, dikirim ${formatInstant(d.sent_at)} ke `,
              h('span', { class: 'undelivered-to' }, d.to),
              `: ${deliveryStatusLabel(d.status).toLowerCase()}${d.updated_at ? ` (${formatInstant(d.updated_at)})` : ''}.`,
              d.detail ? [' Keterangan layanan: ', h('span', { class: 'undelivered-detail' }, d.detail), '.'] : null,
            )
          : null,
      );
    }),
    formId
      ? h(
          'p',
          null,
          h(
            'a',
            {
              href: `#${formId}`,
              onclick: (ev: Event) => {
                // Hash routing: move to the form without changing the route.
                ev.preventDefault();
                const form = document.getElementById(formId);
                const details = form?.closest('details');
                if (details) details.open = true;
                form?.querySelector<HTMLElement>('input, select, textarea')?.focus();
              },
            },
            audience === 'staff' ? 'Perbaiki kontak pemohon' : 'Perbaiki kontak Anda',
          ),
        )
      : null,
    note ?? null,
  );
}

/** Every notice sent to the applicant, newest first: time, channel, notice, recipient, status, SMS parts. */
export function deliveriesTable(c: CaseView, def: PermitDef): HTMLElement {
  const ds = [...(c.notices?.deliveries ?? [])].sort((a, b) => (a.sent_at < b.sent_at ? 1 : a.sent_at > b.sent_at ? -1 : 0));
  if (!ds.length) return h('p', { id: 'no-deliveries' }, 'Belum ada pemberitahuan yang dikirim kepada pemohon.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'responsive', id: 'deliveries-table' },
      h('caption', null, `${ds.length} pengiriman, terbaru di atas`),
      h('thead', null, h('tr', null, ['Waktu', 'Saluran', 'Pemberitahuan', 'Penerima', 'Status', 'Bagian SMS'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        null,
        ds.map((d) =>
          h(
            'tr',
            { 'data-channel': d.channel, 'data-status': d.status, 'data-notice': d.notice },
            h('td', { 'data-label': 'Waktu' }, h('time', { datetime: d.sent_at }, formatInstant(d.sent_at))),
            h('td', { 'data-label': 'Saluran' }, CHANNEL_LABELS[d.channel] ?? d.channel),
            h('th', { scope: 'row', 'data-label': 'Pemberitahuan' }, noticeName(def, d.notice)),
            h('td', { 'data-label': 'Penerima' }, d.to),
            h(
              'td',
              { 'data-label': 'Status' },
              statusBadge(d),
              d.updated_at ? h('span', { class: 'small' }, ` ${formatInstant(d.updated_at)}`) : null,
              d.detail ? h('p', { class: 'small delivery-detail' }, d.detail) : null,
            ),
            h('td', { 'data-label': 'Bagian SMS', class: 'num' }, d.channel === 'sms' && d.segments !== undefined ? String(d.segments) : '–'),
          ),
        ),
      ),
    ),
  );
}

const NOTHING_CHANGED = 'Tidak ada kontak yang berubah; isi e-mail, nomor HP atau pilihan pemberitahuan yang baru.';

export interface ContactFormOptions {
  /** The form's heading (the summary of its disclosure). */
  title: string;
  intro: string;
  /** Open at first (a notice did not arrive). */
  open?: boolean;
  /** After the API accepted the correction: `resent` when a notice that did not arrive goes out again. */
  saved: (after: CaseView, resent: boolean) => Promise<void>;
}

/** The id of the contact form (what the banner's link points at). */
export const CONTACT_FORM_ID = 'contact-form';

/**
 * The form that corrects the applicant's e-mail, mobile number and choice of channels, built
 * from the permit's own contact fields (named as the API names them: `email`, `phone`,
 * `notify_by`); only what changed is sent, with the case's version.
 */
export function contactForm(c: CaseView, def: PermitDef, o: ContactFormOptions): HTMLElement {
  const P = 'contact';
  const specs: [keyof PermitDef['contact'], string, FieldDef['type'], string][] = [
    ['email', 'email', 'email', 'E-mail'],
    ['phone', 'phone', 'mobile', 'Nomor HP'],
    ['notify_by', 'notify_by', 'choice', 'Pemberitahuan melalui'],
  ];
  const fields: { f: FieldDef; initial: string }[] = [];
  for (const [key, name, type, label] of specs) {
    const path = def.contact[key];
    if (!path) continue;
    const own = formField(def, path);
    // The API names the body's keys, and its errors, without the form's path.
    const f: FieldDef = { ...(own ?? { type, label }), path: name, required: false, personal: false };
    if (key === 'notify_by' && !f.options?.length) {
      f.options = [
        { code: 'email', label: 'E-mail' },
        { code: 'sms', label: 'SMS' },
        { code: 'both', label: 'E-mail dan SMS' },
      ];
    }
    const v = getPath(c.application, path);
    fields.push({ f, initial: typeof v === 'string' && v !== ERASED ? v : '' });
  }
  const form = h('form', { id: CONTACT_FORM_ID, novalidate: true, class: 'stack', 'aria-labelledby': `${CONTACT_FORM_ID}-title` });
  const summary = new ErrorSummary(form);
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Simpan kontak');
  add(form,
    h('p', { class: 'small' }, o.intro),
    summary.el,
    fields.map(({ f, initial }) => fieldControl(P, f, initial || undefined)),
    h('div', { class: 'actions' }, btn),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const { body: read, errors } = readFields(form, fields.map((x) => x.f));
    const body: Values = { version: c.version };
    for (const { f, initial } of fields) {
      const v = read[f.path];
      if (v !== undefined && v !== initial) body[f.path] = v;
    }
    const problems: FieldProblem[] = [...errors];
    if (!problems.length && Object.keys(body).length === 1) problems.push({ field: 'email', code: 'nothing_changed', detail: NOTHING_CHANGED });
    if (problems.length) {
      summary.show('Periksa kembali isian yang ditandai.', problems);
      return;
    }
    void busy(btn, async () => {
      summary.clear();
      try {
        const after = await post<CaseView>(`/cases/${encodeURIComponent(c.id)}/contact`, body);
        const undelivered = c.notices?.undelivered ?? [];
        const resent = (body.email !== undefined && undelivered.includes('email')) || (body.phone !== undefined && undelivered.includes('sms'));
        await o.saved(after, resent);
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
  return h(
    'details',
    { class: 'contact-correction', open: o.open ? true : undefined },
    h('summary', { id: `${CONTACT_FORM_ID}-title` }, o.title),
    form,
  );
}

/** The confirmation after a correction. */
export function contactSavedMessage(resent: boolean): string {
  return resent ? 'Kontak diperbarui; pemberitahuan dikirim ulang.' : 'Kontak diperbarui.';
}
