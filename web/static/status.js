// The status page: number and query code in, progress out, as text only. A citizen who
// filed a report in this tab finds its number and code filled in, and the query already
// run when they came from the receipt's link (#receipt).
(function () {
  "use strict";
  var T = {
    number: "编号：",
    status: "状态：",
    updated: "更新时间：",
    reply: "答复：",
    failed: "查询失败，请稍后再试。",
    back: "返回对话"
  };
  var form = document.getElementById("query");
  var result = document.getElementById("result");
  var number = document.getElementById("number");
  var code = document.getElementById("code");
  function line(text) {
    var p = document.createElement("p");
    p.textContent = text;
    result.appendChild(p);
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    result.textContent = "";
    fetch("/api/v1/tickets/" + encodeURIComponent(number.value.trim()), { headers: { "X-Query-Code": code.value.trim() } })
      .then(function (r) { return r.json(); })
      .then(function (m) {
        if (m.error) { line(m.message); return; }
        line(T.number + m.number);
        line(T.status + m.status_name);
        line(T.updated + new Date(m.updated_at).toLocaleString("zh-CN"));
        (m.replies || []).forEach(function (r) { line(T.reply + r); });
      })
      .catch(function () { line(T.failed); });
  });
  if (sessionStorage.getItem("qf-session")) {
    document.getElementById("back").textContent = T.back; // the dialogue resumes there
  }
  var kept = QFReceipt.load();
  if (kept) {
    number.value = kept.number;
    code.value = kept.code;
    if (location.hash === "#receipt") { form.requestSubmit(); }
  }
})();
