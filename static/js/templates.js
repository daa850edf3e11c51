// Template builder: open and close the dialogs, add declarative filter rows.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog"));
      if (dialog && !dialog.open) {
        dialog.showModal();
      }
      return;
    }
    var closer = event.target.closest("[data-close]");
    if (closer) {
      closer.closest("dialog").close();
      return;
    }
    var adder = event.target.closest("[data-add-row]");
    if (adder) {
      var body = adder.closest("dialog").querySelector("[data-rows]");
      var rows = body.querySelectorAll("[data-row]");
      var row = rows[rows.length - 1].cloneNode(true);
      row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      row.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
      body.appendChild(row);
    }
  });

  // A dialog the server sent open (a refused filter) becomes modal, its message in view.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("dialog[data-open]").forEach(function (dialog) {
      dialog.close();
      dialog.showModal();
    });
  });
})();
