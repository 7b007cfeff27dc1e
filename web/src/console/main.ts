// The staff console: work queue, case pages with the caller's decision forms, the heads'
// dashboard and reports, the complaints register and the office's administration.

import '../shared/style.css';
import { setUnauthorizedHandler } from '../shared/api';
import { completeCognitoLogin, logout, refreshUser } from '../shared/auth';
import { loadConfig } from '../shared/config';
import { add, h, replace } from '../shared/dom';
import { can, clearSession, currentUser, knowsCapabilities, setApp, type User } from '../shared/session';
import { rememberReturn, signInPage } from '../shared/signin';
import { buildShell, currentPath, heading, navigate, notice, setFlash, startRouter, type Page } from '../shared/ui';
import { consoleCasePage } from './case';
import { complaintDetailPage, complaintsRegisterPage, recordComplaintPage } from './complaints';
import { officePage } from './office';
import { queuePage } from './queue';
import { dashboardPage, reportsPage } from './reports';

setApp('console');

/** Staff: every role but the applicant's (the roles are the office's data, infra/roles.json). */
const isStaffRole = (code: string) => code !== 'applicant';
/**
 * Staff who work on cases: every staff role but the complaints officer's, the office
 * administrator's and the cross-office viewer's.
 */
const isCaseRole = (code: string) => isStaffRole(code) && code !== 'complaints_officer' && code !== 'office_admin' && code !== 'regional_viewer';
const myRoles = () => currentUser()?.roles.map((r) => r.code) ?? [];
const worksCases = () => myRoles().some(isCaseRole);
const isStaff = () => myRoles().some(isStaffRole);
/** What each page outside the cases needs (the capabilities of GET /me, from the office's role registry). */
const mayDashboard = () => can('reports');
const mayReports = () => can('reports') || can('complaints') || can('reports_all_offices');
const mayComplaints = () => can('complaints');
const mayOffice = () => can('office_admin') || can('reports');

/** The roles held by delegation as they are signed: "Plt. Kepala Dinas (menggantikan Ahmad Yani)". */
function actingText(user: User): string[] {
  return (user.acting ?? []).map((a) => `${a.designation} ${a.role_label} (menggantikan ${a.for})`);
}

/** Who is signed in: name, office, own roles, then those held by delegation. */
function whoText(user: User): string {
  const own = user.roles.filter((r) => !user.acting?.some((a) => a.role === r.code)).map((r) => r.label);
  return [user.name, user.office?.name, [...own, ...actingText(user)].join(', ')].filter(Boolean).join(' · ');
}

const nav = h('nav', { class: 'site-nav', 'aria-label': 'Menu konsol' });

function navLinks(): void {
  const user = currentUser();
  const path = currentPath();
  const link = (href: string, text: string, match: (p: string) => boolean) =>
    h('li', null, h('a', { href, 'aria-current': match(path) ? 'page' : undefined }, text));
  if (!user) {
    replace(nav, h('div', { class: 'account' }, h('a', { href: '/', class: 'btn btn-small' }, 'Ke portal publik')));
    return;
  }
  const items = [];
  if (worksCases()) items.push(link('#/', 'Antrean kerja', (p) => p === '/' || p.startsWith('/?') || p.startsWith('/kasus')));
  if (mayDashboard()) items.push(link('#/dasbor', 'Dasbor', (p) => p.startsWith('/dasbor')));
  if (mayReports()) items.push(link('#/laporan', 'Laporan', (p) => p.startsWith('/laporan')));
  if (mayComplaints()) items.push(link('#/pengaduan', 'Pengaduan', (p) => p.startsWith('/pengaduan')));
  if (mayOffice()) items.push(link('#/kantor', 'Kantor', (p) => p.startsWith('/kantor')));
  replace(
    nav,
    h('ul', null, items),
    h(
      'div',
      { class: 'account' },
      h('span', { class: 'who' }, whoText(user)),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-small btn-secondary',
          onclick: () => {
            logout('console');
            setFlash('Anda telah keluar.');
            navigate('#/masuk');
          },
        },
        'Keluar',
      ),
    ),
  );
}

/**
 * A page for signed-in staff whose roles grant it: `may` (one of the `may…` checks above), or
 * for `'cases'` any case-working role.
 */
function staff(may: (() => boolean) | 'cases', render: (p: Page) => Promise<void> | void) {
  return async (p: Page) => {
    if (!currentUser()) {
      rememberReturn(location.hash || '#/');
      navigate('#/masuk');
      return;
    }
    if (!isStaff()) {
      add(p.root,
        heading('Bukan akun petugas'),
        notice('warning', h('p', null, 'Akun ini tidak memiliki peran petugas. Pemohon menggunakan portal publik.')),
        h('p', null, h('a', { href: '/' }, 'Buka portal publik')),
      );
      return;
    }
    if (may === 'cases' ? !worksCases() : !may()) {
      add(p.root, heading('Tidak berwenang'), notice('warning', h('p', null, 'Halaman ini tidak tersedia untuk peran Anda.')), h('p', null, h('a', { href: '#/' }, 'Kembali')));
      return;
    }
    await render(p);
  };
}

/**
 * The start page: the work queue, or the complaints register for a complaints officer only, the
 * office's page for its administrator, or the reports for a cross-office viewer.
 */
function home(p: Page): Promise<void> | void {
  if (currentUser() && !worksCases() && (mayComplaints() || mayOffice() || mayReports())) {
    navigate(mayComplaints() ? '#/pengaduan' : mayOffice() ? '#/kantor' : '#/laporan');
    return;
  }
  return staff('cases', (q) => queuePage(q, q.params[0]))(p);
}

async function main(): Promise<void> {
  const app = document.getElementById('app')!;
  let cfg;
  try {
    cfg = await loadConfig();
  } catch {
    replace(app, h('main', null, h('h1', null, 'Konsol belum dapat dibuka'), h('p', null, 'Konfigurasi aplikasi tidak dapat dimuat. Silakan muat ulang halaman.')));
    return;
  }
  buildShell({
    app,
    siteName: 'Konsol Petugas',
    subtitle: 'Perizinan Digital · DPMPTSP',
    homeHref: '#/',
    nav,
    environment: cfg.environment,
  });
  setUnauthorizedHandler(() => {
    clearSession();
    rememberReturn(location.hash);
    setFlash('Sesi Anda telah berakhir. Silakan masuk kembali.');
    navigate('#/masuk');
  });
  try {
    const back = await completeCognitoLogin('console');
    if (back) location.hash = back;
  } catch (e) {
    setFlash(e instanceof Error ? e.message : String(e));
  }
  // A session kept from before GET /me named the capabilities: ask once (the menu and the
  // pages depend on them).
  if (currentUser() && !knowsCapabilities()) {
    try {
      await refreshUser();
    } catch {
      /* an expired token: the first API call of the page sends the user to sign in */
    }
  }
  startRouter(
    [
      { path: /^\/(?:\?(.*))?$/, render: home },
      {
        path: /^\/masuk$/,
        render: (p) =>
          signInPage(p, {
            app: 'console',
            intro: 'Konsol untuk petugas DPMPTSP, dinas teknis (Dinas Koperasi, UKM dan Perdagangan; Dinas PUTR) dan petugas pengaduan.',
            accept: (roles) => roles.some(isStaffRole),
            home: '#/',
          }),
      },
      { path: /^\/kasus\/([^/?]+)$/, render: staff('cases', (p) => consoleCasePage(p, p.params[0])) },
      { path: /^\/dasbor(?:\?(.*))?$/, render: staff(mayDashboard, (p) => dashboardPage(p, p.params[0])) },
      { path: /^\/laporan(?:\?(.*))?$/, render: staff(mayReports, (p) => reportsPage(p, p.params[0])) },
      { path: /^\/pengaduan$/, render: staff(mayComplaints, complaintsRegisterPage) },
      { path: /^\/pengaduan\/catat$/, render: staff(mayComplaints, recordComplaintPage) },
      { path: /^\/pengaduan\/([^/?]+)$/, render: staff(mayComplaints, (p) => complaintDetailPage(p, p.params[0])) },
      { path: /^\/kantor$/, render: staff(mayOffice, officePage) },
    ],
    (p) => {
      add(p.root, heading('Halaman tidak ditemukan'), h('p', null, h('a', { href: '#/' }, 'Kembali ke antrean')));
    },
    navLinks,
  );
}

void main();
