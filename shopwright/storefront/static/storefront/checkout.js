/* Checkout pages, a little nicer with a script; every form works without it.
 *
 * - Choosing a country redraws the address fields for it (the server knows
 *   each country's fields and labels): the form is sent with its "Update
 *   address fields" button, which the server answers without saving.
 * - "Same as the delivery address" hides the billing fields; choosing a
 *   saved address hides the new-address fields.
 * - The Pay button is disabled after the first click (the server also
 *   answers a second click with the same order, never a second one).
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  document.querySelectorAll("select[data-country]").forEach(function (select) {
    select.addEventListener("change", function () {
      var form = select.form;
      var button = form && form.querySelector("[data-refresh]");
      if (!button) return;
      if (form.requestSubmit) form.requestSubmit(button); else button.click();
    });
  });

  function toggle(control, target, showWhen) {
    if (!control || !target) return;
    target.hidden = !showWhen();
  }

  var billingSame = document.querySelector("[data-billing-same]");
  var billing = document.querySelector("[data-billing-address]");
  if (billingSame && billing) {
    var updateBilling = function () { toggle(billingSame, billing, function () { return !billingSame.checked; }); };
    billingSame.addEventListener("change", updateBilling);
    updateBilling();
  }

  var savedChoices = document.querySelectorAll("[data-saved-address]");
  var newAddress = document.querySelector("[data-new-address]");
  if (savedChoices.length && newAddress) {
    var updateNew = function () {
      var chosen = document.querySelector("[data-saved-address]:checked");
      newAddress.hidden = Boolean(chosen && chosen.value !== "new");
    };
    savedChoices.forEach(function (radio) { radio.addEventListener("change", updateNew); });
    updateNew();
  }

  document.querySelectorAll("[data-checkout-pay]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (!button) return;
      // After the submit has started: a disabled button is not sent, and this one carries no value.
      window.setTimeout(function () { button.disabled = true; button.textContent = "Taking you to payment…"; }, 0);
    });
  });
})();
