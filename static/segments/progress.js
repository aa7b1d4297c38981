// Live progress: every element with data-status-url is polled until its job finishes,
// then the page reloads to show the results. Pages work without this script.
(function () {
  "use strict";
  var INTERVAL_MS = 2000;

  function show(element, status) {
    element.dataset.status = status.status;
    element.className = element.className.replace(/status-\w+/, "status-" + status.status);
    element.querySelectorAll("[data-field]").forEach(function (field) {
      var value = status[field.dataset.field];
      if (value === undefined || value === null) { return; }
      if (field.tagName === "PROGRESS") { field.value = value; } else { field.textContent = value; }
    });
  }

  function poll(element) {
    fetch(element.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (status) {
        show(element, status);
        if (status.finished) { window.location.reload(); } else { setTimeout(function () { poll(element); }, INTERVAL_MS); }
      })
      .catch(function () { setTimeout(function () { poll(element); }, INTERVAL_MS * 3); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-status-url]").forEach(function (element) {
      setTimeout(function () { poll(element); }, INTERVAL_MS);
    });
  });
})();
