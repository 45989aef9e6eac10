/* New report form, progressive enhancement (the form works without this file): when the period kind
   changes, the year and number move to the last ended period of that kind, and the number is disabled
   for a yearly report (the server then takes 1). The progress of a report is polled by htmx, not here. */
(function () {
  "use strict";

  function setUp(form) {
    var defaults;
    try {
      defaults = JSON.parse(form.getAttribute("data-period-defaults") || "{}");
    } catch (e) {
      return;
    }
    var kind = form.querySelector("[name=period_kind]");
    var year = form.querySelector("[name=year]");
    var number = form.querySelector("[name=period_number]");
    if (!kind || !year || !number) {
      return;
    }
    function sync(moveValues) {
      var value = defaults[kind.value];
      if (moveValues && value) {
        year.value = value[0];
        number.value = value[1];
      }
      number.disabled = kind.value === "year";
    }
    kind.addEventListener("change", function () {
      sync(true);
    });
    sync(false);
  }

  function init() {
    var forms = document.querySelectorAll("form[data-period-defaults]");
    for (var i = 0; i < forms.length; i++) {
      setUp(forms[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
