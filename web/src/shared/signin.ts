// The sign-in page of both apps.

import { cognitoLogin, demoUsers, devLogin, type DemoUser } from './auth';
import { officeList } from './catalogue';
import { config } from './config';
import { add, h } from './dom';
import { announce, heading, loading, navigate, notice, problemBox, type Page } from './ui';

const RETURN_KEY = 'pd.return';

/** Remembers where to go back to after signing in. */
export function rememberReturn(hash: string): void {
  sessionStorage.setItem(RETURN_KEY, hash);
}

export function takeReturn(fallback: string): string {
  const r = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  return r && r !== '#/masuk' ? r : fallback;
}

export async function signInPage(
  p: Page,
  o: { app: 'portal' | 'console'; intro: string; accept: (roles: string[]) => boolean; home: string },
): Promise<void> {
  const c = config();
  add(p.root, heading('Masuk'), h('p', null, o.intro));
  if (c.auth.mode === 'cognito') {
    const btn = h('button', { type: 'button', class: 'btn btn-primary' }, 'Masuk melalui halaman masuk DPMPTSP');
    btn.addEventListener('click', () => void cognitoLogin(o.app, takeReturn(o.home)));
    add(p.root, btn);
    return;
  }
  add(p.root,
    notice('info', h('p', null, h('strong', null, 'Mode pengembangan lokal. '), 'Pilih salah satu akun contoh di bawah ini; tidak perlu kata sandi.')),
  );
  const box = h('div', null, loading('Memuat daftar akun contoh…'));
  add(p.root, box);
  try {
    const [all, offices] = await Promise.all([demoUsers(), officeList().catch(() => [])]);
    const users = all.filter((u) => o.accept(u.roles.map((r) => r.code)));
    if (!p.current()) return;
    box.textContent = '';
    const userButton = (u: DemoUser) => {
      const btn = h(
        'button',
        { type: 'button', class: 'btn user-btn', 'data-username': u.username, 'data-office': u.office ?? undefined },
        h('span', { class: 'user-name' }, `Masuk sebagai ${u.name}`),
        h('span', { class: 'user-roles' }, u.roles.map((r) => r.label).join(', ')),
      );
      btn.addEventListener('click', async () => {
        btn.disabled = true;
        try {
          await devLogin(u.username);
          announce(`Anda masuk sebagai ${u.name}.`);
          navigate(takeReturn(o.home));
        } catch (e) {
          btn.disabled = false;
          box.prepend(problemBox(e));
        }
      });
      return h('li', null, btn);
    };
    // Staff of several offices are grouped by office, in the order the list names them.
    const groups = new Map<string, DemoUser[]>();
    for (const u of users) groups.set(u.office ?? '', [...(groups.get(u.office ?? '') ?? []), u]);
    if (groups.size < 2) {
      add(box, h('ul', { class: 'user-list' }, users.map(userButton)));
    } else {
      for (const [code, members] of groups) {
        const id = `users-${code || 'none'}`;
        const name = code ? offices.find((x) => x.code === code)?.name ?? code : 'Tanpa kantor (lintas kantor)';
        add(box, h('section', { class: 'user-group', 'aria-labelledby': id }, h('h2', { id }, name), h('ul', { class: 'user-list' }, members.map(userButton))));
      }
    }
  } catch (e) {
    if (p.current()) box.replaceChildren(problemBox(e));
  }
}
