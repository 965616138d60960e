/* Back-office catalog pages: progressive enhancement only. Every form works without this file:
   - variant rows follow the option values as they are typed (else "Update variants" rebuilds them);
   - images upload as they are dropped or chosen, one request per file, with progress and per-file messages;
   - images can be dragged into a new order (else "Move up" / "Move down");
   - buttons with data-confirm ask first; Enter in a field presses the button that saves that field. */
(function () {
  "use strict";

  var MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

  function splitValues(text) {
    var seen = {};
    return text.split(",").map(function (v) { return v.trim(); }).filter(function (v) {
      if (!v || seen[v]) { return false; }
      seen[v] = true;
      return true;
    });
  }

  function combinations(lists) {
    return lists.reduce(function (combos, values) {
      var next = [];
      combos.forEach(function (combo) {
        values.forEach(function (value) { next.push(combo.concat([value])); });
      });
      return next;
    }, [[]]);
  }

  function normalKey(text) {
    try { return JSON.stringify(JSON.parse(text)); } catch (e) { return text; }
  }

  /* --- variant rows -------------------------------------------------------------------- */

  function setupVariants() {
    var form = document.getElementById("product-form");
    var body = document.getElementById("variant-rows");
    var template = document.getElementById("variant-row-template");
    if (!form || !body || !template) { return; }
    var max = parseInt(body.getAttribute("data-max"), 10) || 100;
    var warning = document.getElementById("too-many-variants");
    // Rows keyed by combination, including rows taken out, so a value typed back brings its data back.
    var rows = {};
    Array.prototype.forEach.call(body.querySelectorAll("tr.variant-row"), function (tr) {
      rows[normalKey(tr.getAttribute("data-key"))] = tr;
    });
    var update = document.getElementById("update-variants");
    if (update) { update.remove(); }

    function optionLists() {
      var lists = [];
      for (var i = 0; i < 3; i++) {
        var input = form.querySelector('[name="options-' + i + '-values"]');
        if (input) {
          var values = splitValues(input.value);
          if (values.length) { lists.push(values); }
        }
      }
      return lists;
    }

    function renumber() {
      Array.prototype.forEach.call(body.querySelectorAll("tr.variant-row"), function (tr, i) {
        Array.prototype.forEach.call(tr.querySelectorAll("[name], [id]"), function (el) {
          ["name", "id"].forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value) { el.setAttribute(attr, value.replace(/variants-(\d+|__i__)/, "variants-" + i)); }
          });
        });
      });
    }

    function newRow(combo, price) {
      var tr = template.content.querySelector("tr").cloneNode(true);
      var key = JSON.stringify(combo);
      tr.setAttribute("data-key", key);
      tr.querySelector('[data-field="key"]').value = key;
      tr.querySelector('[data-field="title"]').textContent = combo.join(" / ") || "Default";
      tr.querySelector('[data-field="price"]').value = price;
      return tr;
    }

    function rebuild() {
      var lists = optionLists();
      // Counted before they are made: three options of a hundred values would be a million rows.
      var total = lists.reduce(function (n, values) { return n * values.length; }, 1);
      if (warning) {
        warning.classList.toggle("is-hidden", total <= max);
        var count = warning.querySelector("[data-count]");
        if (count) { count.textContent = String(total); }
      }
      if (total > max) { return; }
      var combos = combinations(lists);
      var first = body.querySelector('tr.variant-row [data-field="price"]');
      var price = first ? first.value : "";
      var wanted = combos.map(function (combo) {
        var key = JSON.stringify(combo);
        if (!rows[key]) { rows[key] = newRow(combo, price); }
        return rows[key];
      });
      Array.prototype.forEach.call(body.querySelectorAll("tr.variant-row"), function (tr) {
        if (wanted.indexOf(tr) < 0) { tr.remove(); }
      });
      wanted.forEach(function (tr) { body.appendChild(tr); });
      renumber();
    }

    form.addEventListener("input", function (event) {
      var target = event.target;
      if (target.hasAttribute("data-option-values") || target.hasAttribute("data-option-name")) { rebuild(); }
    });
  }

  /* --- image uploads ------------------------------------------------------------------- */

  function setupUploads() {
    var form = document.getElementById("image-upload");
    if (!form || !window.fetch || !window.FormData) { return; }
    var input = form.querySelector('input[type="file"]');
    var progress = document.getElementById("upload-progress");
    var status = document.getElementById("upload-status");
    var token = form.querySelector('[name="csrfmiddlewaretoken"]').value;
    var button = document.getElementById("upload-button");
    if (button) { button.classList.add("is-hidden"); }

    function line(name, text, kind) {
      var li = document.createElement("li");
      li.textContent = name + ": " + text;
      if (kind) { li.className = kind; }
      status.appendChild(li);
      return li;
    }

    function uploadOne(file, li) {
      if (file.size > MAX_UPLOAD_BYTES) {
        return Promise.resolve({ ok: false, message: "The image is larger than 5 MB." });
      }
      var data = new FormData();
      data.append("csrfmiddlewaretoken", token);
      data.append("images", file, file.name);
      li.textContent = file.name + ": uploading…";
      return fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": token }
      }).then(function (response) {
        return response.json().then(function (body) {
          var error = body.errors && body.errors[0];
          return error ? { ok: false, message: error.message } : { ok: true };
        });
      }).catch(function () {
        return { ok: false, message: "The upload failed; check the connection and try again." };
      });
    }

    function uploadAll(files) {
      if (!files.length) { return; }
      status.textContent = "";
      progress.classList.remove("is-hidden");
      progress.max = files.length;
      progress.value = 0;
      var added = 0;
      var items = files.map(function (file) { return line(file.name, "waiting", ""); });
      // One file at a time: a phone on a slow link finishes each file instead of stalling all of them.
      files.reduce(function (chain, file, i) {
        return chain.then(function () {
          return uploadOne(file, items[i]).then(function (result) {
            progress.value = i + 1;
            items[i].textContent = file.name + ": " + (result.ok ? "added" : result.message);
            items[i].className = result.ok ? "is-done" : "is-error";
            if (result.ok) { added += 1; }
          });
        });
      }, Promise.resolve()).then(function () {
        input.value = "";
        if (added) { refreshImages(); }
      });
    }

    input.addEventListener("change", function () { uploadAll(Array.prototype.slice.call(input.files)); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      uploadAll(Array.prototype.slice.call(input.files));
    });
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) {
        event.preventDefault();
        form.classList.add("is-dragover");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      form.addEventListener(name, function () { form.classList.remove("is-dragover"); });
    });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      uploadAll(Array.prototype.slice.call(event.dataTransfer.files));
    });
  }

  /* The image list and the variants' image choices, fetched again after uploads or a reorder,
     so the merchant's unsaved edits elsewhere on the page stay where they are. */
  function refreshImages() {
    fetch(window.location.pathname, { credentials: "same-origin" }).then(function (response) {
      return response.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var fresh = page.getElementById("image-list");
      var list = document.getElementById("image-list");
      if (fresh && list) {
        list.replaceWith(fresh);
        setupImageDrag();
      }
      var freshTemplate = page.getElementById("variant-row-template");
      var freshSelect = freshTemplate && freshTemplate.content.querySelector("select");
      if (!freshSelect) { return; }
      // Variant rows offer the new images too (a table without an image column gains one on the next load).
      var template = document.getElementById("variant-row-template");
      var selects = Array.prototype.slice.call(document.querySelectorAll("#variant-rows select"));
      var templateSelect = template && template.content.querySelector("select");
      if (templateSelect) { selects.push(templateSelect); }
      selects.forEach(function (select) {
        var chosen = select.value;
        select.innerHTML = freshSelect.innerHTML;
        select.value = chosen;
      });
    });
  }

  /* --- image order by drag and drop --------------------------------------------------------- */

  function setupImageDrag() {
    var list = document.getElementById("image-list");
    var form = document.getElementById("image-list-form");
    if (!list || !form || !window.fetch) { return; }
    var dragged = null;
    Array.prototype.forEach.call(list.querySelectorAll(".image-item"), function (item) {
      item.setAttribute("draggable", "true");
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.getAttribute("data-image-id"));
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("is-dragging");
        dragged = null;
      });
      item.addEventListener("dragover", function (event) {
        if (!dragged || dragged === item) { return; }
        event.preventDefault();
        var box = item.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragged, after ? item.nextSibling : item);
      });
      item.addEventListener("drop", function (event) {
        event.preventDefault();
        saveOrder();
      });
    });

    function saveOrder() {
      var ids = Array.prototype.map.call(list.querySelectorAll(".image-item"), function (item) {
        return item.getAttribute("data-image-id");
      });
      var data = new FormData();
      data.append("csrfmiddlewaretoken", form.querySelector('[name="csrfmiddlewaretoken"]').value);
      data.append("order", ids.join(","));
      fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(refreshImages);
    }
  }

  /* --- collection kind: rules only for automatic collections ------------------------------------ */

  function setupCollectionKind() {
    var kind = document.getElementById("id_kind");
    var rules = document.getElementById("rules");
    if (!kind || !rules) { return; }
    function sync() {
      var automatic = kind.value === "automatic";
      // A disabled fieldset is not submitted, so rules left in the rows of a manual collection are not an error.
      rules.disabled = !automatic;
      rules.classList.toggle("is-hidden", !automatic);
    }
    kind.addEventListener("change", sync);
    sync();
  }

  /* --- confirmations and the Enter key ----------------------------------------------------- */

  function setupButtons() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-confirm]");
      if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.target.tagName !== "INPUT" || event.target.type === "file") { return; }
      var input = event.target;
      var target = null;
      if (input.hasAttribute("data-save")) {
        target = input.form.querySelector('button[name="save_alt"][value="' + input.getAttribute("data-save") + '"]');
      } else if (input.form && input.form.id === "product-form") {
        target = input.form.querySelector('button[value="save"]');
      } else if (input.form && input.form.id === "collection-products-form") {
        target = input.form.querySelector(".form-actions button");
      }
      if (target) {
        event.preventDefault();
        target.click();
      }
    });
  }

  setupVariants();
  setupUploads();
  setupImageDrag();
  setupCollectionKind();
  setupButtons();
})();
