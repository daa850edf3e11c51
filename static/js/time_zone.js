// On a form that has not been filled yet, a time zone select marked data-time-zone-guess
// starts at the browser's own zone, when the list has it (otherwise it stays at UTC).
(function () {
  "use strict";
  var guess;
  try {
    guess = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!guess) { return; }
  document.querySelectorAll("select[data-time-zone-guess]").forEach(function (select) {
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === guess;
    });
    if (known) { select.value = guess; }
  });
})();
