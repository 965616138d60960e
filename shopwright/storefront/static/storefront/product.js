// Product page: picking option values shows the matching variant's price,
// compare-at price, stock state and image, and puts its id in the add-to-cart
// form, without reloading. Without JavaScript the page offers one <select> of
// every variant instead; this script swaps that select for the option pickers.
(function () {
  "use strict";
  var root = document.querySelector("[data-product]");
  var dataNode = document.getElementById("product-data");
  if (!root || !dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var variants = data.variants || [];
  var images = data.images || {};

  var pickers = root.querySelector("[data-option-pickers]");
  var selectWrap = root.querySelector("[data-variant-select-wrap]");
  var select = root.querySelector("[data-variant-select]");
  var variantId = root.querySelector("[data-variant-id]");
  var price = root.querySelector("[data-price]");
  var compare = root.querySelector("[data-compare-at]");
  var compareText = root.querySelector("[data-compare-text]");
  var stock = root.querySelector("[data-stock]");
  var button = root.querySelector("[data-add-to-cart]");
  var mainImage = root.querySelector("[data-main-image]");
  var mainSource = root.querySelector("[data-main-source]");
  var thumbs = root.querySelectorAll("[data-image-id]");
  var radios = pickers ? pickers.querySelectorAll("input[type=radio][data-option-index]") : [];

  function sameOptions(variant, values) {
    for (var i = 0; i < values.length; i++) {
      if (variant.options[i] !== values[i]) return false;
    }
    return variant.options.length === values.length;
  }

  function findVariant(values) {
    for (var i = 0; i < variants.length; i++) {
      if (sameOptions(variants[i], values)) return variants[i];
    }
    return null;
  }

  function chosenValues() {
    var values = [];
    radios.forEach(function (radio) {
      if (radio.checked) values[Number(radio.dataset.optionIndex)] = radio.value;
    });
    return values;
  }

  function showImage(id) {
    var image = images[String(id)];
    if (!image || !mainImage) return;
    if (mainSource) mainSource.srcset = image.webp;
    mainImage.srcset = image.jpeg;
    mainImage.src = image.src;
    mainImage.alt = image.alt;
    mainImage.width = image.width;
    mainImage.height = image.height;
    thumbs.forEach(function (link) {
      if (link.dataset.imageId === String(id)) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
  }

  // A value is marked sold out when picking it, with the other values as they
  // are, gives no variant or one that cannot be bought.
  function markSoldOut(values) {
    radios.forEach(function (radio) {
      var index = Number(radio.dataset.optionIndex);
      var combo = values.slice();
      combo[index] = radio.value;
      var variant = findVariant(combo);
      var soldOut = !variant || !variant.available;
      var label = radio.closest(".chip");
      if (label) {
        label.classList.toggle("is-sold-out", soldOut);
        var note = label.querySelector("[data-sold-out-note]");
        if (note) note.hidden = !soldOut;
      }
    });
  }

  function show(variant) {
    if (!variant) return;
    price.textContent = variant.price_text;
    compareText.textContent = variant.compare_text;
    compare.hidden = !variant.compare_text;
    stock.textContent = variant.stock_text;
    stock.className = "stock stock-" + variant.stock_state;
    button.disabled = !variant.available;
    button.textContent = variant.available ? "Add to cart" : "Sold out";
    variantId.value = String(variant.id);
    if (select) select.value = String(variant.id);
    // A variant without its own image shows the product's first one, not the last variant's.
    showImage(variant.image_id || data.first_image_id);
    markSoldOut(variant.options);
  }

  function setRadios(values) {
    radios.forEach(function (radio) {
      radio.checked = values[Number(radio.dataset.optionIndex)] === radio.value;
    });
  }

  if (pickers && select && variantId) {
    // Swap the no-JavaScript select for the pickers: the disabled select is not sent, the hidden id is.
    pickers.hidden = false;
    selectWrap.hidden = true;
    select.disabled = true;
    variantId.disabled = false;
    pickers.addEventListener("change", function (event) {
      var target = event.target;
      var values = chosenValues();
      var variant = findVariant(values);
      if (!variant) {
        // No variant has this combination: keep the value just picked and
        // take the first variant with it, preferring one that is in stock.
        var index = Number(target.dataset.optionIndex);
        var candidates = variants.filter(function (v) { return v.options[index] === target.value; });
        variant = candidates.filter(function (v) { return v.available; })[0] || candidates[0];
        if (variant) setRadios(variant.options);
      }
      show(variant);
    });
  }

  thumbs.forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      showImage(link.dataset.imageId);
    });
  });
})();
