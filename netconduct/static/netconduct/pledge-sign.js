// The pledge signing page: knows when the whole text has been read, runs the signature pad (signature_pad, MIT),
// switches to typing the name where drawing is impossible, and guards the button against a double tap.
(function () {
  "use strict";
  var form = document.getElementById("pledge-form");
  if (!form) return;
  var end = document.getElementById("pledge-end");
  var readField = form.querySelector("input[name=read_to_end]");
  var ack = document.getElementById("acknowledged");
  var readHint = document.getElementById("read-hint");
  function markRead() {
    readField.value = "1";
    ack.disabled = false;
    if (readHint) readHint.classList.add("d-none");
  }
  if (readField.value === "1") markRead();
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries, observer) {
      entries.forEach(function (e) { if (e.isIntersecting) { markRead(); observer.disconnect(); } });
    }).observe(end);
  } else {
    window.addEventListener("scroll", function () {
      if (end.getBoundingClientRect().top < window.innerHeight) markRead();
    });
  }

  var canvas = document.getElementById("signature-pad");
  var field = form.querySelector("input[name=signature]");
  var kindField = form.querySelector("input[name=signature_kind]");
  var pad = null;
  function resize() {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var data = pad && !pad.isEmpty() ? pad.toData() : null;
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    if (pad) { pad.clear(); if (data) pad.fromData(data); }
  }
  if (window.SignaturePad && canvas.getContext) {
    pad = new window.SignaturePad(canvas, { minWidth: 1.2, maxWidth: 3.2, penColor: "#111" });
    resize();
    window.addEventListener("resize", resize);
    document.getElementById("signature-clear").addEventListener("click", function () { pad.clear(); });
  } else {
    useTyped();
  }
  function useTyped() {
    kindField.value = "typed";
    document.getElementById("draw-box").classList.add("d-none");
    document.getElementById("typed-box").classList.remove("d-none");
  }
  function useDrawn() {
    kindField.value = "drawn";
    document.getElementById("typed-box").classList.add("d-none");
    document.getElementById("draw-box").classList.remove("d-none");
    resize();
  }
  document.getElementById("use-typed").addEventListener("click", function (e) { e.preventDefault(); useTyped(); });
  document.getElementById("use-drawn").addEventListener("click", function (e) { e.preventDefault(); useDrawn(); });
  if (kindField.value === "typed") useTyped();

  form.addEventListener("submit", function (e) {
    if (kindField.value === "drawn") {
      if (!pad || pad.isEmpty()) {
        e.preventDefault();
        document.getElementById("signature-error").classList.remove("d-none");
        return;
      }
      field.value = pad.toDataURL("image/png");
    }
    var button = document.getElementById("sign-button");
    if (button.dataset.sent) { e.preventDefault(); return; }
    button.dataset.sent = "1";
    button.disabled = true;
    button.textContent = button.dataset.busy;
  });
})();
