// The public portal: tracking, verification and complaints for everyone; applications for
// signed-in applicants.

import '../shared/style.css';
import { setUnauthorizedHandler } from '../shared/api';
import { completeCognitoLogin, logout } from '../shared/auth';
import { loadConfig } from '../shared/config';
import { add, h, replace } from '../shared/dom';
import { clearSession, currentUser, hasRole, setApp } from '../shared/session';
import { rememberReturn, signInPage } from '../shared/signin';
import { buildShell, currentPath, heading, navigate, notice, setFlash, startRouter, type Page } from '../shared/ui';
import { applyPage } from './apply';
import { casePage, myCasesPage } from './cases';
import { catalogPage } from './permits';
import { complaintConfirmPage, complaintPage, complaintTrackPage, homePage, trackPage, verifyPage } from './public';

setApp('portal');

const nav = h('nav', { class: 'site-nav', 'aria-label': 'Menu utama' });

function navLinks(): void {
  const user = currentUser();
  const path = currentPath();
  const link = (href: string, text: string, match: (p: string) => boolean) =>
    h('li', null, h('a', { href, 'aria-current': match(path) ? 'page' : undefined }, text));
  const items = [
    link('#/', 'Beranda', (p) => p === '/'),
    link('#/izin', 'Mulai permohonan', (p) => p === '/izin' || p.startsWith('/ajukan')),
    link('#/lacak', 'Lacak berkas', (p) => p.startsWith('/lacak')),
    link('#/verifikasi', 'Verifikasi dokumen', (p) => p.startsWith('/verifikasi')),
    link('#/pengaduan', 'Pengaduan', (p) => p.startsWith('/pengaduan')),
  ];
  if (user) {
    items.push(link('#/berkas', 'Berkas saya', (p) => p.startsWith('/berkas') || p.startsWith('/permohonan')));
  }
  const account = user
    ? h(
        'div',
        { class: 'account' },
        h('span', { class: 'who' }, user.name),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small btn-secondary',
            onclick: () => {
              logout('portal');
              setFlash('Anda telah keluar.');
              navigate('#/');
            },
          },
          'Keluar',
        ),
      )
    : h('div', { class: 'account' }, h('a', { href: '#/masuk', class: 'btn btn-small', 'aria-current': path === '/masuk' ? 'page' : undefined }, 'Masuk'));
  replace(nav, h('ul', null, items), account);
}

/** Pages for signed-in applicants. */
function applicant(render: (p: Page) => Promise<void> | void) {
  return async (p: Page) => {
    const user = currentUser();
    if (!user) {
      rememberReturn(location.hash);
      navigate('#/masuk');
      return;
    }
    if (!hasRole('applicant')) {
      add(p.root,
        heading('Bukan akun pemohon'),
        notice('warning', h('p', null, 'Akun ini tidak memiliki peran pemohon. Petugas menggunakan konsol petugas.')),
        h('p', null, h('a', { href: '/console/' }, 'Buka konsol petugas')),
      );
      return;
    }
    await render(p);
  };
}

async function main(): Promise<void> {
  const app = document.getElementById('app')!;
  let cfg;
  try {
    cfg = await loadConfig();
  } catch {
    replace(app, h('main', null, h('h1', null, 'Layanan belum dapat dibuka'), h('p', null, 'Konfigurasi aplikasi tidak dapat dimuat. Silakan muat ulang halaman beberapa saat lagi.')));
    return;
  }
  buildShell({
    app,
    siteName: 'Perizinan Digital Kota Bontang',
    subtitle: 'Layanan perizinan daring · DPMPTSP',
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
    const back = await completeCognitoLogin('portal');
    if (back) location.hash = back;
  } catch (e) {
    setFlash(e instanceof Error ? e.message : String(e));
  }
  startRouter(
    [
      { path: /^\/$/, render: homePage },
      {
        path: /^\/masuk$/,
        render: (p) =>
          signInPage(p, {
            app: 'portal',
            intro: 'Masuk untuk mengajukan permohonan, mengunggah dokumen, dan memantau berkas Anda.',
            accept: (roles) => roles.includes('applicant'),
            home: '#/berkas',
          }),
      },
      { path: /^\/lacak$/, render: (p) => trackPage(p) },
      { path: /^\/lacak\/([^/]+)$/, render: (p) => trackPage(p, p.params[0]) },
      { path: /^\/verifikasi$/, render: (p) => verifyPage(p) },
      { path: /^\/verifikasi\/([^/]+)$/, render: (p) => verifyPage(p, p.params[0]) },
      { path: /^\/pengaduan$/, render: complaintPage },
      { path: /^\/pengaduan\/lacak\/([^/]+)$/, render: (p) => complaintTrackPage(p, p.params[0]) },
      // The link of the e-mail confirmation request.
      { path: /^\/pengaduan\/konfirmasi(?:\?(.*))?$/, render: (p) => complaintConfirmPage(p, p.params[0] ?? '') },
      { path: /^\/izin$/, render: catalogPage },
      { path: /^\/ajukan$/, render: catalogPage },
      { path: /^\/ajukan\/([^/]+)$/, render: applicant((p) => applyPage(p, { permit: p.params[0] })) },
      { path: /^\/berkas$/, render: applicant(myCasesPage) },
      { path: /^\/berkas\/([^/]+)$/, render: applicant((p) => casePage(p, p.params[0])) },
      // The link in the service's e-mails.
      { path: /^\/permohonan\/([^/]+)$/, render: applicant((p) => casePage(p, p.params[0])) },
      { path: /^\/berkas\/([^/]+)\/ubah$/, render: applicant((p) => applyPage(p, { caseId: p.params[0] })) },
    ],
    (p) => {
      add(p.root, heading('Halaman tidak ditemukan'), h('p', null, 'Alamat yang Anda buka tidak ada. ', h('a', { href: '#/' }, 'Kembali ke beranda'), '.'));
    },
    navLinks,
  );
}

void main();
