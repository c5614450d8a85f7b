// blinrwe web page: the findings filter, local times, confirmations, the run progress.
// No inline script anywhere (the content security policy allows only this file).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // findings: show or hide rows by severity
  document.querySelectorAll("[data-filter]").forEach(function (box) {
    box.addEventListener("change", function () {
      var shown = {};
      document.querySelectorAll("[data-filter]").forEach(function (b) { shown[b.dataset.filter] = b.checked; });
      document.querySelectorAll("#findings tbody tr").forEach(function (row) {
        row.hidden = !shown[row.dataset.severity];
      });
    });
  });

  // times are stored as seconds since 1970; shown in the browser's time zone
  document.querySelectorAll("time[data-epoch]").forEach(function (t) {
    var s = parseFloat(t.dataset.epoch);
    if (!isNaN(s)) {
      var d = new Date(s * 1000);
      t.dateTime = d.toISOString();
      t.textContent = d.toLocaleString(document.documentElement.lang);
    }
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  document.querySelectorAll("[data-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
    });
  });

  // run progress: poll the status until the run has finished or stopped, then reload once
  var progress = document.getElementById("progress");
  if (progress && (progress.dataset.state === "queued" || progress.dataset.state === "running")) {
    var poll = function () {
      fetch(progress.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (status) {
          status.stages.forEach(function (stage) {
            var item = document.querySelector('[data-stage="' + stage.name + '"]');
            if (item) { item.className = "stage " + stage.state; }
          });
          var notes = document.getElementById("run-notes");
          if (notes && status.notes) { notes.textContent = status.notes.join("; "); }
          if (status.state === "done" || status.state === "failed" || status.state === "gone") {
            window.location.reload();
          } else {
            window.setTimeout(poll, 700);
          }
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 500);
  }
});
