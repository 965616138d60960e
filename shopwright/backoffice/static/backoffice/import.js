// Follows a running import: polls its progress endpoint, moves the bar and the
// counts, and reloads the page when the job is over (to show the final report).
(function () {
  "use strict";
  var box = document.querySelector("[data-import-poll]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-import-poll");
  var bar = document.getElementById("import-progress");

  function show(state) {
    box.querySelectorAll("[data-import-field]").forEach(function (node) {
      var value = state[node.getAttribute("data-import-field")];
      if (value !== undefined) {
        node.textContent = String(value);
      }
    });
    if (bar) {
      bar.max = Math.max(state.total_rows, 1);
      bar.value = state.processed_rows;
      bar.textContent = state.processed_rows + " of " + state.total_rows + " rows";
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("progress answered " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        // A network hiccup: try again, less often.
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
