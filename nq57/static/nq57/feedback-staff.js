/* Progressive enhancement of the feedback staff pages (every page works without it):
 * - the answer-template picker fills the answer textarea at once instead of reloading the page (?template=);
 * - agency inputs suggest organisations from the public map API as the user types (a <datalist>).
 */
(function () {
  "use strict";

  function setUpTemplatePicker(select) {
    var target = document.getElementById(select.getAttribute("data-fills"));
    var hidden = document.getElementById(select.getAttribute("data-template-input"));
    if (!target) {
      return;
    }
    var button = select.form && select.form.querySelector("button[type=submit]");
    if (button) {
      button.hidden = true;
    }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (!option || !option.value) {
        return;
      }
      var body = option.getAttribute("data-body") || "";
      if (target.value.trim() && target.value !== body &&
          !window.confirm(select.getAttribute("data-confirm") || "Replace the text of the answer?")) {
        return;
      }
      target.value = body;
      if (hidden) {
        hidden.value = option.value;
      }
      target.focus();
    });
  }

  function setUpOrganisationSearch(input, datalist) {
    var api = datalist.getAttribute("data-api");
    var timer = null;
    var last = "";
    if (!api) {
      return;
    }
    input.addEventListener("input", function () {
      var text = input.value.trim();
      if (text.length < 2 || text === last) {
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        last = text;
        fetch(api + "?q=" + encodeURIComponent(text), {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {results: []}; })
          .then(function (data) {
            datalist.textContent = "";
            (data.results || []).slice(0, 30).forEach(function (org) {
              var option = document.createElement("option");
              option.value = org.code;
              option.label = org.name;
              option.textContent = org.name;
              datalist.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience: typing a name still works */ });
      }, 250);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-fills]").forEach(setUpTemplatePicker);
    var datalist = document.getElementById("fb-organisations");
    if (datalist) {
      document.querySelectorAll("input[data-org-search]").forEach(function (input) {
        setUpOrganisationSearch(input, datalist);
      });
    }
  });
})();
