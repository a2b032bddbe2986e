// The status page: number and query code in, progress out, as text only.
(function () {
  "use strict";
  var form = document.getElementById("query");
  var result = document.getElementById("result");
  function line(text) {
    var p = document.createElement("p");
    p.textContent = text;
    result.appendChild(p);
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    result.textContent = "";
    var number = document.getElementById("number").value.trim();
    var code = document.getElementById("code").value.trim();
    fetch("/api/v1/tickets/" + encodeURIComponent(number), { headers: { "X-Query-Code": code } })
      .then(function (r) { return r.json(); })
      .then(function (m) {
        if (m.error) { line(m.message); return; }
        line("编号：" + m.number);
        line("状态：" + m.status_name);
        line("更新时间：" + new Date(m.updated_at).toLocaleString("zh-CN"));
        (m.replies || []).forEach(function (r) { line("答复：" + r); });
      })
      .catch(function () { line("查询失败，请稍后再试。"); });
  });
})();
