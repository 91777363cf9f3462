// Copy the redacted text; bring the results into view after a check.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  var done = function () { button.textContent = button.getAttribute("data-copied") || "已复制"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done);
  } else {
    field.select();
    document.execCommand("copy");
    done();
  }
});
document.body.addEventListener("htmx:afterSwap", function (event) {
  if (event.detail.target.id === "nc-results") {
    event.detail.target.scrollIntoView({ behavior: "smooth", block: "start" });
  }
});
