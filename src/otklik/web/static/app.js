// otklik web: two small enhancements; every page also works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // 1. Uploads: send with XMLHttpRequest to show upload progress, then go to the import job page.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var bar = document.getElementById("upload-progress"), status = document.getElementById("upload-status");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "fetch");
      bar.hidden = false;
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); status.textContent = "uploading " + bar.value + "%"; }
      };
      xhr.onload = function () {
        if (xhr.status === 200) {
          status.textContent = "uploaded; importing…";
          window.location = JSON.parse(xhr.responseText).job;
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      };
      xhr.onerror = function () { status.textContent = "upload failed: connection error"; };
      xhr.send(new FormData(form));
    });
  });
  // Forms that ask before they act (deleting an account).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) { if (!window.confirm(form.dataset.confirm)) { ev.preventDefault(); } });
  });
  // The review queue: one keystroke per answer (the buttons carry data-key).
  if (document.getElementById("answer-form") || document.getElementById("undo-form")) {
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName)) { return; }
      var b = document.querySelector('button[data-key="' + ev.key.toLowerCase() + '"]');
      if (b) { ev.preventDefault(); b.click(); }
    });
  }
  // Themes: open or close every theme's quotes at once.
  var bodies = document.querySelectorAll("details.theme-body");
  [["open-all", true], ["close-all", false]].forEach(function (pair) {
    var b = document.getElementById(pair[0]);
    if (b && bodies.length) {
      b.hidden = false;
      b.addEventListener("click", function () { bodies.forEach(function (d) { d.open = pair[1]; }); });
    }
  });
  // 2. Report draft: re-verify as the editor types (debounced); the server returns escaped HTML.
  var report = document.getElementById("report-form");
  if (report) {
    var area = document.getElementById("report-text"), out = document.getElementById("verification"), timer = null, seq = 0;
    var check = function () {
      var mine = ++seq;
      fetch(report.dataset.verify, {method: "POST", body: new FormData(report), headers: {"X-Requested-With": "fetch"},
                                    credentials: "same-origin"})
        .then(function (r) { return r.text(); })
        .then(function (html) { if (mine === seq) { out.innerHTML = html; } });
    };
    area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 400); });
  }
});
