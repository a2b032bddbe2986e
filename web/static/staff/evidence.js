'use strict';
// The ticket page's 证据材料, beside the complaint: the reporter's photos as
// thumbnails made on the server, recordings that play in the page, and a download link
// for every file (each download, a recording played included, is recorded in the
// ticket's history; thumbnails are not). Names are shown as text, never as HTML.
(() => {
  const { el, clear, api } = QF;
  const id = new URLSearchParams(location.search).get('id') || '';
  const panel = document.getElementById('evidence');
  if (!panel || !id) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/static/staff/evidence.css' }));

  const base = '/staff/api/tickets/' + encodeURIComponent(id) + '/attachments';
  const kindNames = { image: '照片', audio: '录音', video: '视频', document: '文件' };
  const size = n => n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : Math.max(1, Math.round(n / 1024)) + ' KB';

  function item(a) {
    const url = base + '/' + encodeURIComponent(a.id);
    const download = el('a', { class: 'download', href: url, download: a.name, title: '下载将记入办理记录' }, '下载');
    return el('li', { class: 'evidence-item', 'data-id': a.id, 'data-kind': a.kind },
      a.kind === 'image' && a.thumb ? el('img', { src: url + '?thumb=1', alt: a.name }) : '',
      a.kind === 'audio' ? el('audio', { controls: true, preload: 'none', src: url }) : '',
      el('div', { class: 'evidence-name' }, el('span', { class: 'chip' }, kindNames[a.kind] || a.kind), a.name),
      el('div', { class: 'muted' }, size(a.size) + ' · ' + QF.time(a.at), a.removed ? ' · 已去除拍摄信息' : ''),
      download);
  }

  async function load() {
    const title = el('h3', {}, '证据材料');
    try {
      const r = await api('GET', '/tickets/' + encodeURIComponent(id) + '/attachments');
      const list = r.attachments || [];
      // Without evidence the panel stays out of the way: nothing on the page moves.
      panel.hidden = list.length === 0;
      clear(panel).append(title, el('ul', { class: 'evidence-list' }, list.map(item)));
    } catch (e) {
      panel.hidden = false;
      clear(panel).append(title, el('p', { class: 'error' }, e.message));
    }
  }

  // Loaded with the page, and again whenever a version of the ticket the page shows
  // (ticket.js announces each as "qf:ticket") has more evidence in its history.
  let seen = -1;
  document.addEventListener('qf:ticket', ev => {
    const added = (ev.detail.ticket.audit || []).filter(a => a.action === 'evidence').length;
    if (added === seen) return;
    if (seen >= 0) QF.notice('举报人补充了证据材料', 'new');
    seen = added;
    load();
  });
})();
