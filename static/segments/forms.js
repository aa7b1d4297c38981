// Forms: a form with data-confirm asks first; every form sends once (a double click on
// "Upload and import" must not make two imports). Pages work without this script.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-download")) { return; }  // the page stays: it may download again
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    // Disabled after this tick, so the clicked button's own name and value are still sent.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
  // A file input with data-max-bytes: the wrong type or a file too large is refused when chosen
  // (the server checks again when the file arrives).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) { return; }
    var file = input.files && input.files[0];
    var problem = "";
    if (file) {
      var name = file.name.toLowerCase();
      var suffixes = input.dataset.suffixes.split(" ");
      if (!suffixes.some(function (suffix) { return name.endsWith(suffix); })) {
        problem = file.name + ": unsupported file type: use one of " + suffixes.join(", ") + ".";
      } else if (file.size > Number(input.dataset.maxBytes)) {
        problem = file.name + ": the file is larger than " + input.dataset.maxSize + ".";
      }
    }
    input.setCustomValidity(problem);
    var note = input.parentNode.querySelector(".file-problem");
    if (!note) {
      note = document.createElement("p");
      note.className = "file-problem error";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = problem;
  });
  // Back to a page from the history: its forms may be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("[type=submit]").forEach(function (button) { button.disabled = false; });
    });
  });
})();
