/* Cart and favourites without page reloads.
 *
 * Every form here works without this file (plain POST, redirect, message).
 * With it: add-to-cart, quantity changes, removals and favourite toggles are
 * sent with fetch; the server answers JSON (it is asked with an Accept
 * header) and the header count, the cart and the buttons update in place.
 * Other scripts (product.js) can announce a cart change by dispatching
 * `new CustomEvent("shopwright:cart", {detail: {count, message}})` on document.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var toastTimer = null;

  function toast(message, isError) {
    if (!message) return;
    var box = document.querySelector(".cart-toast");
    if (!box) {
      box = document.createElement("p");
      box.className = "cart-toast";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    box.textContent = message;
    box.classList.toggle("error", Boolean(isError));
    box.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () { box.hidden = true; }, 4000);
  }

  function setCount(count) {
    if (typeof count !== "number") return;
    document.querySelectorAll("[data-cart-count]").forEach(function (badge) {
      badge.textContent = String(count);
      badge.hidden = count <= 0;
    });
  }

  function send(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) throw new Error("not a JSON answer");
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  function busy(form, on) {
    form.querySelectorAll("button").forEach(function (button) { button.disabled = on; });
  }

  function cartAdd(form) {
    busy(form, true);
    send(form).then(function (answer) {
      setCount(answer.data.count);
      toast(answer.data.message, !answer.ok);
    }).catch(function () {
      form.submit();
    }).finally(function () { busy(form, false); });
  }

  function cartChange(form) {
    var root = form.closest("[data-cart-root]");
    if (root) root.classList.add("busy");
    send(form).then(function (answer) {
      if (root && typeof answer.data.html === "string") root.innerHTML = answer.data.html;
      setCount(answer.data.count);
      toast(answer.data.message, !answer.ok);
    }).catch(function () {
      form.submit();
    }).finally(function () { if (root) root.classList.remove("busy"); });
  }

  function favouriteToggle(form) {
    busy(form, true);
    send(form).then(function (answer) {
      var data = answer.data;
      if (answer.ok && typeof data.favourite === "boolean") {
        var id = form.getAttribute("data-product-id");
        document.querySelectorAll('[data-favourite-form][data-product-id="' + id + '"]').forEach(function (other) {
          showFavourite(other, data.favourite, data.action);
        });
      }
      toast(data.message, !answer.ok);
    }).catch(function () {
      form.submit();
    }).finally(function () { busy(form, false); });
  }

  function showFavourite(form, on, action) {
    var button = form.querySelector("button");
    if (action) form.action = action;
    if (!button) return;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.title = on ? "Remove from favourites" : "Add to favourites";
    var icon = button.querySelector(".favourite-icon");
    if (icon) icon.textContent = on ? "\u2665" : "\u2661";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    var action = form.getAttribute("action") || "";
    if (form.hasAttribute("data-favourite-form")) {
      event.preventDefault();
      favouriteToggle(form);
    } else if (form.hasAttribute("data-cart-quantity") || form.hasAttribute("data-cart-remove")) {
      event.preventDefault();
      cartChange(form);
    } else if (/\/cart\/add\/$/.test(action)) {
      event.preventDefault();
      cartAdd(form);
    }
  });

  // A quantity typed or stepped is sent once the shopper pauses.
  var pending = null;
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.name !== "quantity") return;
    var form = input.closest("[data-cart-quantity]");
    if (!form) return;
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      if (input.checkValidity()) form.requestSubmit();
    }, 500);
  });

  document.addEventListener("shopwright:cart", function (event) {
    var detail = event.detail || {};
    setCount(detail.count);
    if (detail.message) toast(detail.message, detail.error);
  });
})();
