'use strict';
document.getElementById('login').addEventListener('submit', async ev => {
  ev.preventDefault();
  const error = document.getElementById('error');
  error.textContent = '';
  try {
    await QF.api('POST', '/login', {
      username: document.getElementById('username').value.trim(),
      password: document.getElementById('password').value,
      code: document.getElementById('code').value.trim(),
    });
    const next = new URLSearchParams(location.search).get('next') || '/staff/';
    location.href = next.startsWith('/staff') ? next : '/staff/';
  } catch (e) {
    error.textContent = e.message;
    if (e.code === 'code_required') {
      document.getElementById('code-row').hidden = false;
      document.getElementById('code').focus();
    }
  }
});
