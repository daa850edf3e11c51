// Ticks each password rule as the user types; the server checks the same rules
// (tenants/password_validation.py). A password input marked data-password-rules="<list id>"
// drives that list; an input marked data-password-confirm="<name>" shows a mismatch.
(function () {
  "use strict";
  var RULES = {
    length: function (v) { return v.length >= 12; },
    letter: function (v) { return /\p{L}/u.test(v); },
    number: function (v) { return /\p{N}/u.test(v); },
    special: function (v) { return /[^\p{L}\p{N}]|_/u.test(v); }
  };

  function render(input, list) {
    var value = input.value;
    list.querySelectorAll("li[data-rule]").forEach(function (item) {
      var ok = RULES[item.dataset.rule](value);
      if (!item.dataset.label) { item.dataset.label = item.textContent; }
      item.textContent = (ok ? "\u2713 " : "\u2717 ") + item.dataset.label;
      item.classList.toggle("error", value.length > 0 && !ok);
      item.classList.toggle("ok", ok);
    });
  }

  function confirmCheck(confirm, original) {
    var message = confirm.value && confirm.value !== original.value ? "The two passwords differ." : "";
    confirm.setCustomValidity(message);
    var note = confirm.parentNode.querySelector(".password-match");
    if (!note) {
      note = document.createElement("div");
      note.className = "password-match error";
      note.setAttribute("aria-live", "polite");
      confirm.parentNode.appendChild(note);
    }
    note.textContent = message;
  }

  document.querySelectorAll("input[data-password-rules]").forEach(function (input) {
    var list = document.getElementById(input.dataset.passwordRules);
    if (!list) { return; }
    input.addEventListener("input", function () { render(input, list); });
    render(input, list);
  });

  document.querySelectorAll("input[data-password-confirm]").forEach(function (confirm) {
    var original = confirm.form.elements[confirm.dataset.passwordConfirm];
    if (!original) { return; }
    var check = function () { confirmCheck(confirm, original); };
    confirm.addEventListener("input", check);
    original.addEventListener("input", check);
  });
})();
