// Keeps the status of queued and rendering reports up to date without reloading the page.
(function () {
  "use strict";
  var LABELS = { queued: "Queued", rendering: "Rendering", ready: "Ready", failed: "Failed" };
  var INTERVAL = 2000;
  var MAX_POLLS = 300;

  function poll(row, count) {
    fetch(row.dataset.reportStatusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (report) {
        var status = row.querySelector("[data-status]");
        status.textContent = LABELS[report.status] || report.status;
        if (report.status === "failed" && report.error) { status.textContent += ": " + report.error; }
        if (report.status === "ready") {
          var cell = row.querySelector("[data-download]");
          var link = document.createElement("a");
          link.href = row.dataset.downloadUrl;
          link.setAttribute("download", "");
          link.textContent = "Download PDF";
          cell.replaceChildren(link);
          if (report.deck_url && row.dataset.deckUrl) {
            var deck = document.createElement("a");
            deck.href = row.dataset.deckUrl;
            deck.setAttribute("download", "");
            deck.textContent = "PowerPoint deck";
            cell.append(" · ", deck);
          }
        }
        if (report.status !== "ready" && report.status !== "failed" && count < MAX_POLLS) {
          window.setTimeout(function () { poll(row, count + 1); }, INTERVAL);
        }
      })
      .catch(function () {
        if (count < MAX_POLLS) { window.setTimeout(function () { poll(row, count + 1); }, INTERVAL * 2); }
      });
  }

  document.querySelectorAll("[data-report-status-url]").forEach(function (row) { poll(row, 0); });
})();
