// Progress of an import without reloading the page: polls the JSON status, reloads when the job stops.
(function () {
  "use strict";
  var status = document.getElementById("import-status");
  if (!status || status.dataset.running !== "1") return;
  var bar = document.querySelector(".import-progress");
  function poll() {
    fetch(status.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (!state.running) { window.location.reload(); return; }
        status.querySelectorAll("[data-field]").forEach(function (node) {
          var value = state[node.dataset.field];
          node.textContent = typeof value === "number" ? value.toLocaleString() : value;
        });
        if (bar) { bar.max = state.total || 1; bar.value = state.done; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
