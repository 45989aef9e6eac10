/* Public feedback pages, progressive enhancement (the pages work without this file):
   - the submission form fetches similar submissions as the title is typed (debounced) and marks the form as
     checked, so the server does not stop the sending to show them again;
   - the confidentiality choice shows only for initiatives and solutions;
   - the receipt's print button. */
(function () {
  "use strict";

  var DELAY = 400;
  var MIN_TITLE = 3;

  function similarSearch(form, section) {
    var title = form.querySelector("[name=title]");
    var content = form.querySelector("[name=content]");
    var checked = form.querySelector("[name=checked]");
    var url = section.getAttribute("data-similar-url");
    if (!title || !url) {
      return;
    }
    var timer = null;
    var controller = null;
    var lastQuery = null;

    function run() {
      var text = title.value.trim();
      if (text.length < MIN_TITLE || text === lastQuery) {
        return;
      }
      lastQuery = text;
      if (controller) {
        controller.abort();
      }
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var params = new URLSearchParams({title: text, content: content ? content.value.slice(0, 1000) : ""});
      fetch(url + "?" + params.toString(), {
        credentials: "same-origin",
        headers: {"X-Requested-With": "fetch"},
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      }).then(function (html) {
        // The fragment comes from our own server, rendered and escaped by Django templates.
        section.innerHTML = html;
        if (checked) {
          checked.value = "True";
        }
      }).catch(function () {
        lastQuery = null; // the server shows the similar submissions before sending instead
      });
    }

    title.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, DELAY);
    });
    title.addEventListener("change", run);
  }

  function confidentialToggle(form) {
    var wrap = form.querySelector("#id_confidential_wrap");
    var box = form.querySelector("[name=confidential]");
    var help = form.querySelector("#id_confidential_help");
    var kinds = form.querySelectorAll("[name=kind]");
    if (!wrap || !box || !kinds.length) {
      return;
    }
    function update() {
      var selected = form.querySelector("[name=kind]:checked");
      var evaluable = selected && (selected.value === "initiative" || selected.value === "solution");
      wrap.hidden = !evaluable;
      if (help) {
        help.hidden = !evaluable;
      }
      if (!evaluable) {
        box.checked = false;
      }
    }
    Array.prototype.forEach.call(kinds, function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  function printButtons() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  function start() {
    var form = document.getElementById("feedback-form");
    var section = document.getElementById("similar-section");
    if (form && section) {
      similarSearch(form, section);
    }
    if (form) {
      confidentialToggle(form);
    }
    printButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
