'use strict';
// The ticket page's 补充材料: what the reporter added later (补充 编号 查询码 …), oldest
// first, as text. Filled in from each version of the ticket the page shows (ticket.js
// announces them as "qf:ticket"); an addition that arrives while the page is open is
// marked for a moment.
(() => {
  const { el } = QF;
  let count = -1;
  document.addEventListener('qf:ticket', ev => {
    const list = ev.detail.ticket.supplements || [];
    const box = document.getElementById('supplements');
    if (!box || list.length === count) return;
    const added = count >= 0 && list.length > count;
    count = list.length;
    box.hidden = list.length === 0;
    box.replaceChildren(el('h3', {}, '举报人补充材料（' + list.length + '）'),
      el('ol', { class: 'supplements' }, list.map(x => el('li', {},
        el('time', { datetime: x.at, class: 'muted' }, QF.time(x.at)), ' ', el('span', { class: 'supplement-text' }, x.text)))));
    if (added) box.lastChild.lastChild.classList.add('fresh'); // the page's banner names it too
  });
})();
