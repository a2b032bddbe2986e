// The receipt a citizen is given when a report is filed: the ticket number and the query
// code. It is kept in this tab (sessionStorage), so a reload and the status page find it,
// and offered as text to copy and as a PNG drawn here: the pages run only their own
// scripts, so no library draws it.
(function () {
  "use strict";
  var KEY = "qf-receipt";
  var T = {
    title: "清风 · 信访举报回执",
    number: "编号：",
    code: "查询码：",
    hint: "凭编号和查询码可查询办理进度、补充材料。",
    keep: "请妥善保存，不要告诉他人。",
    where: "查询地址：",
    when: "保存时间：",
    file: "清风回执-"
  };
  var FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", system-ui, sans-serif';

  function load() {
    try {
      var r = JSON.parse(sessionStorage.getItem(KEY) || "null");
      if (r && typeof r.number === "string" && typeof r.code === "string") { return r; }
    } catch (e) { /* a damaged entry is no receipt */ }
    return null;
  }

  function save(r) {
    sessionStorage.setItem(KEY, JSON.stringify({ number: r.number, code: r.code }));
  }

  function text(r) {
    return [T.title, T.number + r.number, T.code + r.code, T.hint, T.where + location.origin + "/status"].join("\n");
  }

  // copy puts the receipt's text on the clipboard; where the Clipboard API is missing
  // (an http page outside localhost) a selected textarea is copied instead.
  function copy(r) {
    var t = text(r);
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(t);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = t;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  // draw paints the receipt at twice its size, for sharp text on phone screens.
  function draw(r) {
    var w = 640, h = 400, scale = 2;
    var c = document.createElement("canvas");
    c.width = w * scale;
    c.height = h * scale;
    var g = c.getContext("2d");
    g.scale(scale, scale);
    g.fillStyle = "#ffffff";
    g.fillRect(0, 0, w, h);
    g.fillStyle = "#1f6f4a";
    g.fillRect(0, 0, w, 72);
    g.fillStyle = "#ffffff";
    g.font = "bold 28px " + FONT;
    g.fillText(T.title, 32, 47);
    g.fillStyle = "#1d2b24";
    g.font = "26px " + FONT;
    g.fillText(T.number + r.number, 32, 140);
    g.font = "bold 30px " + FONT;
    g.fillText(T.code + r.code, 32, 196);
    g.fillStyle = "#3b4a42";
    g.font = "18px " + FONT;
    g.fillText(T.hint, 32, 262);
    g.fillText(T.keep, 32, 292);
    g.fillText(T.where + location.origin + "/status", 32, 322);
    g.fillText(T.when + new Date().toLocaleString("zh-CN"), 32, 352);
    g.strokeStyle = "#1f6f4a";
    g.lineWidth = 4;
    g.strokeRect(2, 2, w - 4, h - 4);
    return c;
  }

  // download saves the drawing as a PNG file; done(true) once the browser has it.
  function download(r, done) {
    draw(r).toBlob(function (blob) {
      if (!blob) { done(false); return; }
      var url = URL.createObjectURL(blob);
      var a = document.createElement("a");
      a.href = url;
      a.download = T.file + r.number + ".png";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      done(true);
    }, "image/png");
  }

  window.QFReceipt = { load: load, save: save, copy: copy, download: download };
})();
