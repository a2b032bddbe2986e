'use strict';
(() => {
  const $ = id => document.getElementById(id);
  // next goes where the login was asked from, or else where the role's work is.
  const next = async () => {
    const to = new URLSearchParams(location.search).get('next') || '';
    if (to.startsWith('/staff')) {
      location.href = to;
      return;
    }
    const me = await QF.api('GET', '/me').catch(() => ({}));
    location.href = QF.home(me.role);
  };
  // After a login with a one-time password, the password typed is kept here only until
  // the new one is set: the server asks for it again as the current password.
  let pending = null;

  $('login').addEventListener('submit', async ev => {
    ev.preventDefault();
    $('error').textContent = '';
    const password = $('password').value;
    try {
      const r = await QF.api('POST', '/login', {
        username: $('username').value.trim(),
        password,
        code: $('code').value.trim(),
      });
      if (!r.must_change) return next();
      pending = { csrf: r.csrf, current: password };
      $('login').hidden = true;
      $('change').hidden = false;
      $('new-password').focus();
    } catch (e) {
      $('error').textContent = e.message;
      if (e.code === 'code_required') {
        $('code-row').hidden = false;
        $('code').focus();
      }
    }
  });

  // The session may do nothing but this until it is done; QF.api carries no CSRF token
  // before a console page has started, so this one request is made by hand.
  $('change').addEventListener('submit', async ev => {
    ev.preventDefault();
    const error = $('change-error');
    error.textContent = '';
    const fresh = $('new-password').value;
    if (fresh !== $('new-password-again').value) {
      error.textContent = '两次输入的新密码不一致。';
      return;
    }
    const r = await fetch('/staff/api/password', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': pending.csrf },
      body: JSON.stringify({ current: pending.current, new: fresh }),
    });
    if (r.ok) {
      pending = null;
      return next();
    }
    const data = await r.json().catch(() => ({}));
    error.textContent = data.message || ('设置失败（' + r.status + '）');
  });
})();
