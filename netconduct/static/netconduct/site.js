// What the pages once did in inline scripts, styles and on* attributes, which the Content-Security-Policy forbids:
// sizes from data-* attributes, confirmations, print buttons, selects that submit, and the few page behaviours.
(function () {
  "use strict";

  function sizes(root) {
    root.querySelectorAll("[data-nc-width]").forEach(function (el) { el.style.width = el.dataset.ncWidth + "%"; });
    root.querySelectorAll("[data-nc-depth]").forEach(function (el) { el.style.setProperty("--nc-depth", el.dataset.ncDepth); });
    root.querySelectorAll("[data-nc-height]").forEach(function (el) { el.style.height = el.dataset.ncHeight + "px"; });
  }
  sizes(document);
  if (window.htmx) { window.htmx.onLoad(function (el) { if (el.querySelectorAll) sizes(el); }); }

  // Confirmation before a form is sent: on the form itself, or on the button that sends it.
  document.addEventListener("submit", function (e) {
    var form = e.target, message = form.dataset ? form.dataset.ncConfirm : null;
    var button = e.submitter;
    if (button && button.dataset && button.dataset.ncConfirm) message = button.dataset.ncConfirm;
    if (message && !window.confirm(message)) e.preventDefault();
  }, true);
  document.addEventListener("click", function (e) {
    var target = e.target.closest ? e.target.closest("[data-nc-print]") : null;
    if (target) window.print();
  });
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-nc-autosubmit]") && e.target.form) e.target.form.submit();
  });

  // The organisation tree: filter by name.
  var filter = document.getElementById("tree-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim();
      document.querySelectorAll("#org-tree li").forEach(function (li) {
        li.hidden = q !== "" && li.textContent.indexOf(q) === -1;
        if (q !== "") { var d = li.querySelector(":scope > details"); if (d) d.open = true; }
      });
    });
  }

  // Attendance: a reason field for the absent, and "the rest were present".
  var attendance = document.getElementById("attendance-form");
  if (attendance) {
    attendance.addEventListener("change", function (e) {
      if (e.target.classList.contains("btn-check")) e.target.closest(".nc-att-row").dataset.status = e.target.value;
    });
    var rest = document.getElementById("mark-rest-present");
    if (rest) {
      rest.addEventListener("click", function () {
        attendance.querySelectorAll(".nc-att-row").forEach(function (row) {
          if (!row.dataset.status) {
            row.querySelector('input.btn-check[value="present"]').checked = true;
            row.dataset.status = "present";
          }
        });
      });
    }
  }

  // The report receipt: copy the code.
  var copy = document.getElementById("copy-code");
  if (copy) {
    copy.addEventListener("click", function () {
      var code = copy.dataset.code;
      function done() { copy.textContent = copy.dataset.done || "已复制"; }
      if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(code).then(done, done); return; }
      var t = document.createElement("textarea");
      t.value = code; document.body.appendChild(t); t.select();
      try { document.execCommand("copy"); } catch (err) { /* nothing more to try */ }
      document.body.removeChild(t); done();
    });
  }

  // Filing a report: the reported unit only when the report is about another unit. Without signing in there is
  // no choice (the unit is always picked from the list), so the field stays shown.
  var reportedWrap = document.getElementById("reported-unit-wrap");
  if (reportedWrap && document.querySelector('input[name="unit_basis"]')) {
    var sync = function () {
      var picked = document.querySelector('input[name="unit_basis"]:checked');
      reportedWrap.hidden = !(picked && picked.value === "reported");
    };
    document.querySelectorAll('input[name="unit_basis"]').forEach(function (el) { el.addEventListener("change", sync); });
    sync();
  }

  // Activation slips for chosen people: ticking a person chooses "selected".
  var sheetForm = document.getElementById("nc-sheet-form");
  if (sheetForm) {
    sheetForm.addEventListener("change", function (e) {
      if (e.target.name === "people" && e.target.checked) {
        var selected = sheetForm.querySelector('input[name="mode"][value="selected"]');
        if (selected) selected.checked = true;
      }
    });
  }
})();
