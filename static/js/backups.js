// Backup & Archive pages: confirm before dangerous posts, filter a record's fields as you type.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches("input[data-filter]")) {
      return;
    }
    var target = document.querySelector(input.getAttribute("data-filter"));
    if (!target) {
      return;
    }
    var query = input.value.trim().toLowerCase();
    target.querySelectorAll("[data-filter-item]").forEach(function (item) {
      item.hidden = query !== "" && item.textContent.toLowerCase().indexOf(query) === -1;
    });
  });
})();
