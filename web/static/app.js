// Lớp học An toàn — small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Ask before destructive actions; stop a second click from sending a form twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.getAttribute("target") === "_blank") {
      // A print sheet opens in a new tab; refresh this page for new figures and form tokens.
      window.setTimeout(function () { window.location.reload(); }, 1200);
      return;
    }
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") {
      return;  // searches and downloads may be sent again
    }
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit], button:not([type])"), function (b) {
      window.setTimeout(function () { b.disabled = true; }, 0);
    });
  });

  // Close the account menu when clicking elsewhere.
  document.addEventListener("click", function (event) {
    var menu = document.querySelector(".account-menu[open]");
    if (menu && !menu.contains(event.target)) {
      menu.removeAttribute("open");
    }
  });

  // Notice form: show only the pickers the chosen options need (data-scope, data-when).
  function syncChoice(name) {
    var chosen = document.querySelector("input[name=" + name + "]:checked");
    if (!chosen) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-" + name + "]"), function (el) {
      el.hidden = el.getAttribute("data-" + name) !== chosen.value;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "scope" || event.target.name === "when") { syncChoice(event.target.name); }
  });
  syncChoice("scope");
  syncChoice("when");

  // Live progress of a notice: poll its JSON and update the numbers in place.
  var live = document.querySelector("[data-progress-url]");
  if (live && window.fetch) {
    var url = live.getAttribute("data-progress-url");
    var timer = window.setInterval(function () {
      window.fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          Object.keys(data.cells).forEach(function (key) {
            var cell = document.getElementById(key);
            if (cell) { cell.textContent = data.cells[key]; }
          });
          Object.keys(data.bars || {}).forEach(function (key) {
            var bar = document.getElementById(key);
            if (bar) { bar.setAttribute("width", String(data.bars[key])); }
          });
          if (data.finished) {
            live.setAttribute("data-finished", "1");
            var cancel = document.getElementById("cancel-form");
            if (cancel) { cancel.hidden = true; }
          }
          if (data.finished && !data.receipts) { window.clearInterval(timer); }
        })
        .catch(function () {});
    }, 2000);
  }
})();
