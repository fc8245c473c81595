// The enrolment form: the amount follows the schools as they are ticked
// (N × the fee, in euros with French formatting). Without JavaScript the server shows it.
(function () {
  "use strict";
  var fieldset = document.querySelector("fieldset.schools-choice");
  var output = document.querySelector("[data-amount]");
  if (!fieldset || !output) { return; }
  var feeCents = parseInt(fieldset.getAttribute("data-fee-cents"), 10);
  var euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
  function update() {
    var n = fieldset.querySelectorAll("input[type=checkbox]:checked").length;
    output.textContent = n + " école" + (n > 1 ? "s" : "") + " × " + euros.format(feeCents / 100) +
      " = " + euros.format(n * feeCents / 100);
  }
  fieldset.addEventListener("change", update);
  update();
}());
